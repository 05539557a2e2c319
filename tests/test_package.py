"""Tests of the package surface: the engine imports alone, the estimators on first use."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mlplab

pytestmark = pytest.mark.filterwarnings("error")

# The directory that holds the mlplab under test, for the fresh interpreters below.
SRC = str(Path(mlplab.__file__).resolve().parents[1])
HEAVY = ("sklearn", "matplotlib", "pandas")


def fresh_modules(code: str) -> set[str]:
    """Top-level names in sys.modules after running `code` in a new interpreter."""
    script = (
        f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
    )
    return set(out.stdout.split())


def test_the_engine_imports_without_scikit_learn_matplotlib_or_pandas():
    loaded = fresh_modules("import mlplab.activations, mlplab.network, mlplab.training")
    assert "mlplab" in loaded and "numpy" in loaded
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))


def test_the_estimators_load_on_first_use():
    loaded = fresh_modules("import mlplab\nassert mlplab.MLPClassifier.__name__ == 'MLPClassifier'")
    assert "sklearn" in loaded


def test_lazy_names_resolve_to_their_modules():
    from mlplab import estimators

    assert mlplab.MLPClassifier is estimators.MLPClassifier
    assert mlplab.MLPRegressor is estimators.MLPRegressor
    assert mlplab.load is estimators.load
    assert mlplab.BernoulliRBM is estimators.BernoulliRBM  # the RBM lives in the package
    from mlplab import MLPClassifier

    assert MLPClassifier is estimators.MLPClassifier


def test_all_and_dir_list_every_public_name():
    assert set(mlplab.__all__) <= set(dir(mlplab))
    assert {"MLPClassifier", "MLPRegressor", "BernoulliRBM", "load", "export_onnx"} <= set(
        dir(mlplab)
    )
    namespace: dict = {}
    exec("from mlplab import *", namespace)
    assert set(mlplab.__all__) <= set(namespace)


def test_export_onnx_is_there_without_the_onnx_extra():
    # mlplab.onnx imports onnx only when a model is built, so the name always resolves.
    from mlplab.onnx import export_onnx

    assert mlplab.export_onnx is export_onnx


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'MLPClassifer'"):
        mlplab.MLPClassifer
