"""The documentation runs: every ```python block of README.md and docs/*.md.

Each markdown file is one test: its ```python blocks run in order in one namespace, as a
reader pasting them one after the other into a Python session would run them, in a fresh
temporary working folder (the examples write model files). Code that needs outside
infrastructure (a real Dask scheduler, a folder of Parquet files) is fenced as ```text.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^\n]*$")
# Fence languages that would hide Python from the test; the test runs ```python only.
_PYTHON_ALIASES = {"py", "python3", "py3", "pycon", "ipython", "ipython3"}


@dataclass
class Block:
    language: str
    line: int  # 0-based line of the block's first line of code in its file
    code: str


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced code block of a markdown file, with its language and place."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        body, j = [], i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if closing and closing["fence"].startswith(fence) and not closing["info"]:
                break
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        else:
            raise AssertionError(f"{path.name}:{i + 1}: code fence never closed")
        blocks.append(Block(opening["info"].lower(), i + 1, "\n".join(body) + "\n"))
        i = j + 1
    return blocks


def python_blocks(path: Path) -> list[Block]:
    return [block for block in fenced_blocks(path) if block.language == "python"]


DOCS_WITH_PYTHON = [path for path in DOC_FILES if python_blocks(path)]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_documentation_has_python_to_run():
    names = {_rel(path) for path in DOCS_WITH_PYTHON}
    assert {"README.md", "docs/estimators.md", "docs/scaling.md"} <= names


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_code_fences_say_their_language(path):
    # An unlabelled or ```py fence would hold Python that this module never runs.
    for block in fenced_blocks(path):
        where = f"{_rel(path)}:{block.line}"
        assert block.language, f"{where}: fence it as ```python (it runs) or ```text"
        assert block.language not in _PYTHON_ALIASES, f"{where}: write ```python, so it runs"


# The examples train for a few epochs so that the suite stays fast; scikit-learn says so.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("path", DOCS_WITH_PYTHON, ids=_rel)
def test_python_blocks_run(path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")  # a block that plots must not open a window
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    try:
        for block in python_blocks(path):
            # Leading newlines put each line at its line number in the markdown file, so a
            # traceback points into the document.
            code = compile("\n" * block.line + block.code, str(path), "exec")
            exec(code, namespace)
    finally:
        plt.close("all")


# -- what the blocks may import ---------------------------------------------------------------
def _requirement_names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower().replace("_", "-")
        for req in requirements
    }


def _imported_modules(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _with_their_requirements(names: set[str]) -> set[str]:
    """The distributions ``names`` and everything they require (extras left out)."""
    todo, found = list(names), set()
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += _requirement_names([r for r in requires if "extra ==" not in r])
    return found


def test_blocks_import_only_what_the_test_extra_installs():
    # CI installs mlplab with its test extra, no more: a block that needs an optional extra
    # runs only if that extra is part of the test extra.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _requirement_names(project["dependencies"])
    declared |= _requirement_names(project["optional-dependencies"]["test"])
    declared = _with_their_requirements(declared)  # joblib comes with scikit-learn
    distributions = importlib.metadata.packages_distributions()
    for path in DOCS_WITH_PYTHON:
        for block in python_blocks(path):
            for module in _imported_modules(block.code):
                if module == "mlplab" or module in sys.stdlib_module_names:
                    continue
                owners = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
                assert owners & declared, (
                    f"{_rel(path)}:{block.line}: `import {module}` comes from "
                    f"{sorted(owners) or 'no installed distribution'}, which is neither a core "
                    "dependency nor in the test extra of pyproject.toml"
                )


def test_the_docs_extra_is_in_the_test_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(extras["docs"]) <= set(extras["test"])
