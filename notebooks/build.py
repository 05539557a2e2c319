"""Write and execute the course notebooks in English, Portuguese and Spanish.

The notebooks' single source is ``notebooks/source/NN_name.py``: each holds the code of
its cells once and the prose in three languages. This script writes
``notebooks/<lang>/NN_name.ipynb`` for every language, runs each one top to bottom on a
fresh kernel (ipykernel on this very interpreter, started in the notebook's folder) and
keeps the outputs in the file, so that the notebooks read well on a code host::

    python notebooks/build.py                  # all notebooks, all languages
    python notebooks/build.py 03 --lang pt     # only notebook 03, only in Portuguese
    python notebooks/build.py --no-execute     # write the cells, keep no outputs
    python notebooks/build.py --check          # are the committed notebooks up to date?

Run it from the repository with the checkout's mlplab importable (an installed mlplab, or
``PYTHONPATH=src``): the kernel inherits the environment. ``tests/test_notebooks.py``
uses the same functions.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import default

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
LANGS = ("en", "pt", "es")
NOTEBOOKS = tuple(sorted(p.stem for p in SOURCE.glob("[0-9][0-9]_*.py")))
#: Seconds a single cell may run before the execution is abandoned.
CELL_TIMEOUT = 300

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class NativeKernelManager(AsyncKernelManager):
    """Starts ipykernel's own ``python3`` kernel with this interpreter (``sys.executable``).

    Installed kernelspecs are ignored: one found on the search path may name another
    ``python`` than the one running the build or the tests.
    """

    @default("kernel_spec_manager")
    def _native_kernel_spec_manager(self) -> KernelSpecManager:
        return KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)


def load_source(name: str) -> ModuleType:
    """The source module of notebook `name` (e.g. ``"01_perceptron_to_mlp"``)."""
    if str(SOURCE) not in sys.path:
        sys.path.insert(0, str(SOURCE))  # the sources import their helpers from _cells
    path = SOURCE / f"{name}.py"
    if not path.is_file():
        raise ValueError(f"unknown notebook {name!r}; valid names: {', '.join(NOTEBOOKS)}")
    spec = importlib.util.spec_from_file_location(f"notebook_source_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_notebook(name: str, lang: str) -> nbformat.NotebookNode:
    """Notebook `name` in language `lang`, with its cells and no outputs."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    source = load_source(name)
    cells = []
    for i, cell in enumerate(source.CELLS):
        text = cell.text[lang]
        if cell.kind == "markdown":
            new = nbformat.v4.new_markdown_cell(text)
        else:
            new = nbformat.v4.new_code_cell(text)
        new.id = f"cell-{i:02d}"  # stable ids: rebuilding changes nothing that did not change
        cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def notebook_path(name: str, lang: str) -> Path:
    return HERE / lang / f"{name}.ipynb"


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell of `nb` in order on a fresh kernel started in `cwd`; return `nb`.

    Raises ``nbclient.exceptions.CellExecutionError`` at the first cell that fails.
    """
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=NativeKernelManager,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,  # no timestamps in the files: a rebuild only changes outputs
        coalesce_streams=True,  # one stdout block per cell, however the kernel flushed it
    )
    client.execute()
    return nb


def build(name: str, lang: str, run: bool = True) -> float:
    """Write (and with `run`, execute) one notebook; return the seconds it took."""
    start = time.perf_counter()
    nb = make_notebook(name, lang)
    path = notebook_path(name, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if run:
        execute(nb, path.parent)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)  # never leave a half-written notebook behind
    return time.perf_counter() - start


def stale(name: str, lang: str) -> list[str]:
    """How the committed notebook differs from its source (empty when it is up to date)."""
    path = notebook_path(name, lang)
    if not path.is_file():
        return [f"{path} is missing"]
    committed = nbformat.read(path, as_version=4)
    expected = make_notebook(name, lang)
    problems = []
    if len(committed.cells) != len(expected.cells):
        problems.append(
            f"{path}: {len(committed.cells)} cells, the source has {len(expected.cells)}"
        )
    for i, (have, want) in enumerate(zip(committed.cells, expected.cells, strict=False)):
        if (have.cell_type, have.source, have.get("id")) != (
            want.cell_type,
            want.source,
            want.id,
        ):
            problems.append(f"{path}: cell {i} differs from the source")
    if committed.metadata.get("kernelspec") != KERNELSPEC:
        problems.append(f"{path}: kernelspec is not {KERNELSPEC}")
    for i, cell in enumerate(committed.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            problems.append(f"{path}: cell {i} was not executed")
        if any(out.get("output_type") == "error" for out in cell.outputs):
            problems.append(f"{path}: cell {i} stored an error")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="notebooks (e.g. 01 or 03_back)")
    parser.add_argument("--lang", choices=LANGS, action="append", help="only these languages")
    parser.add_argument("--no-execute", action="store_true", help="write the cells only")
    parser.add_argument("--check", action="store_true", help="report out-of-date notebooks")
    args = parser.parse_args(argv)
    names = [n for n in NOTEBOOKS if not args.names or any(n.startswith(p) for p in args.names)]
    if not names:
        parser.error(f"no notebook matches {args.names}; valid: {', '.join(NOTEBOOKS)}")
    langs = args.lang or list(LANGS)
    if args.check:
        problems = [p for n in names for lang in langs for p in stale(n, lang)]
        print("\n".join(problems) or "all notebooks are up to date")
        return 1 if problems else 0
    for name in names:
        for lang in langs:
            seconds = build(name, lang, run=not args.no_execute)
            print(f"{lang}/{name}.ipynb  {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
