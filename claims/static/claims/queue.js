// The queue's keyboard and bulk controls. Every control also works without this script;
// it only saves clicks. htmx swaps the results in place, so everything is looked up afresh.
(function () {
  "use strict";

  // --- Bulk: "select every claim on this page" and a count of the ticked claims.
  var ticks = function () { return document.querySelectorAll('input[name="ids"][form="bulk-form"]'); };

  function refresh() {
    var all = document.querySelector("[data-select-all]");
    var count = document.querySelector("[data-selected-count]");
    var boxes = ticks();
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    if (count) count.textContent = ticked ? ticked + " selected" : "";
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      ticks().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.name === "ids" || (target.matches && target.matches("[data-select-all]"))) refresh();
  });

  // --- Keyboard: j/k move, t takes, o or Enter opens, ? shows the help.
  var current = -1;
  var rows = function () { return document.querySelectorAll("#queue-results tr[data-claim]"); };

  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row) { row.classList.remove("current"); row.removeAttribute("aria-current"); });
    var row = all[index];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
    current = index;
  }

  function selected() {
    return document.querySelector("#queue-results tr.current");
  }

  function help() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var row = selected();
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if ((event.key === "o" || event.key === "Enter") && row) {
      var link = row.querySelector("a[data-open]");
      if (link) { window.location.href = link.href; event.preventDefault(); }
    }
    else if (event.key === "t" && row) {
      var take = row.querySelector("button[data-take]");
      if (take) { take.click(); event.preventDefault(); }
    }
    else if (event.key === "?") { help(); event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-show-shortcuts]")) help();
  });

  // After htmx swaps the results or a row, keep the selection where it was.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-results") current = -1;
    else if (current >= 0) select(current);
    refresh();
  });
  refresh();
})();
