"""The course notebooks: one source, three languages, up to date, and runnable top to bottom.

``notebooks/build.py`` writes ``notebooks/<lang>/NN_name.ipynb`` from
``notebooks/source/NN_name.py``. These tests check that the committed notebooks are what
the build produces (same cells in every language, code identical), that their links point
at experiments and playground settings that exist, and execute every notebook on a fresh
kernel of this interpreter, failing on any cell error.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import nbformat
import pytest

import mlplab
from mlplab import experiments
from mlplab.playground.session import Config, ConfigError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebook_build", ROOT / "notebooks" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

NOTEBOOKS = build.NOTEBOOKS
LANGS = build.LANGS
PAIRS = [(name, lang) for name in NOTEBOOKS for lang in LANGS]
PLAYGROUND_URL = re.compile(r"http://127\.0\.0\.1:8000/\?[^)\s]*")


def test_six_notebooks_in_three_languages():
    assert len(NOTEBOOKS) == 6
    assert [name[:2] for name in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]
    for name in NOTEBOOKS:
        source = build.load_source(name)
        assert set(source.TITLE) == set(LANGS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_languages_share_cells_and_code(name):
    books = {lang: build.make_notebook(name, lang) for lang in LANGS}
    kinds = {lang: [c.cell_type for c in nb.cells] for lang, nb in books.items()}
    assert kinds["pt"] == kinds["en"] and kinds["es"] == kinds["en"]
    for i, cell in enumerate(books["en"].cells):
        others = [books[lang].cells[i] for lang in ("pt", "es")]
        if cell.cell_type == "code":
            assert all(o.source == cell.source for o in others), f"code cell {i} differs"
        else:
            # Prose is translated: the same text in two languages means a missing translation.
            assert cell.source.strip()
            assert all(o.source != cell.source for o in others), f"markdown cell {i} untranslated"
    assert books["en"].cells[0].source.startswith(f"# {name[1]}. ")


@pytest.mark.parametrize(("name", "lang"), PAIRS)
def test_committed_notebook_is_the_build_output(name, lang):
    assert build.stale(name, lang) == [], "run: python notebooks/build.py " + name[:2]


def _playground_urls(nb: nbformat.NotebookNode) -> list[str]:
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return PLAYGROUND_URL.findall(text)


def _url_keys() -> dict[str, str]:
    """URL key -> config field, as the playground page reads them (its app.js)."""
    script = (ROOT / "src" / "mlplab" / "playground" / "static" / "app.js").read_text()
    block = re.search(r"const URL_KEYS = \{(.*?)\};", script, re.S)
    assert block, "URL_KEYS not found in app.js"
    return {key: field for field, key in re.findall(r'(\w+): "(\w+)"', block.group(1))}


def _config_from_query(query: str) -> dict:
    """The page's configFromURL: keys mapped to fields, lists split, numbers converted."""
    keys = _url_keys()
    defaults = Config().to_dict()
    config = {}
    for key, raw in parse_qsl(query, keep_blank_values=True):
        assert key in keys, f"{key!r} is not a playground URL parameter ({sorted(keys)})"
        field = keys[key]
        default = defaults[field]
        if isinstance(default, list):
            parts = raw.split(",") if raw else []
            config[field] = [int(p) for p in parts] if field == "hidden" else parts
        elif isinstance(default, bool):
            config[field] = raw in ("1", "true")
        elif isinstance(default, (int, float)):
            config[field] = float(raw) if "." in raw or "e" in raw else int(raw)
        else:
            config[field] = raw
    return config


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_links_to_an_experiment_and_playground_setups_that_exist(name):
    nb = build.make_notebook(name, "en")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    named = re.findall(r"mlplab experiment ([a-z-]+)", text)
    assert named, "no `mlplab experiment NAME` link"
    for experiment in named:
        experiments.get(experiment)  # raises for an unknown name
    urls = _playground_urls(nb)
    assert urls, "no playground link"
    for url in urls:
        try:
            Config.from_dict(_config_from_query(urlsplit(url).query))
        except ConfigError as err:
            pytest.fail(f"the playground refuses {url}: {err}")
    for lang in ("pt", "es"):  # the same settings in every language
        assert _playground_urls(build.make_notebook(name, lang)) == urls


def test_links_between_notebooks_resolve():
    for name, lang in PAIRS:
        nb = build.make_notebook(name, lang)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for target in re.findall(r"\]\((\d\d_\w+\.ipynb)\)", text):
            assert target[:-6] in NOTEBOOKS, f"{lang}/{name} links to a missing {target}"


def test_kernel_runs_this_interpreter_and_this_mlplab(tmp_path):
    cell = "import sys, mlplab\nprint(sys.executable)\nprint(mlplab.__file__)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    build.execute(nb, tmp_path)
    executable, package = nb.cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve() == Path(mlplab.__file__).resolve()


@pytest.mark.parametrize(("name", "lang"), PAIRS)
def test_notebook_runs_top_to_bottom(name, lang):
    # A fresh kernel in the notebook's folder (which sets the language of the figure
    # labels); nbclient raises CellExecutionError at the first failing cell.
    nb = build.execute(build.make_notebook(name, lang), build.HERE / lang)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None
        for out in cell.outputs:
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            assert "RuntimeWarning" not in text, f"cell {i} warned: {text[:300]}"
