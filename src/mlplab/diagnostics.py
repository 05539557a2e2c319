"""Training diagnostics: gradient flow, update sizes and unit health, per epoch and layer.

For every Dense layer, :class:`Diagnostics` records after each epoch

- ``grad_mean_abs``, ``grad_max_abs``, ``grad_l2``: mean |g|, max |g| and the L2 norm of
  the weight gradient ``dLoss/dW`` (the gradient the optimizer used: penalties and
  clipping included), each the **mean over the epoch's measured steps** of that step's
  value (every step, or about ``max_steps`` evenly spread ones: see :class:`Diagnostics`);
- ``update_ratio``: ``‖ΔW‖ / ‖W‖`` of one optimizer step (ΔW the change of the weights,
  W the weights before the step), the mean over the measured steps. Around 1e-3 is the
  usual healthy value; much larger means a too high learning rate;
- ``act_mean``, ``act_std``: mean and standard deviation of the layer's activation output
  (the output of the Activation that follows the Dense layer, after batch norm if any,
  before dropout; the Dense output itself when no activation follows), pooled over
  every example of the measured steps and every unit;
- ``dead_fraction``: for the ReLU family only (see :func:`can_die`), the fraction of units
  whose output is exactly 0 for every example seen in the epoch; None otherwise;
- ``saturated_fraction``: for saturating elementwise activations (``info.saturates ==
  "both"``: sigmoid, tanh, hard_tanh, softsign...), the fraction of units that are
  saturated: a unit is saturated when ``|f'(u)|`` is below 1% of the activation's maximum
  derivative for at least 90% of the examples; None otherwise.

With ``monitor_X``, the activation statistics (``act_*``, dead and saturated fractions)
come instead from one inference-mode forward pass on that batch at the end of the epoch,
and no per-batch activation work is done. :func:`layer_statistics` computes the same
statistics (without the update ratio) for one batch, outside any training loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import losses as _losses
from ._validation import check_int, check_matrix
from .activations import Activation as ActivationFunction
from .callbacks import Callback
from .layers import Activation, BatchNorm, Dense, Dropout

if TYPE_CHECKING:
    import pandas as pd

    from .callbacks import RunState
    from .network import Sequential

#: A unit's derivative counts as saturated below this fraction of the maximum derivative.
SATURATION_LEVEL = 0.01
#: A unit is saturated when its derivative is that small for at least this fraction of examples.
SATURATION_MAJORITY = 0.9

#: Statistics recorded per (epoch, layer), in order; each is a float or None.
STATISTICS = (
    "grad_mean_abs",
    "grad_max_abs",
    "grad_l2",
    "update_ratio",
    "act_mean",
    "act_std",
    "dead_fraction",
    "saturated_fraction",
)

_DEAD_PROBES = np.array([-1e3, -10.0, -1.0, -1e-3])
_MAX_DERIVATIVE_CACHE: dict[Any, float] = {}


def can_die(function: ActivationFunction) -> bool:
    """Whether units with this activation can be *dead* (ReLU family).

    True for elementwise activations that recommend He initialization and output exactly
    0 on the negative half-line (relu, relu6, threshold with value 0): such a unit whose
    pre-activation is negative for every example outputs 0 and gets no gradient.
    """
    if not function.elementwise or function.info.initializer != "he":
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(function(_DEAD_PROBES) == 0))


def max_derivative(function: ActivationFunction) -> float:
    """Largest ``|f'(x)|`` on a fine grid of [−10, 10] (cached per activation and config)."""
    try:
        key: Any = (type(function), tuple(sorted(function.get_config().items())))
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _MAX_DERIVATIVE_CACHE:
        return _MAX_DERIVATIVE_CACHE[key]
    with np.errstate(all="ignore"):
        d = np.abs(function.derivative(np.linspace(-10.0, 10.0, 20001)))
    value = float(np.nanmax(d)) if np.isfinite(d).any() else 0.0
    if key is not None:
        _MAX_DERIVATIVE_CACHE[key] = value
    return value


def can_saturate(function: ActivationFunction) -> bool:
    """Whether saturation is measured for this activation (sigmoid/tanh family)."""
    return (
        function.elementwise and function.info.saturates == "both" and max_derivative(function) > 0
    )


