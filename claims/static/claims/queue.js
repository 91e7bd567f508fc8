// The queue's bulk controls: "select every claim on this page" and a count of the ticked claims.
// The form works without this script; it only saves clicks.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = form.querySelector("[data-select-all]");
  var count = form.querySelector("[data-selected-count]");
  var boxes = function () { return form.querySelectorAll('input[name="ids"]'); };

  function refresh() {
    var ticked = 0;
    boxes().forEach(function (box) { if (box.checked) ticked += 1; });
    if (count) count.textContent = ticked ? ticked + " selected" : "";
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "ids") refresh();
  });
  refresh();
})();
