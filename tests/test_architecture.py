"""The shape of the code, measured: no import cycle, short classes and functions, docstrings.

Read from the source with ``ast`` (nothing is run): the import graph of the
``mlplab`` modules (every import, also those inside functions and under
``TYPE_CHECKING``) has no cycle; no class has more than ``MAX_CLASS_LINES`` lines of
code and no function more than ``MAX_FUNCTION_LINES`` (blank lines, comments and
docstrings not counted: a docstring written out in full is not a reason to split code);
no docstring is assembled at import time; every public name is documented.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import mlplab

SRC = Path(mlplab.__file__).resolve().parent
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 80

#: Left out of the size and docstring checks, with why.
EXEMPT_PACKAGES: dict[str, str] = {}
#: Left out of the size check only, with why.
EXEMPT_FROM_SIZES: dict[str, str] = {}


def _sources() -> list[Path]:
    return sorted(
        p for p in SRC.rglob("*.py") if not set(p.relative_to(SRC).parts) & set(EXEMPT_PACKAGES)
    )


def _module_name(path: Path) -> str:
    parts = ["mlplab", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _import_graph() -> dict[str, set[str]]:
    """module -> the mlplab modules it imports (anywhere in its code)."""
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if _is_package(path) else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # "from pkg import sub" imports the submodule when there is one.
                subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in files]
                targets = subs if len(subs) == len(node.names) else [module, *subs]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    graph = _import_graph()
    assert graph["mlplab.training"] >= {"mlplab.callbacks", "mlplab.network"}  # it reads
    assert _cycles(graph) == []
    # The engine never imports the estimators, the command line or the playground.
    engine = ["activations", "losses", "initializers", "layers", "network", "optimizers"]
    engine += ["schedules", "callbacks", "training"]
    above = {"mlplab.estimators", "mlplab.cli", "mlplab.playground"}
    for module in engine:
        reached, todo = set(), [f"mlplab.{module}"]
        while todo:
            for dep in graph[todo.pop()] - reached:
                reached.add(dep)
                todo.append(dep)
        assert not [m for m in reached for a in above if m == a or m.startswith(a + ".")], module


def test_the_cycle_check_can_fail():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _docstring_lines(node: ast.AST) -> set[int]:
    lines: set[int] = set()
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def _sizes() -> list[tuple[str, str, int]]:
    """(kind, "file:name", lines of code) of every class and function."""
    out = []
    for path in _sources():
        if set(path.relative_to(SRC).parts) & set(EXEMPT_FROM_SIZES):
            continue
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            span = set(range(node.lineno, node.end_lineno + 1)) - _docstring_lines(node)
            code = [i for i in span if lines[i - 1].strip() and not lines[i - 1].lstrip()[0] == "#"]
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            out.append((kind, f"{path.relative_to(SRC).as_posix()}:{node.name}", len(code)))
    return out


def test_no_long_class_or_function():
    sizes = _sizes()
    limits = {"class": MAX_CLASS_LINES, "function": MAX_FUNCTION_LINES}
    too_long = [(where, n) for kind, where, n in sizes if n > limits[kind]]
    assert too_long == []
    assert len(sizes) > 500  # the measure saw the code


def test_no_docstring_is_assembled_at_import():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            attrs = [t.attr for t in targets if isinstance(t, ast.Attribute)]
            assert "__doc__" not in names + attrs, path


def _public_modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(mlplab.__path__, "mlplab.")
        if not set(m.name.split(".")) & set(EXEMPT_PACKAGES)
        and not any(part.startswith("_") for part in m.name.split(".")[1:])
    ]


@pytest.mark.parametrize("name", _public_modules())
def test_public_names_are_documented(name):
    module = importlib.import_module(name)
    assert inspect.getdoc(module)
    missing = []
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != name:
            continue
        if name.startswith("mlplab.experiments.") and attr == "run":
            continue  # each experiment's claim is its registered description
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not inspect.getdoc(obj):
            missing.append(attr)
        if inspect.isclass(obj):
            for key, member in vars(obj).items():
                if key.startswith("_"):
                    continue
                if inspect.isfunction(member) and not inspect.getdoc(getattr(obj, key)):
                    missing.append(f"{attr}.{key}")
                if isinstance(member, property) and not _property_doc(obj, key):
                    missing.append(f"{attr}.{key}")
    assert missing == []


def _property_doc(cls: type, key: str) -> str | None:
    """A property's docstring, or that of the property it overrides."""
    for klass in cls.__mro__:
        member = vars(klass).get(key)
        if isinstance(member, property) and member.__doc__:
            return member.__doc__
    return None