@dataclass
class _Slot:
    """Where one Dense layer's statistics come from."""

    index: int  # position of the Dense layer in network.layers
    dense: Dense
    act_index: int | None  # position of its Activation layer, if any
    function: ActivationFunction | None
    fused: bool  # the activation is fused with the loss: not run while training

    @property
    def activation_name(self) -> str:
        return "identity" if self.function is None else self.function.name

    def training_values(self, layers: list[Any]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(output, pre-activation) of the last training forward pass."""
        if self.act_index is None:
            return self.dense.last_output, None
        layer = layers[self.act_index]
        if not self.fused:
            return layer.last_output, getattr(layer, "_x", None)
        before = layers[self.act_index - 1]
        z = before.last_output if isinstance(before, Dense) else None
        if z is None:
            return None, None
        return self.function(z), z


def _slots(network: Sequential, loss: _losses.Loss | None) -> list[_Slot]:
    layers = network.layers
    fused = loss is not None and network.fused_output(loss)
    out = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            continue
        j = i + 1
        while j < len(layers) and isinstance(layers[j], (BatchNorm, Dropout)):
            j += 1
        act = layers[j] if j < len(layers) and isinstance(layers[j], Activation) else None
        out.append(
            _Slot(
                index=i,
                dense=layer,
                act_index=None if act is None else j,
                function=None if act is None else act.function,
                fused=fused and act is not None and j == len(layers) - 1,
            )
        )
    return out


class _Accumulator:
    """Running sums for one layer over the batches of one epoch."""

    def __init__(self, slot: _Slot) -> None:
        f = slot.function
        self.dies = f is not None and can_die(f)
        self.saturates = f is not None and can_saturate(f)
        self.threshold = SATURATION_LEVEL * max_derivative(f) if self.saturates else 0.0
        self.from_output = f is not None and f.output_derivative
        self.monotonic = f is not None and f.info.monotonic
        self.function = f
        self.units = slot.dense.units
        self.reset()

    def reset(self) -> None:
        self.n_grad = 0
        self.g_mean = self.g_max = self.g_l2 = 0.0
        self.n_update = 0
        self.ratio = 0.0
        self.n_act = 0  # examples in the measured batches
        self.a_sum = self.a_sq = 0.0
        self.n_sat = np.zeros(self.units, dtype=np.int64)
        self.n_seen = 0  # examples checked for dead units (every batch)
        self.alive = np.zeros(self.units, dtype=bool)
        self.before_sq: float | None = None  # ‖W before the step‖², when known

    def add_gradient(self, g: np.ndarray, scratch: np.ndarray) -> None:
        np.abs(g, out=scratch)
        self.g_mean += float(scratch.sum()) / g.size
        self.g_max += float(scratch.max())
        self.g_l2 += math.sqrt(float(np.vdot(g, g)))
        self.n_grad += 1

    def add_update(self, W: np.ndarray, before: np.ndarray, scratch: np.ndarray) -> None:
        """Add ``‖W − before‖ / ‖before‖``; keep ``‖W‖²`` for a step that follows at once."""
        np.subtract(W, before, out=scratch)
        before_sq = self.before_sq
        if before_sq is None:
            before_sq = float(np.vdot(before, before))
        if before_sq > 0:
            self.ratio += math.sqrt(float(np.vdot(scratch, scratch)) / before_sq)
            self.n_update += 1
        self.before_sq = float(np.vdot(W, W))

    def add_activations(self, y: np.ndarray | None, u: np.ndarray | None, full: bool) -> None:
        """Dead-unit check on `y`; with `full`, also moments and saturation."""
        if y is None:
            return
        if self.dies:
            self.alive |= y.any(axis=0)
            self.n_seen += y.shape[0]
        if not full:
            return
        self.n_act += y.shape[0]
        self.a_sum += float(y.sum())
        self.a_sq += float(np.vdot(y, y))
        if self.saturates:
            if self.from_output:
                d = self.function._derivative_from_output(y)
            elif u is not None:
                d = self.function._derivative(u)
            else:  # pragma: no cover - every training forward keeps its input
                return
            if not self.monotonic:
                d = np.abs(d)
            self.n_sat += (d < self.threshold).sum(axis=0)

    def result(self) -> dict[str, float | None]:
        act = self.n_act > 0
        n = self.n_act * self.units
        mean = self.a_sum / n if act else None
        std = math.sqrt(max(self.a_sq / n - mean * mean, 0.0)) if act else None
        sat = None
        if self.saturates and act:
            sat = float(np.mean(self.n_sat >= SATURATION_MAJORITY * self.n_act))
        dead = float(np.mean(~self.alive)) if self.dies and self.n_seen else None
        return {
            "grad_mean_abs": self.g_mean / self.n_grad if self.n_grad else None,
            "grad_max_abs": self.g_max / self.n_grad if self.n_grad else None,
            "grad_l2": self.g_l2 / self.n_grad if self.n_grad else None,
            "update_ratio": self.ratio / self.n_update if self.n_update else None,
            "act_mean": mean,
            "act_std": std,
            "dead_fraction": dead,
            "saturated_fraction": sat,
        }


def _inference_values(network: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """Every layer's inference-mode output for `X` (nothing cached, nothing mutated)."""
    outs = []
    out = X
    for layer in network.layers:
        out = layer.forward(out, False)
        outs.append(out)
    return outs


def _monitor_values(slot: _Slot, X: np.ndarray, outs: list[np.ndarray]):
    if slot.act_index is None:
        return outs[slot.index], None
    before = outs[slot.act_index - 1] if slot.act_index > 0 else X
    return outs[slot.act_index], before


class Diagnostics(Callback):
    """Record gradient flow, update sizes and unit health per epoch and Dense layer.

    Parameters
    ----------
    monitor_X : ndarray of shape (n_monitor, n_inputs), optional
        A fixed batch on which activation statistics are computed at each recorded
        epoch's end (inference mode: no dropout, batch norm running averages). Without
        it they are accumulated over the epoch's training batches (training mode).
    every : int
        Record epochs 0, every, 2·every...; the others cost nothing.
    max_steps : int or None
        Gradient, update and activation-moment statistics are averaged over about this
        many steps evenly spread over each epoch (every ``ceil(n_steps / max_steps)``-th
        step, with n_steps the steps of an epoch). None measures every step. Dead units
        are checked on every batch.

    Attributes
    ----------
    records : list of dict
        One dict per (recorded epoch, Dense layer) with keys ``epoch``, ``layer`` (index
        among the Dense layers, from 0), ``name`` (``"dense_0"``...), ``activation`` and
        the :data:`STATISTICS` (floats, None where undefined). See the module docstring.
    runs : list of list of dict
        With ``n_init > 1`` the trainer restarts; ``runs[k]`` holds restart k's records
        of the last fit, and after the fit :attr:`records` is the kept run's.

    Notes
    -----
    A measured step costs a few passes over each weight matrix (|g|, its sum and max,
    the difference with the weights before the step, three dot products) and two
    reductions of the activations, plus a derivative for sigmoid-like layers; other
    steps only check ReLU-like outputs for non-zeros. With `max_steps` the callback
    stays under about 10% of an epoch. With ``monitor_X`` the activation work moves to
    one inference pass per recorded epoch. An output activation fused with the loss
    (softmax or sigmoid with cross-entropy) is not run while training: its statistics
    come from the epoch's last batch. L-BFGS has no batches: each iteration's full-batch
    gradient and activations are used, and the update is the iteration's.
    """

    # What it reads of a training step survives the fast path: each activation's output
    # (kept until the next step), the pre-activation where the function needs it for its
    # derivative (in-place functions have it from their output, which is what is read
    # then), and a Dense layer's output when no activation follows it. So the fit keeps
    # its fast path, and the records are the same bits either way
    # (tests/test_diagnostics.py::test_the_fast_path_gives_the_same_records).
    reads_layer_values = False

    def __init__(
        self, monitor_X: np.ndarray | None = None, every: int = 1, *, max_steps: int | None = 4
    ) -> None:
        if monitor_X is not None:
            monitor_X = check_matrix(monitor_X, "monitor_X")
        self.monitor_X = monitor_X
        self.every = check_int(every, "every")
        self.max_steps = None if max_steps is None else check_int(max_steps, "max_steps")
        self.records: list[dict[str, Any]] = []
        self.runs: list[list[dict[str, Any]]] = []
        self._network: Sequential | None = None

    # -- hooks ------------------------------------------------------------------------
    def on_train_begin(self, run: RunState) -> None:
        network = run.network
        self._network = network
        if self.monitor_X is not None:
            self._monitor = check_matrix(
                self.monitor_X.astype(network.dtype, copy=False),
                "monitor_X",
                n_features=network.n_inputs,
            )
        self._slot_list = _slots(network, run.loss)
        self._acc = [_Accumulator(s) for s in self._slot_list]
        self._before = [s.dense.params[0].copy() for s in self._slot_list]
        self._scratch = [np.empty_like(b) for b in self._before]
        # Per batch: (slot index, layer) pairs whose activations are read on each batch.
        # A fused output activation is not run while training: it is evaluated once per
        # epoch, on the last batch, instead of on every batch.
        self._per_batch = (
            []
            if self.monitor_X is not None
            else [k for k, s in enumerate(self._slot_list) if not s.fused]
        )
        self._step = 0  # steps taken in the current epoch
        # Spread about max_steps measured steps over each epoch, the first one included.
        n = run.n_samples
        batch = run.batch_size or n
        steps = -(-n // batch) if n else 1
        self._stride = 1 if self.max_steps is None else max(1, -(-steps // self.max_steps))
        if run.index == 0:
            self.runs = []  # a new fit: runs[k] will hold its restart k
        self.records = []
        self.runs.append(self.records)

    def on_batch_end(self, run: RunState) -> None:
        if run.epoch % self.every:
            return
        i = self._step
        self._step = i + 1
        measure = i % self._stride == 0
        copy = (i + 1) % self._stride == 0  # the next step is measured: keep W before it
        if measure or copy:
            before, scratch, accs = self._before, self._scratch, self._acc
            for k, slot in enumerate(self._slot_list):
                W = slot.dense.params[0]
                if measure:
                    accs[k].add_gradient(slot.dense.grads[0], scratch[k])
                    accs[k].add_update(W, before[k], scratch[k])
                if copy:
                    before[k] = W.copy()
                if not (measure and copy):
                    accs[k].before_sq = None
        if self._per_batch:
            layers = run.network.layers
            for k in self._per_batch:
                y, u = self._slot_list[k].training_values(layers)
                self._acc[k].add_activations(y, u, measure)

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        epoch = int(logs["epoch"])
        if epoch % self.every == 0:
            layers = run.network.layers
            slots, accs = self._slot_list, self._acc
            if accs and accs[0].n_grad == 0:
                # No batch hook ran (L-BFGS): use the full-batch pass just made.
                for k, slot in enumerate(slots):
                    accs[k].add_gradient(slot.dense.grads[0], self._scratch[k])
                    accs[k].add_update(slot.dense.params[0], self._before[k], self._scratch[k])
                    if k in self._per_batch:
                        accs[k].add_activations(*slot.training_values(layers), True)
            if self.monitor_X is not None:
                outs = _inference_values(run.network, self._monitor)
                for slot, acc in zip(slots, accs, strict=True):
                    acc.add_activations(*_monitor_values(slot, self._monitor, outs), True)
            else:
                for slot, acc in zip(slots, accs, strict=True):
                    if slot.fused:
                        acc.add_activations(*slot.training_values(layers), True)
            for k, (slot, acc) in enumerate(zip(slots, accs, strict=True)):
                self.records.append(_record(k, slot, acc.result(), epoch))
                acc.reset()
            if self.max_steps is not None and self._step:
                self._stride = max(1, -(-self._step // self.max_steps))
            self._step = 0
        self._snapshot()

    def state_dict(self) -> dict[str, Any]:
        return {"records": [dict(r) for r in self.records], "run": len(self.runs) - 1}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        run = state.get("run")  # absent from older checkpoints
        if run is not None and 0 <= run < len(self.runs) - 1:
            # The trainer kept an earlier restart of this fit: its records are runs[run].
            self.records = self.runs[run]
        else:  # a checkpoint resumed into the current run
            self.records[:] = [dict(r) for r in state["records"]]
        self._snapshot()  # the trainer has just restored the weights

    def _snapshot(self) -> None:
        if self._network is not None:
            self._before = [s.dense.params[0].copy() for s in self._slot_list]
            for acc in self._acc:
                acc.before_sq = None

    # -- views ------------------------------------------------------------------------
    @property
    def epochs(self) -> np.ndarray:
        """Recorded epoch indices, shape (n_recorded,)."""
        return np.array(sorted({r["epoch"] for r in self.records}), dtype=int)

    @property
    def layer_names(self) -> list[str]:
        """Names of the Dense layers, in order."""
        seen: dict[int, str] = {}
        for r in self.records:
            seen.setdefault(r["layer"], r["name"])
        return [seen[k] for k in sorted(seen)]

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Each statistic as an array of shape (n_recorded_epochs, n_layers); None → NaN.

        Rows follow :attr:`epochs`, columns :attr:`layer_names`.
        """
        return records_to_arrays(self.records)

    def to_dataframe(self) -> pd.DataFrame:
        """The records as a pandas DataFrame, one row per (epoch, layer)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is optional
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from exc
        return pd.DataFrame.from_records(self.records)

    def __repr__(self) -> str:
        return f"Diagnostics(every={self.every}, records={len(self.records)})"


def _record(k: int, slot: _Slot, stats: dict[str, float | None], epoch: int) -> dict[str, Any]:
    return {
        "epoch": epoch,
        "layer": k,
        "name": f"dense_{k}",
        "activation": slot.activation_name,
        **stats,
    }


def records_to_arrays(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Statistics of `records` as arrays of shape (n_epochs, n_layers), None → NaN."""
    epochs = sorted({r["epoch"] for r in records})
    layers = sorted({r["layer"] for r in records})
    row = {e: i for i, e in enumerate(epochs)}
    col = {k: j for j, k in enumerate(layers)}
    out = {key: np.full((len(epochs), len(layers)), np.nan) for key in STATISTICS}
    for r in records:
        for key in STATISTICS:
            value = r.get(key)
            if value is not None:
                out[key][row[r["epoch"]], col[r["layer"]]] = value
    return out


def layer_statistics(
    network: Sequential, X: np.ndarray, y: np.ndarray, loss: str | _losses.Loss
) -> list[dict[str, Any]]:
    """Gradient and unit-health statistics of every Dense layer on one batch.

    One training-mode forward and backward pass (as a training step would make, with
    dropout and batch statistics), without side effects on the model: batch-norm running
    averages and the training random generator are restored afterwards. The network's
    gradient buffers and per-layer caches are overwritten.

    Parameters
    ----------
    network : Sequential
        A built network.
    X : ndarray of shape (n_samples, n_inputs)
    y : ndarray of shape (n_samples, n_outputs), or (n_samples,)
        Targets in the network's output space. A 1-D `y` is taken as one column when
        the network has one output, else as integer class labels (one-hot encoded).
    loss : str or Loss

    Returns
    -------
    list of dict
        One dict per Dense layer with the keys of :attr:`Diagnostics.records` except
        ``epoch``, and ``update_ratio`` None. Dead fractions are over the batch's
        examples and saturation uses the batch's examples.
    """
    network._check_built()
    X = check_matrix(X, "X", n_features=network.n_inputs)
    X = X.astype(network.dtype, copy=False)
    y = np.asarray(y)
    if y.ndim == 1:
        if network.n_outputs == 1:
            y = y.reshape(-1, 1)
        else:
            if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= network.n_outputs:
                raise ValueError(
                    f"a 1-D y must hold integer class labels in [0, {network.n_outputs}) for "
                    f"a network with {network.n_outputs} outputs"
                )
            y = np.eye(network.n_outputs, dtype=network.dtype)[y]
    y = y.astype(network.dtype, copy=False)
    loss = _losses.get(loss)
    buffers = {k: v.copy() for k, v in network.buffers().items()}
    rng_state = network.rng.bit_generator.state if hasattr(network, "rng") else None
    try:
        network.loss_and_gradients(X, y, loss)
    finally:
        network.set_buffers(buffers)
        if rng_state is not None:
            network.rng.bit_generator.state = rng_state
    out = []
    for k, slot in enumerate(_slots(network, loss)):
        acc = _Accumulator(slot)
        acc.add_gradient(slot.dense.grads[0], np.empty_like(slot.dense.grads[0]))
        acc.add_activations(*slot.training_values(network.layers), True)
        record = _record(k, slot, acc.result(), 0)
        del record["epoch"]
        out.append(record)
    return out
