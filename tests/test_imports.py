"""The house's shape: every module of rewriter/ imports alone, and no two
modules import each other, even by a chain (issue 22).

The graph is read with `ast` from the source: every `import rewriter...` and
`from rewriter... import ...`, at the top of a module or inside a function
(a lazy import is still an arrow: the day it runs, the circle is there).
Imports under `if TYPE_CHECKING:` are left out: they never run, and are how
a module names a type without importing its module.
"""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

PACKAGE = ROOT / "rewriter"


def modules() -> dict[str, object]:
    """Dotted name -> path of every module and package of rewriter/."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            found += [i for child in node.orelse for i in _imports_in(child)]
            continue
        found += _imports_in(node)
    return found


def _imports_in(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [node]
    return _imports(node)


def import_graph() -> dict[str, set[str]]:
    """Module -> the rewriter modules it imports (a name imported from a package
    counts as its submodule when there is one: `from rewriter.check import rules`)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                bases = [alias.name for alias in node.names]
                names: list[str] = []
            else:
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                bases, names = [base], [alias.name for alias in node.names]
            for base in bases:
                if not (base == "rewriter" or base.startswith("rewriter.")):
                    continue
                subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in known]
                if subs:
                    targets.update(subs)
                if len(subs) < len(names) or not names:
                    while base not in known:
                        base = base.rpartition(".")[0]
                    targets.add(base)
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each circle of imports, as the path that closes it (depth-first search)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_sees_lazy_imports_and_packages():
    graph = import_graph()
    assert "rewriter.check.rules" in graph["rewriter.check.report"]  # a top-level import
    assert "rewriter.report_html" in graph["rewriter.batch.report"]  # one inside a function
    assert "rewriter.readers.jsonlines" in graph["rewriter.readers"]  # one inside a function of a package
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_of_rewriter_imports_itself_back():
    assert cycles(import_graph()) == []


def test_every_module_imports_alone():
    """Each module imported first, in a fresh state of rewriter (third-party
    modules stay loaded: only the order of rewriter's own imports matters)."""
    names = sorted(set(modules()) - {"rewriter.__main__"})  # that one runs the command line
    code = (
        "import importlib, sys, traceback\n"
        f"names = {names!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'rewriter' or m.startswith('rewriter.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ': ' + traceback.format_exc().splitlines()[-1])\n"
        "print('\\n'.join(failed) or 'ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.stdout.strip() == "ok", result.stdout + result.stderr


#: Issue 22's limits: past them a module is usually two, and a class two jobs.
MODULE_LINES, CLASS_LINES = 450, 150


def test_no_module_or_class_is_over_its_size_unless_its_file_says_why():
    """A file that must stay larger says why in a `# Size:` comment near its top."""
    over = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "# Size:" in "\n".join(text.splitlines()[:40]):
            continue
        name = path.relative_to(ROOT)
        if len(text.splitlines()) > MODULE_LINES:
            over.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > CLASS_LINES:
                over.append(f"{name}: class {node.name} {node.end_lineno - node.lineno + 1} lines")
    assert not over, over
