"""What the page draws, made from a session's snapshots: maps, thumbnails, weights, JSON.

A :class:`Snapshot` is a session's network at one moment (the end of an epoch, a pause,
a reset, a rebuild or an edit) with what the page shows next to it. A session's
:class:`View` draws snapshots on a twin of the network, so drawing never touches the
network that trains, and keeps the last drawing of each kind (a poll between two epochs
only adds a few live fields).

Maps are sent as base64 strings of 8- or 16-bit integers over a ``[lo, hi]`` range given
next to them; anything not finite is clamped into the range and flagged with a warning,
and a non-finite number that slips through becomes ``null`` (:func:`dumps`): the answer
is always JSON that browsers read.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..diagnostics import layer_statistics
from ..layers import Activation, Dense
from ..network import Sequential
from . import data
from .config import Config

#: Cells per side of the output heatmap (the TensorFlow Playground draws 100 × 100).
HEATMAP_SIZE = 100
#: Cells per side of a neuron's thumbnail: the heatmap's grid averaged over 4 × 4 blocks.
THUMB_SIZE = 25
#: The statistics of each Dense layer that the page's diagnostics show.
DIAGNOSTICS = (
    "grad_mean_abs",
    "grad_max_abs",
    "grad_l2",
    "act_mean",
    "act_std",
    "dead_fraction",
    "saturated_fraction",
)


@dataclass(frozen=True)
class Snapshot:
    """A session's network at one moment, and what the page shows with it.

    Attributes
    ----------
    revision : int
        Counts the snapshots of the session: the page asks whether it has the latest.
    epoch, step : int
        Epochs completed and optimizer steps taken when it was taken.
    config : Config
        The configuration then.
    data : Prepared
        The data the network trains and is scored on.
    view_net : Sequential
        A twin of the network (same structure) that loads snapshots to draw them.
    params : ndarray of shape (n_params,)
        The network's parameters (:meth:`Sequential.pack`).
    buffers : dict
        Its batch-norm running averages.
    metrics : dict
        ``train_loss``, ``test_loss``, ``train_score``, ``test_score``.
    history : tuple
        (epochs, training losses, test losses, length) of the loss curves.
    learning_rate : float
        The schedule's rate at `epoch`.
    """

    revision: int
    epoch: int
    step: int
    config: Config
    data: data.Prepared
    view_net: Sequential
    params: np.ndarray
    buffers: dict[str, np.ndarray]
    metrics: dict[str, float]
    history: tuple[list[int], list[float | None], list[float | None], int]
    learning_rate: float


# -- numbers the page can read ------------------------------------------------------------------
def rounded(x: float | None, digits: int = 6) -> float | None:
    """A JSON-safe float with `digits` significant digits (None for None, NaN or inf)."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes; a NaN or infinity that slipped through becomes null."""
    try:
        return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()
    except ValueError:
        return json.dumps(_nulled(obj), allow_nan=False, separators=(",", ":")).encode()


