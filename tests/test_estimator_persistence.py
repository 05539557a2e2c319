"""Saving and loading estimators: pickle, joblib and mlplab's safe file format."""

from __future__ import annotations

import io
import json
import os
import pickle
import tracemalloc
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

import mlplab
from mlplab import MLPClassifier, MLPRegressor, activations, callbacks, schedules
from mlplab.io import ModelFileError, load_tree, save_tree

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    return {
        "classifier": (MLPClassifier(max_iter=30, random_state=0).fit(df, names), df),
        "modern": (
            MLPClassifier(
                hidden_layer_sizes=(8, 6),
                activation=[activations.get("elu", alpha=0.5), "mish"],
                batch_norm=True,
                dropout=[0.1, 0.2],
                learning_rate=schedules.get("warmup", schedule=0.01, warmup_steps=3),
                solver="nadam",
                max_iter=20,
                random_state=0,
            ).fit(X, y),
            X,
        ),
        "multilabel": (
            MLPClassifier(max_iter=20, random_state=0).fit(X, np.column_stack([y == 0, y > 0])),
            X,
        ),
        "lbfgs": (MLPClassifier(solver="lbfgs", max_iter=20, random_state=0).fit(X, y), X),
        "regressor": (
            MLPRegressor(loss="poisson", max_iter=20, random_state=0).fit(
                X[:, 1:], np.exp(X[:, 0])
            ),
            X[:, 1:],
        ),
        "float32": (
            MLPRegressor(max_iter=20, random_state=0).fit(X[:, 1:].astype(np.float32), X[:, :2]),
            X[:, 1:].astype(np.float32),
        ),
    }


def _outputs(est, X):
    if isinstance(est, MLPClassifier):
        return est.predict(X), est.predict_proba(X)
    return (est.predict(X),)


@pytest.mark.parametrize(
    "name", ["classifier", "modern", "multilabel", "lbfgs", "regressor", "float32"]
)
def test_round_trips_predict_identically(fitted, name, tmp_path):
    est, X = fitted[name]
    expected = _outputs(est, X)
    path = tmp_path / "model.mlplab"
    est.save(path)
    joblib.dump(est, tmp_path / "model.joblib")
    copies = [
        mlplab.load(path),
        pickle.loads(pickle.dumps(est)),
        joblib.load(tmp_path / "model.joblib"),
    ]
    for copy in copies:
        assert type(copy) is type(est)
        assert copy.get_params().keys() == est.get_params().keys()
        for got, want in zip(_outputs(copy, X), expected, strict=True):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype
    loaded = copies[0]
    assert repr(loaded) == repr(est)
    for attr in ("n_iter_", "n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(loaded, attr) == getattr(est, attr)
    for attr in ("loss_curve_", "classes_", "feature_names_in_"):
        if hasattr(est, attr):
            np.testing.assert_array_equal(getattr(loaded, attr), getattr(est, attr))


def test_loaded_estimator_keeps_training(fitted, data, tmp_path):
    X, y = data
    est = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    est.save(tmp_path / "m.mlplab")
    loaded = mlplab.load(tmp_path / "m.mlplab")
    # partial_fit continues the same optimizer state in both
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.loss_curve_ == est.loss_curve_ and loaded.t_ == est.t_


def test_unsaveable_parameters_are_refused(data, tmp_path):
    X, y = data

    class Custom(activations.Activation):
        pass

    est = MLPClassifier(callbacks=[callbacks.ProgressBar()], max_iter=2).fit(X, y)
    with pytest.raises(TypeError, match="cannot save parameter callbacks"):
        est.save(tmp_path / "m.mlplab")
    est.set_params(callbacks=None, random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="cannot save parameter random_state"):
        est.save(tmp_path / "m.mlplab")
    est.set_params(random_state=0, activation=Custom())
    with pytest.raises(TypeError, match="not a registered mlplab activation"):
        est.save(tmp_path / "m.mlplab")
    assert not (tmp_path / "m.mlplab").exists()
    with pytest.raises(Exception, match="not fitted"):
        MLPClassifier().save(tmp_path / "m.mlplab")


@pytest.fixture
def saved(fitted, tmp_path):
    est, _ = fitted["classifier"]
    path = tmp_path / "model.mlplab"
    est.save(path)
    return path


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        mlplab.load(saved)


def test_flipped_byte(saved):
    with zipfile.ZipFile(saved) as zf:
        info = next(i for i in zf.infolist() if i.filename != "__meta__.npy")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data = bytearray(saved.read_bytes())
    data[offset] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"corrupted|checksum"):
        mlplab.load(saved)


