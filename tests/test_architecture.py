"""House rules read from the source: no import cycles, files of one subject, event types from the enum."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from claims.event_types import EventType

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("claims", "integrations", "factcheck", "feeds", "snapshots", "webhooks", "digests")
MAX_LINES = 600


def project_sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk_runtime(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs, including imports inside functions; ``if TYPE_CHECKING:`` blocks aside."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not _type_checking_only(child):
                stack.append(child)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports, wherever in the file the import is."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _walk_runtime(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    paths = list(project_sources())
    known = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, known) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        trail.append(module)
        for other in sorted(graph.get(module, ())):
            if state.get(other) == 1:
                return [*trail[trail.index(other) :], other]
            if other not in state and (cycle := visit(other)):
                return cycle
        trail.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_module_imports_another_that_imports_it_back() -> None:
    graph = import_graph()
    assert "claims.workflow" in graph and "claims.events" in graph["claims.workflow"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_sees_a_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    (tmp_path / "claims").mkdir()
    inner = tmp_path / "claims" / "x.py"
    inner.write_text("def f():\n    from . import y\n\nif TYPE_CHECKING:\n    from . import z\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert imports_of(inner, {"claims.x", "claims.y", "claims.z"}) == {"claims.y"}
    finally:
        ROOT = saved


def test_no_source_file_is_longer_than_one_subject_needs() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in project_sources()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_services_have_a_module_per_subject() -> None:
    for subject in ("ingest", "filing", "review", "curation", "claimreview", "stats", "events", "workflow"):
        assert (ROOT / "claims" / f"{subject}.py").exists(), subject
    assert not (ROOT / "claims" / "services.py").exists()


# --- Event types come from the enum


EVENT_KEYWORDS = {"action", "action__in", "event_type"}


def _literal_strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for element in node.elts for s in _literal_strings(element)]
    return []


def literal_event_types(source: str) -> list[tuple[int, str]]:
    """String literals written where an event type goes: record_event's type, ``action=``, comparisons."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            if callee.endswith("record_event") and node.args:
                found += [(node.lineno, s) for s in _literal_strings(node.args[0])]
            if callee.endswith("add_argument"):
                continue  # argparse's action= ("store_true") is no event type
            for keyword in node.keywords:
                if keyword.arg in EVENT_KEYWORDS:
                    found += [(node.lineno, s) for s in _literal_strings(keyword.value)]
        elif isinstance(node, ast.Compare) and ast.unparse(node.left).endswith(".action"):
            for right in node.comparators:
                found += [(node.lineno, s) for s in _literal_strings(right)]
    return found


def test_no_event_type_is_written_as_a_string_literal() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in project_sources()
        if path.name != "event_types.py"
        for line, value in literal_event_types(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        'record_event("merged", claim=c)',
        'events.record_event(event_type="merged", claim=c)',
        'ClaimEvent.objects.create(claim=c, action="merged")',
        'ClaimEvent.objects.filter(action__in=["merged", "split"])',
        'ClaimEvent(claim=c, action="restored").save()',
        'if event.action == "merged": pass',
        'if event.action in ("merged", "split"): pass',
    ],
)
def test_the_scan_sees_every_way_to_write_an_event_type_as_a_literal(source: str) -> None:
    assert literal_event_types(source)


def test_the_scan_accepts_the_enum() -> None:
    assert (
        literal_event_types("record_event(EventType.MERGED, claim=c)\nx.filter(action=EventType.SPLIT)") == []
    )


@pytest.mark.django_db
def test_the_database_refuses_an_event_type_outside_the_enum(make_claim) -> None:
    from django.db import IntegrityError, transaction

    from claims.models import ClaimEvent

    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimEvent.objects.create(claim=claim, action="renamed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimEvent.objects.bulk_create([ClaimEvent(claim=claim, action="merged-ish")])
    ClaimEvent.objects.create(claim=claim, action=EventType.MERGED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimEvent.objects.filter(claim=claim).update(action="renamed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimEvent.objects.create(action=EventType.CREATED)  # about nothing


def test_every_event_type_has_a_story() -> None:
    from claims.event_types import STORIES

    assert set(STORIES) == set(EventType)
