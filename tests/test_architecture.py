"""The package's shape is a contract: layers in the folders, data flowing one way, no cycles.

The layer order itself is import-linter's ``layers`` contract in ``setup.cfg``; these tests run it,
show that it catches an upward import, and add what it does not check: no cycle between modules
(deferred imports included), a package root that only re-exports, folders small enough to read.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symgrad"
MAX_MODULES = 16  # "about 15" modules per subpackage, so that each folder can be read as one thing


def _lint(cwd, package_parent):
    """Run ``lint-imports`` on the package found under ``package_parent``, with ``cwd``'s setup.cfg."""
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
               "sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"})


def test_the_layer_contract_holds():
    result = _lint(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_layer_contract_fails_on_an_upward_import(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "symgrad", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    numbers = tmp_path / "symgrad" / "core" / "numbers.py"
    numbers.write_text(numbers.read_text() + "\nfrom ..worksheets import worksheet  # upward: core -> worksheets\n")
    result = _lint(tmp_path, tmp_path)
    assert result.returncode != 0
    assert "symgrad.core is not allowed to import symgrad.worksheets" in result.stdout
    assert "symgrad.core.numbers -> symgrad.worksheets.worksheet" in result.stdout


def _modules():
    """Every module of the package by its dotted name, with whether it is a package's ``__init__``."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _imports(name):
    """``(target module, line, deferred)`` for each import of a symgrad module in module ``name``:
    ``from . import x`` of a submodule is an import of that submodule."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("symgrad"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno, id(node) not in top_level
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("symgrad"):
                    yield alias.name, node.lineno, id(node) not in top_level


def test_the_package_root_only_re_exports():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert not loose, f"modules at the package root: {loose}"
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Assign"}, kinds


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_each_subpackage_is_small_enough_to_read(folder):
    modules = [p for p in (PACKAGE / folder).glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MAX_MODULES, f"symgrad/{folder} has {len(modules)} modules"


def _cycles(graph):
    """The strongly connected groups of more than one module in ``graph`` (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules():
    """Imports inside functions count: a deferred import does not make a cycle go away."""
    graph = {name: {target for target, _, _ in _imports(name) if target in MODULES and target != name}
             for name in MODULES}
    assert _cycles(graph) == []


def test_the_cycle_search_finds_a_cycle_and_only_its_members():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