def _rewrite_meta(path: Path, edit) -> None:
    with np.load(path, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    meta = json.loads(str(entries["__meta__"]))
    edit(meta)
    entries["__meta__"] = np.array(json.dumps(meta))
    with open(path, "wb") as fh:
        np.savez(fh, **entries)


def test_edited_json_fails_the_checksum(saved):
    def edit(meta):
        meta["tree"] = meta["tree"].replace('"max_iter": 30', '"max_iter": 31')

    _rewrite_meta(saved, edit)
    with pytest.raises(ModelFileError, match="checksum"):
        mlplab.load(saved)


def test_newer_format_version(saved, tmp_path):
    _rewrite_meta(saved, lambda meta: meta.update(version=meta["version"] + 1))
    with pytest.raises(ModelFileError, match="newer"):
        mlplab.load(saved)
    # a newer estimator layout inside a valid container is refused too
    path = tmp_path / "layout.mlplab"
    save_tree(path, {"estimator_format": 99}, kind="MLPClassifier")
    with pytest.raises(ModelFileError, match="newer"):
        mlplab.load(path)


def test_other_kinds_and_malformed_content(tmp_path):
    path = tmp_path / "other.mlplab"
    save_tree(path, {"weights": [np.ones(3)]}, kind="checkpoint")
    with pytest.raises(ModelFileError, match="not an mlplab estimator"):
        mlplab.load(path)
    save_tree(path, {"estimator_format": 1, "params": {}}, kind="MLPRegressor")
    with pytest.raises(ModelFileError, match="malformed"):
        mlplab.load(path)
    with pytest.raises(FileNotFoundError):
        mlplab.load(tmp_path / "missing.mlplab")


class _Marker:
    """Unpickling this object would create a file: proof that code ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_pickled_object_array_is_refused_without_running(saved, tmp_path):
    marker = tmp_path / "code-ran"
    with np.load(saved, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    # Replace a weight array by an object array whose unpickling would touch `marker`.
    name = next(k for k in entries if k != "__meta__")
    entries[name] = np.array([_Marker(str(marker))], dtype=object)
    with open(saved, "wb") as fh:
        np.savez(fh, **entries)  # np.savez pickles object arrays
    with pytest.raises(ModelFileError):
        mlplab.load(saved)
    assert not marker.exists()


def test_interrupted_save_leaves_the_old_file(fitted, saved, monkeypatch):
    before = saved.read_bytes()
    est, _ = fitted["regressor"]

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were stopped mid-write

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        est.save(saved)
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == [saved.name]  # no temporary file left behind
    assert isinstance(mlplab.load(saved), MLPClassifier)


# -- corruption: every damaged file is a clear ValueError/OSError, never anything else -------
def _damaged_versions(data: bytes):
    """Byte flips at many offsets, truncations at many lengths, 40-byte overwrites."""
    rng = np.random.default_rng(0)
    for offset in np.linspace(0, len(data) - 1, 300).astype(int):
        for mask in (0xFF, 0x01) if offset % 3 == 0 else (0xFF,):
            damaged = bytearray(data)
            damaged[offset] ^= mask
            yield f"flip {mask:#x} at {offset}", bytes(damaged)
    for length in np.linspace(0, len(data) - 1, 100).astype(int):
        yield f"truncated to {length}", data[:length]
    for offset in np.linspace(0, len(data) - 41, 60).astype(int):
        damaged = bytearray(data)
        damaged[offset : offset + 40] = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
        yield f"40 random bytes at {offset}", bytes(damaged)


def test_fuzzed_files_fail_cleanly_or_load_intact(fitted, tmp_path):
    est, X = fitted["modern"]  # batch norm buffers, optimizer state, schedule object
    original = tmp_path / "model.mlplab"
    est.save(original)
    expected = est.predict_proba(X)
    data = original.read_bytes()
    target = tmp_path / "damaged.mlplab"
    outcomes = {"refused": 0, "intact": 0}
    for what, damaged in _damaged_versions(data):
        target.write_bytes(damaged)
        try:
            loaded = mlplab.load(target)
        except (ValueError, OSError) as exc:  # ModelFileError is a ValueError
            assert str(target) in str(exc) or "malformed" in str(exc), (what, exc)
            outcomes["refused"] += 1
            continue
        # A byte the format does not depend on (a zip timestamp...): content verified.
        np.testing.assert_array_equal(loaded.predict_proba(X), expected, err_msg=what)
        outcomes["intact"] += 1
    assert outcomes["refused"] > 10 * outcomes["intact"]


def test_a_mangled_array_header_is_a_model_file_error(saved):
    """Overwriting an npy header used to escape as tokenize.TokenError."""
    with zipfile.ZipFile(saved) as zf:
        # The largest entry (the JSON): zipfile reads small ones whole, and their CRC
        # check then fails before the header is parsed.
        info = max(zf.infolist(), key=lambda i: i.file_size)
    data = bytearray(saved.read_bytes())
    # The member's bytes follow its local header: 30 bytes, its name and extra field.
    local = info.header_offset
    name_len, extra_len = (
        int.from_bytes(data[local + k : local + k + 2], "little") for k in (26, 28)
    )
    start = local + 30 + name_len + extra_len
    assert data[start : start + 6] == b"\x93NUMPY"
    data[start + 10 : start + 50] = b"(" * 40  # the header dict starts after 10 bytes
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupted"):
        mlplab.load(saved)


def _peak_memory(function):
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_absurd_array_shapes_are_refused_before_allocating(saved, tmp_path):
    # An .npy entry whose header claims 10^12 float64 (8 TB) over 8 bytes of data.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    path = tmp_path / "huge.mlplab"
    with zipfile.ZipFile(saved) as zf, zipfile.ZipFile(path, "w") as out:
        for info in zf.infolist():
            out.writestr(info.filename, zf.read(info.filename))
        out.writestr("a999.npy", header.getvalue() + b"\0" * 8)

    def load():
        with pytest.raises(ModelFileError, match=r"declares shape \(1000000000000,\)"):
            mlplab.load(path)

    assert _peak_memory(load) < 50 * 2**20


def test_an_absurd_declared_network_is_refused_before_allocating(saved, tmp_path):
    kind, tree = load_tree(saved)
    tree["network"]["hidden"] = [10**6]  # 10^6 units: 10^12 parameters with n_inputs 10^6
    tree["network"]["n_inputs"] = 10**6
    path = tmp_path / "absurd.mlplab"
    save_tree(path, tree, kind=kind)  # a valid container and checksum: only the content lies

    def load():
        with pytest.raises(ModelFileError, match="declares a network of 1000004000003 parameters"):
            mlplab.load(path)

    assert _peak_memory(load) < 50 * 2**20
    tree["network"]["hidden"] = ["many"]
    save_tree(path, tree, kind=kind)
    with pytest.raises(ModelFileError, match="layer sizes"):
        mlplab.load(path)
