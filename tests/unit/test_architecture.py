"""The house's rules, checked on the import graph (grimp): no import cycles, layers only import downwards, only one
module talks to a model server, the service never imports the evals, and modules stay small."""
from __future__ import annotations

import grimp
import pytest

from service.settings import PROJECT_ROOT

# Higher layers may import lower ones, never the reverse. Siblings in one tuple must not import each other.
LAYERS = [
    ("service.cli",),
    ("service.app",),
    ("service.api",),
    ("service.workspace", "service.feedback"),
    ("service.answering",),
    ("service.retrieval", "service.guardrails"),
    ("service.knowledge",),
    ("service.db",),
]
MAX_LINES = 300  # a module past this is doing more than one thing (data files excepted)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("service", "evals", include_external_packages=True)


def test_no_import_cycles(graph):
    cycles = []
    for importer in sorted(m for m in graph.modules if m.startswith("service")):
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith("service") and graph.chain_exists(importer=imported, imported=importer):
                cycles.append(graph.find_shortest_chain(importer=imported, imported=importer) + (imported,))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_layers_only_import_downwards(graph):
    flat = [(level, package) for level, group in enumerate(LAYERS) for package in group]
    wrong = []
    for level, lower in flat:
        for upper_level, upper in flat:
            above = upper_level < level or (upper_level == level and upper != lower)
            if above and graph.chain_exists(importer=lower, imported=upper, as_packages=True):
                wrong.append(" -> ".join(graph.find_shortest_chain(importer=lower, imported=upper, as_packages=True)))
    assert not wrong, "imports against the layers: " + "; ".join(wrong[:5])


def test_only_one_module_imports_openai(graph):
    importers = {m for m in graph.find_modules_that_directly_import("openai") if m.startswith("service")}
    assert importers == {"service.answering.generators.llm"}


def test_the_service_never_imports_the_evals(graph):
    assert not graph.chain_exists(importer="service", imported="evals", as_packages=True)


def test_modules_stay_small():
    big = {str(p.relative_to(PROJECT_ROOT)): n for p in sorted((PROJECT_ROOT / "service").rglob("*.py"))
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"