def _nulled(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _nulled(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nulled(v) for v in obj]
    return obj


def _as_float(v: Any) -> float | None:
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _finite(values: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, bool]:
    """`values` clipped to [lo, hi] (NaN to the middle); whether any was not finite."""
    bad = not bool(np.isfinite(values).all())
    if bad:
        values = np.where(np.isnan(values), 0.5 * (lo + hi), values)
    return np.clip(values, lo, hi), bad


def _symmetric_range(values: np.ndarray) -> float:
    """max |finite value|, at most 1e150 (1 when there is none or it is 0)."""
    finite = values[np.isfinite(values)]
    m = float(np.max(np.abs(finite))) if finite.size else 0.0
    return min(m, 1e150) if m > 0 else 1.0


def _encode(values: np.ndarray, lo: float, hi: float, bits: int = 8) -> str:
    """Values in [lo, hi] as base64 unsigned integers (``bits`` 8 or 16) over that range."""
    top = (1 << bits) - 1
    span = hi - lo if hi > lo else 1.0
    q = np.clip(np.round((np.clip(values, lo, hi) - lo) / span * top), 0, top)
    dtype = np.uint8 if bits == 8 else np.dtype("<u2")
    return base64.b64encode(q.astype(dtype).tobytes()).decode("ascii")


def _grid(size: int) -> np.ndarray:
    """Points of a size×size grid over the input square, row-major from the top (x₂ = +6)."""
    axis = np.linspace(-data.EXTENT, data.EXTENT, size)
    g1, g2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([g1.ravel(), g2.ravel()])


def layer_maps(net: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """Each hidden layer's output (after its activation), then the network's output.

    Parameters
    ----------
    net : Sequential
    X : ndarray of shape (n_points, n_features)

    Returns
    -------
    list of ndarray of shape (n_points, units)
    """
    x = X
    out: list[np.ndarray] = []
    n_dense = sum(isinstance(layer, Dense) for layer in net.layers)
    dense_seen = 0
    with np.errstate(all="ignore"):
        for layer in net.layers:
            x = layer.forward(x, training=False)
            if isinstance(layer, Dense):
                dense_seen += 1
            elif isinstance(layer, Activation) and dense_seen < n_dense:
                out.append(x)
    out.append(x)
    return out


# -- the pictures -------------------------------------------------------------------------------
def _heatmap(out: np.ndarray, problem: str) -> tuple[dict[str, Any], bool]:
    """The big map of the output `out` of shape (cells, outputs); whether it had to clamp."""
    heatmap: dict[str, Any] = {"size": HEATMAP_SIZE, "extent": data.EXTENT}
    if problem == "regression":
        m = _symmetric_range(out[:, 0])
        values, bad = _finite(out[:, 0], -m, m)
        lo, hi = float(values.min()), float(values.max())
        heatmap.update(kind="regression", lo=rounded(lo), hi=rounded(hi))
        heatmap["values"] = _encode(values, lo, hi, 16)
    elif out.shape[1] == 1:
        values, bad = _finite(out[:, 0], 0.0, 1.0)
        heatmap.update(kind="binary", lo=0.0, hi=1.0, values=_encode(values, 0.0, 1.0, 16))
    else:
        values, bad = _finite(out, 0.0, 1.0)
        heatmap.update(kind="multiclass", lo=0.0, hi=1.0, classes=out.shape[1])
        heatmap["values"] = _encode(values.ravel(), 0.0, 1.0, 8)  # row-major (cells, K)
    return heatmap, bad


def _thumbnails(layer_out: np.ndarray, probabilities: bool) -> tuple[list[dict[str, Any]], bool]:
    """One layer's thumbnails, all its units at once from `layer_out` of shape (cells,
    units); whether it had to clamp. `probabilities`: the values lie in [0, 1]."""
    units = layer_out.shape[1]
    if probabilities:
        lo, hi = np.zeros(units), np.ones(units)
    else:
        finite = np.where(np.isfinite(layer_out), np.abs(layer_out), 0.0)
        hi = np.minimum(finite.max(axis=0), 1e150)
        hi[hi == 0] = 1.0
        lo = -hi
    bad = not np.isfinite(layer_out).all()
    if bad:
        layer_out = np.where(np.isnan(layer_out), 0.5 * (lo + hi), layer_out)
    v = np.clip(layer_out, lo, hi)
    vmin, vmax = v.min(axis=0), v.max(axis=0)
    k = HEATMAP_SIZE // THUMB_SIZE
    thumbs = v.reshape(THUMB_SIZE, k, THUMB_SIZE, k, -1).mean(axis=(1, 3))
    q = np.round((thumbs - lo) / (hi - lo) * 255).astype(np.uint8)
    return [
        {
            "data": base64.b64encode(q[:, :, j].tobytes()).decode("ascii"),
            "lo": rounded(float(lo[j]), 4),
            "hi": rounded(float(hi[j]), 4),
            "min": rounded(float(vmin[j]), 4),
            "max": rounded(float(vmax[j]), 4),
        }
        for j in range(units)
    ], bad


def _diagnostics(net: Sequential, prepared: data.Prepared) -> list[dict[str, float | None]]:
    """Per-Dense-layer gradient and activation statistics on (up to 500) training points.

    :func:`mlplab.diagnostics.layer_statistics` restores the network's random generator
    and batch-norm running averages, so looking never changes anything.
    """
    X, Y, _ = prepared.train
    with np.errstate(all="ignore"):
        stats = layer_statistics(net, X[:500], Y[:500], prepared.loss)
    return [{k: rounded(_as_float(s.get(k)), 4) for k in DIAGNOSTICS} for s in stats]


def draw(snap: Snapshot) -> dict[str, Any]:
    """Heatmap, thumbnails (``neurons``), weights, diagnostics and warnings of `snap`.

    Loads the snapshot into its ``view_net``: the caller holds the view's lock.
    """
    net = snap.view_net
    net.unpack(snap.params)
    net.set_buffers(snap.buffers)
    problem = snap.data.problem
    with np.errstate(all="ignore"):
        maps = layer_maps(net, data.transform(_grid(HEATMAP_SIZE), snap.config.features))
        heatmap, clamped = _heatmap(maps[-1], problem)
        neurons = []
        for li, layer_out in enumerate(maps):
            output = li == len(maps) - 1
            thumbs, bad = _thumbnails(layer_out, output and problem != "regression")
            neurons.append(thumbs)
            clamped = clamped or bad
        diagnostics = _diagnostics(net, snap.data)
    warnings = ["non_finite_output"] if clamped else []
    if not warnings and not all(math.isfinite(v) for v in snap.metrics.values()):
        warnings.append("non_finite_loss")
    # Weights are always finite (divergence restores them, edits are checked).
    weights = [
        {
            "weights": np.round(layer.params[0], 4).tolist(),
            "biases": np.round(layer.params[1], 4).tolist(),
        }
        for layer in net.layers
        if isinstance(layer, Dense)
    ]
    return {
        "heatmap": heatmap,
        "neurons": neurons,
        "weights": weights,
        "diagnostics": diagnostics,
        "warnings": warnings,
    }


def neuron_map(snap: Snapshot, layer: int, unit: int) -> dict[str, Any] | None:
    """One neuron's output over the whole heatmap grid, or None when there is no such
    neuron (`layer` counts the hidden layers from 0, the output layer last).

    Loads the snapshot into its ``view_net``: the caller holds the view's lock.
    """
    net = snap.view_net
    net.unpack(snap.params)
    net.set_buffers(snap.buffers)
    maps = layer_maps(net, data.transform(_grid(HEATMAP_SIZE), snap.config.features))
    if not 0 <= layer < len(maps) or not 0 <= unit < maps[layer].shape[1]:
        return None
    v = maps[layer][:, unit]
    output = layer == len(maps) - 1
    if output and snap.data.problem != "regression":
        lo, hi = 0.0, 1.0
    else:
        m = _symmetric_range(v)
        lo, hi = -m, m
    with np.errstate(all="ignore"):
        v, _ = _finite(v, lo, hi)
    return {
        "layer": layer,
        "unit": unit,
        "output": output,
        "size": HEATMAP_SIZE,
        "lo": rounded(lo),
        "hi": rounded(hi),
        "values": _encode(v, lo, hi, 16),
    }


def points_payload(prepared: data.Prepared) -> dict[str, Any]:
    """Training and test points (raw x₁, x₂) with their labels or targets."""
    out: dict[str, Any] = {"version": prepared.version}
    for split, (X, y) in prepared.points.items():
        regression = prepared.problem == "regression"
        out[split] = {
            "x": np.round(X, 3).tolist(),
            "y": (np.round(y, 4) if regression else y).tolist(),
        }
    return out


def snapshot_payload(snap: Snapshot, view: dict[str, Any]) -> dict[str, Any]:
    """Everything `snap` fixes for the page, with its drawing `view` (from :func:`draw`)."""
    prepared = snap.data
    ep, tr, te, n = snap.history
    metrics = {k: rounded(v) for k, v in snap.metrics.items()}
    return {
        "revision": snap.revision,
        "epoch": snap.epoch,
        "problem": prepared.problem,
        "natural_problem": prepared.natural,
        "n_classes": prepared.n_classes,
        "output_activation": prepared.output_activation,
        "loss_name": prepared.loss,
        "learning_rate": rounded(snap.learning_rate),
        "metrics": {
            **metrics,
            "score_name": "r2" if prepared.problem == "regression" else "accuracy",
        },
        "history": {"epoch": ep[:n], "train": tr[:n], "test": te[:n]},
        "config": snap.config.to_dict(),
        "upload_name": prepared.upload_name,
        "data_version": prepared.version,
        "thumb_size": THUMB_SIZE,
        **view,
    }


class View:
    """The drawings of one session's snapshots, each kind cached for the latest snapshot.

    Every method may be called from any thread: they take :attr:`lock`, which also
    guards the snapshots' ``view_net``.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._drawing: tuple[int, dict[str, Any]] | None = None
        self._json: tuple[tuple[int, bool], bytes] | None = None
        self._hover: tuple[tuple[int, int, int], dict[str, Any] | None] | None = None
        self._points: tuple[int, dict[str, Any]] | None = None

    def fixed_json(self, snap: Snapshot, thumbnails: bool = True) -> bytes:
        """The JSON object of everything `snap` fixes (:func:`snapshot_payload`),
        without the neurons' thumbnails unless `thumbnails`."""
        key = (snap.revision, thumbnails)
        with self.lock:
            if self._json is not None and self._json[0] == key:
                return self._json[1]
            if self._drawing is None or self._drawing[0] != snap.revision:
                self._drawing = (snap.revision, draw(snap))
            view = dict(self._drawing[1])
            if not thumbnails:
                view.pop("neurons")
            out = dumps(snapshot_payload(snap, view))
            self._json = (key, out)
            return out

    def hover(self, snap: Snapshot, layer: int, unit: int) -> dict[str, Any] | None:
        """:func:`neuron_map` of `snap` (cached)."""
        key = (snap.revision, layer, unit)
        with self.lock:
            if self._hover is None or self._hover[0] != key:
                self._hover = (key, neuron_map(snap, layer, unit))
            return self._hover[1]

    def points(self, prepared: data.Prepared) -> dict[str, Any]:
        """:func:`points_payload` of `prepared` (cached by data version)."""
        with self.lock:
            if self._points is None or self._points[0] != prepared.version:
                self._points = (prepared.version, points_payload(prepared))
            return self._points[1]
