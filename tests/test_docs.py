"""The ```python blocks of docs/scaling.md run, in order, as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

pytest.importorskip("dask_ml", reason="docs/scaling.md needs the dask extra")


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.S | re.M)


def test_scaling_doc_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write model files
    blocks = python_blocks(DOCS / "scaling.md")
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/scaling.md", "exec"), namespace)
    assert (tmp_path / "model.npz").is_file()
