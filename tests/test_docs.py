"""The documentation runs: every ```python block of README.md and docs/*.md, and the API
reference's strict build.

Each markdown file is one test: its ```python blocks run in order in one namespace, as a
reader pasting them one after the other into a Python session would run them, in a fresh
temporary working folder (the examples write model files). Code that needs outside
infrastructure (a real Dask scheduler, a folder of Parquet files) is fenced as ```text.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MKDOCS_YML = ROOT / "mkdocs.yml"
API_PAGES = sorted((ROOT / "docs" / "api").glob("*.md"))

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


# -- the API reference ------------------------------------------------------------------------
def _directives(page: Path) -> list[str]:
    return re.findall(r"^::: (\S+)", page.read_text(encoding="utf-8"), flags=re.M)


def _griffe_package():
    import griffe  # with the docs extra, which the test extra includes

    # The same extensions as mkdocs.yml, so that the check sees the docstrings the site shows.
    extensions = griffe.load_extensions(
        str(ROOT / "docs" / "api" / "griffe_sphinx.py") + ":SphinxNumpydoc",
        "griffe_inherited_docstrings",
    )
    loader = griffe.GriffeLoader(
        docstring_parser=griffe.Parser.numpy,
        search_paths=[str(ROOT / "src")],
        extensions=extensions,
    )
    package = loader.load("mlplab")
    loader.resolve_aliases(external=False)
    return package


def _resolve(package, identifier: str):
    obj = package
    for part in identifier.split(".")[1:]:
        obj = obj[part]
    return obj.final_target if obj.is_alias else obj


# Modules the reference need not render, and why.
_NOT_IN_REFERENCE = {
    "mlplab.playground.cli": "the `mlplab playground` options, documented by its --help",
    "mlplab.playground.__main__": "`python -m mlplab.playground`",
}


def test_the_reference_covers_every_public_module():
    package = _griffe_package()
    covered = set()
    for page in API_PAGES:
        for identifier in _directives(page):
            obj = _resolve(package, identifier)
            rendered = [obj]
            if obj.is_module:
                rendered += [
                    m for name, m in obj.members.items() if m.is_public and not m.is_module
                ]
            for item in rendered:
                target = item.final_target if item.is_alias else item
                module = target if target.is_module else target.module
                covered |= {
                    ".".join(module.path.split(".")[:n])
                    for n in range(1, module.path.count(".") + 2)
                }
    public = set()
    for file in (ROOT / "src" / "mlplab").rglob("*.py"):
        parts = file.relative_to(ROOT / "src").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(p.startswith("_") and p != "__main__" for p in parts):
            public.add(".".join(parts))
    # An experiment's module is reached through mlplab.experiments (run, get, names).
    public = {m for m in public if not m.startswith("mlplab.experiments.")}
    missing = sorted(public - covered - set(_NOT_IN_REFERENCE))
    assert not missing, f"public modules missing from docs/api/*.md: {missing}"


def test_griffe_extension_reads_numpydoc_as_sphinx_does():
    import griffe

    code = '''
    def fit(X, sample_weight=None, l2=0.0):
        """Fit; see :func:`helper` and :class:`~numpy.ndarray`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        sample_weight, l2
            As for :func:`helper`.

        Returns
        -------
        self
        """

    def helper():
        """Help."""
    '''
    extension = griffe.load_extensions(
        str(ROOT / "docs" / "api" / "griffe_sphinx.py") + ":SphinxNumpydoc"
    )
    with griffe.temporary_visited_package(
        "pkg", {"__init__.py": textwrap.dedent(code)}, extensions=extension
    ) as pkg:
        docstring = pkg["fit"].docstring
        assert (
            '<autoref optional identifier="pkg.helper"><code>helper()</code></autoref>'
            in docstring.value
        )
        assert "<code>ndarray</code>" in docstring.value  # outside the package: no link
        params = {p.name: p for p in docstring.parse("numpy")[1].value}
    assert (
        str(params["X"].annotation)
        == "array-like or sparse matrix of shape (n_samples, n_features)"
    )
    assert params["X"].default is None  # required, not a default of 'array-like'
    assert str(params["sample_weight"].default) == "None" and str(params["l2"].default) == "0.0"


def test_api_reference_builds_strict(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(MKDOCS_YML),
            "-d",
            str(site),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    for page in API_PAGES:
        html = (
            site / "api" / (page.stem if page.stem != "index" else "") / "index.html"
        ).read_text()
        for identifier in _directives(page):
            assert f'id="{identifier}"' in html, f"{_rel(page)}: no entry for {identifier}"
        # The docstrings' Sphinx roles were turned into links or code, not shown verbatim.
        assert not re.search(r":(class|func|meth|mod|attr|math):`", html), _rel(page)
    gradient_check = (site / "api" / "gradient_check" / "index.html").read_text()
    # A :meth: role of a docstring became a link to another page.
    assert 'href="../network/#mlplab.network.Sequential.loss_and_gradients"' in gradient_check
    assert not list(site.rglob("*.py"))  # the griffe extension is not published


def test_every_public_object_in_the_reference_has_a_docstring():
    # mkdocstrings leaves out what has no docstring: such an object is missing from the site.
    package = _griffe_package()
    missing, seen = [], set()

    def visit(obj, top: bool) -> None:
        target = obj.final_target if obj.is_alias else obj
        if target.path in seen or (target.is_module and not top):
            return  # submodules have their own pages
        seen.add(target.path)
        if not target.docstring:
            missing.append(obj.path)
        if target.is_module or target.is_class:
            for name, member in target.members.items():
                if not name.startswith("_") and member.is_public and not member.is_attribute:
                    visit(member, top=False)

    for page in API_PAGES:
        for identifier in _directives(page):
            obj = package
            for part in identifier.split(".")[1:]:
                obj = obj[part]
            visit(obj, top=True)
    assert not missing, f"public objects without a docstring: {missing}"
