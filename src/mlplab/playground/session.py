"""One browser tab's playground: a validated configuration, its data, network and training.

:class:`Config` checks every field of a request (types, names, ranges, sizes, and the
fields that only make sense together) and raises :class:`ConfigError`, which carries a
machine-readable ``code`` and the ``field`` at fault so the page can translate the
message and show it next to the control.

:class:`TrainingSession` builds the data and the network from a config and trains it with
mlplab's engine, one mini-batch at a time (:meth:`TrainingSession._train_step` is the only
training step), in slices of a few milliseconds that the server's worker threads hand out
in turn (see :mod:`mlplab.playground.app`). A slice may end in the middle of an epoch;
the next one carries on. Everything the page draws comes from a *snapshot* published at
the end of every epoch (and after every reset, rebuild or edit), so reading the state never
waits for training and never sees half an epoch.
"""

from __future__ import annotations

import base64
import collections
import functools
import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import initializers as _initializers
from .. import losses as _losses
from .. import optimizers as _optimizers
from .. import schedules as _schedules
from ..diagnostics import layer_statistics
from ..layers import Activation, Dense
from ..network import Sequential, mlp
from . import _data

# -- limits ---------------------------------------------------------------------------------
MAX_SAMPLES = 2000
MIN_SAMPLES = 50
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 16
MAX_BATCH = 500
MAX_HISTORY = 600
#: Cells per side of the output heatmap (the TensorFlow Playground draws 100 × 100).
HEATMAP_SIZE = 100
#: Cells per side of a neuron's thumbnail: the heatmap's grid averaged over 4 × 4 blocks.
THUMB_SIZE = 25
#: Seconds of training between two moments a training thread lets other threads run,
#: while the server has requests under way (:data:`REQUESTS`).
YIELD_EVERY = 0.002


class _Requests:
    """The number of web requests the server is answering (its middleware counts them)."""

    active = 0


REQUESTS = _Requests()
#: Largest absolute value a weight or bias may be given by hand.
MAX_EDIT = 100.0

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "step", "exponential", "invscaling", "linear", "cosine")
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")


@functools.cache
def _activation_names() -> tuple[str, ...]:
    return tuple(_activations.names())


def activation_names() -> list[str]:
    """Every activation of the catalog (all build without parameters)."""
    return list(_activation_names())


def initializer_names() -> list[str]:
    """``"auto"`` then the initializers that need no parameters."""
    return list(_initializer_names())


@functools.cache
def _initializer_names() -> tuple[str, ...]:
    out = ["auto"]
    for name in _initializers.names():
        try:
            _initializers.get(name)
        except (TypeError, ValueError):
            continue
        out.append(name)
    return tuple(out)


def natural_problem(dataset: str) -> str:
    """The problem a built-in data set's labels make (``"upload"``: classification)."""
    return "regression" if dataset in _data.REGRESSION_DATASETS else "classification"


class ConfigError(ValueError):
    """A request is invalid; the message says which field and why.

    Parameters
    ----------
    message : str
        In English, for people and logs.
    code : str
        What went wrong, for the page's translations (``"out_of_range"``, ...).
    field : str, optional
        The configuration field at fault.
    **params
        Values the message mentions (``min``, ``max``, ``value``...), JSON-ready.
    """

    def __init__(self, message: str, code: str = "invalid", field: str | None = None, **params):
        super().__init__(message)
        self.code = code
        self.field = field
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the error answer."""
        return {"error": str(self), "code": self.code, "field": self.field, "params": self.params}


# -- validation helpers ---------------------------------------------------------------------
class HugeNumber(float):
    """A JSON integer too long for any field (Python will not even parse 5000 digits).

    It is an infinity of the number's sign, so every range check refuses it, and it
    remembers how many digits it had for the message.
    """

    digits: int

    def __new__(cls, text: str) -> HugeNumber:
        obj = super().__new__(cls, -math.inf if text.startswith("-") else math.inf)
        obj.digits = len(text.lstrip("-"))
        return obj


def _shown(v: Any) -> str:
    """A short, safe rendering of a rejected value for a message."""
    if isinstance(v, HugeNumber):
        return f"a {v.digits}-digit number"
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    text = repr(v) if not isinstance(v, int) or abs(v) < 10**30 else f"a {len(str(v))}-digit number"
    return text if len(text) <= 40 else text[:37] + "..."


def _int(v: Any, key: str, lo: int, hi: int) -> int:
    # JSON numbers arrive as int or float (1e400 and NaN as float): both are accepted
    # when they hold a whole number in range.
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(
            f"{key} must be an integer, got {_shown(v)}", "not_integer", key, value=_shown(v)
        )
    if isinstance(v, float) and math.isfinite(v) and v != math.floor(v):
        raise ConfigError(
            f"{key} must be an integer, got {_shown(v)}", "not_integer", key, value=_shown(v)
        )
    if not (isinstance(v, int) or math.isfinite(v)) or not lo <= v <= hi:
        raise ConfigError(
            f"{key} must be an integer between {lo} and {hi}, got {_shown(v)}",
            "out_of_range",
            key,
            min=lo,
            max=hi,
            value=_shown(v),
        )
    return int(v)


def _float(v: Any, key: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(
            f"{key} must be a number, got {_shown(v)}", "not_number", key, value=_shown(v)
        )
    if isinstance(v, int):
        ok = lo <= v <= hi  # exact for huge integers too (no float conversion)
    else:
        ok = math.isfinite(v) and lo <= v <= hi
    if not ok:
        raise ConfigError(
            f"{key} must be a number between {lo:g} and {hi:g}, got {_shown(v)}",
            "out_of_range",
            key,
            min=lo,
            max=hi,
            value=_shown(v),
        )
    return float(v)


def _choice(v: Any, key: str, choices: Any) -> str:
    if not isinstance(v, str) or v not in choices:
        shown = ", ".join(list(choices)[:12])
        raise ConfigError(
            f"{key} must be one of {shown}{'...' if len(choices) > 12 else ''}; got {_shown(v)}",
            "not_choice",
            key,
            value=_shown(v),
        )
    return v


def _bool(v: Any, key: str) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(
            f"{key} must be true or false, got {_shown(v)}", "not_bool", key, value=_shown(v)
        )
    return v


@dataclass
class Config:
    """Everything that defines a playground run; all of it lives in the page's URL.

    The same config (seed included) gives the same data and the same initial weights.
    ``problem`` is the model's problem type, independent of the data set: ``"auto"``
    (only in requests) means the data set's own.
    """

    dataset: str = "circle"
    problem: str = "classification"
    n_classes: int = 2
    n_samples: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    batch_size: int = 10
    seed: int = 1
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activations: list[str] = field(default_factory=lambda: ["tanh", "tanh"])
    optimizer: str = "sgd"
    momentum: float = 0.9
    learning_rate: float = 0.03
    schedule: str = "constant"
    decay_epochs: int = 100
    initializer: str = "auto"
    regularization: str = "none"
    reg_rate: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> Config:
        """Validate a JSON object (missing keys take their defaults; unknown keys are errors).

        A missing ``problem`` (or ``"auto"``) is the data set's own problem.

        Raises
        ------
        ConfigError
        """
        if not isinstance(data, dict):
            raise ConfigError("the configuration must be a JSON object", "not_object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in set(data) - known)
        if unknown:
            shown = ", ".join(_shown(k) for k in unknown[:5])
            raise ConfigError(
                f"unknown configuration keys: {shown}", "unknown_keys", None, keys=shown
            )
        d = {**asdict(cls()), "problem": "auto", **data}
        dataset = _choice(d["dataset"], "dataset", (*_data.DATASETS, "upload"))
        problem = _choice(d["problem"], "problem", (*PROBLEMS, "auto"))
        out = cls(
            dataset=dataset,
            problem=natural_problem(dataset) if problem == "auto" else problem,
            n_classes=_int(d["n_classes"], "n_classes", 2, 8),
            n_samples=_int(d["n_samples"], "n_samples", MIN_SAMPLES, MAX_SAMPLES),
            noise=_float(d["noise"], "noise", 0.0, 0.5),
            train_ratio=_float(d["train_ratio"], "train_ratio", 0.1, 0.9),
            batch_size=_int(d["batch_size"], "batch_size", 1, MAX_BATCH),
            seed=_int(d["seed"], "seed", 0, 2**31 - 1),
            optimizer=_choice(d["optimizer"], "optimizer", OPTIMIZERS),
            momentum=_float(d["momentum"], "momentum", 0.0, 0.999),
            learning_rate=_float(d["learning_rate"], "learning_rate", 1e-6, 10.0),
            schedule=_choice(d["schedule"], "schedule", SCHEDULES),
            decay_epochs=_int(d["decay_epochs"], "decay_epochs", 1, 100_000),
            initializer=_choice(d["initializer"], "initializer", _initializer_names()),
            regularization=_choice(d["regularization"], "regularization", REGULARIZATIONS),
            reg_rate=_float(d["reg_rate"], "reg_rate", 0.0, 10.0),
            dropout=_float(d["dropout"], "dropout", 0.0, 0.9),
            batch_norm=_bool(d["batch_norm"], "batch_norm"),
        )
        if dataset in _data.MULTICLASS_DATASETS and out.n_classes > 4:
            raise ConfigError(
                f"n_classes must be between 2 and 4, got {out.n_classes}",
                "out_of_range",
                "n_classes",
                min=2,
                max=4,
                value=str(out.n_classes),
            )
        if dataset not in _data.MULTICLASS_DATASETS and dataset != "upload":
            out.n_classes = 2  # the others have two classes: nothing to change
        feats = d["features"]
        if not isinstance(feats, list) or not feats:
            raise ConfigError("features must be a non-empty list", "features_empty", "features")
        for f in feats:
            if not isinstance(f, str) or f not in _data.FEATURES:
                raise ConfigError(
                    f"unknown feature {_shown(f)}; choose from {', '.join(_data.FEATURES)}",
                    "unknown_feature",
                    "features",
                    value=_shown(f),
                )
        if len(set(feats)) != len(feats):
            raise ConfigError("features must not repeat", "features_repeat", "features")
        out.features = [f for f in _data.FEATURES if f in feats]  # canonical order
        hidden, acts = d["hidden"], d["activations"]
        if not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN_LAYERS:
            raise ConfigError(
                f"hidden must be a list of at most {MAX_HIDDEN_LAYERS} layer sizes",
                "hidden_list",
                "hidden",
                max=MAX_HIDDEN_LAYERS,
            )
        out.hidden = [_int(h, "hidden", 1, MAX_UNITS) for h in hidden]
        if not isinstance(acts, list) or len(acts) != len(hidden):
            raise ConfigError(
                "activations must be a list with one name per hidden layer",
                "activations_list",
                "activations",
            )
        names = _activation_names()
        out.activations = [_choice(a, "activations", names) for a in acts]
        if out.batch_norm and out.batch_size < 2:
            # A batch of one point has no spread: batch norm would output beta and the
            # network would learn nothing.
            raise ConfigError(
                "batch norm needs batches of at least 2 points (a single point has no "
                "batch statistics): raise the batch size or turn batch norm off",
                "batch_norm_batch_size",
                "batch_norm",
                fields=["batch_norm", "batch_size"],
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values."""
        return asdict(self)


#: Fields whose change keeps the weights and the data (applied on the fly).
HOT_FIELDS = {"learning_rate", "schedule", "decay_epochs", "regularization", "reg_rate"}
HOT_FIELDS |= {"batch_size", "optimizer", "momentum"}
#: Fields whose change draws the data again (and makes new points or targets).
DATA_FIELDS = {"dataset", "problem", "n_classes", "n_samples", "noise", "train_ratio", "seed"}


def _schedule(config: Config) -> _schedules.Schedule:
    """The learning-rate schedule, with ``t`` counted in epochs."""
    lr, k = config.learning_rate, config.decay_epochs
    name = config.schedule
    if name == "constant":
        return _schedules.get("constant", lr=lr)
    if name == "step":
        return _schedules.get("step", lr=lr, step_size=k, gamma=0.5)
    if name == "exponential":
        return _schedules.get("exponential", lr=lr, gamma=0.5 ** (1.0 / k))
    if name == "invscaling":
        return _schedules.get("invscaling", lr=lr, power_t=0.5)
    if name == "linear":
        return _schedules.get("linear", lr=lr, final_lr=lr / 100, decay_steps=k)
    return _schedules.get("cosine", lr=lr, period=k, min_lr=lr / 100)


def _optimizer(config: Config) -> _optimizers.Optimizer:
    """The optimizer, with exactly the momentum asked for.

    Nesterov's look-ahead with momentum 0 is plain SGD, which mlplab's SGD wants spelled
    without ``nesterov``.
    """
    lr = config.learning_rate
    if config.optimizer == "sgd":
        return _optimizers.get("sgd", learning_rate=lr)
    if config.optimizer in ("momentum", "nesterov"):
        mom = config.momentum
        nesterov = config.optimizer == "nesterov" and mom > 0
        return _optimizers.get("sgd", learning_rate=lr, momentum=mom, nesterov=nesterov)
    return _optimizers.get(config.optimizer, learning_rate=lr)


def _num(x: float | None, digits: int = 6) -> float | None:
    """A JSON-safe rounded float (None for NaN/inf)."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


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
    axis = np.linspace(-_data.EXTENT, _data.EXTENT, size)
    g1, g2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([g1.ravel(), g2.ravel()])


@dataclass(frozen=True)
class _Build:
    """What stays fixed between two rebuilds of the network (data, structure, loss)."""

    data_version: int
    problem: str
    natural: str
    n_classes: int
    output_activation: str
    loss: _losses.Loss
    points: dict[str, tuple[np.ndarray, np.ndarray]]
    train: tuple[np.ndarray, np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray, np.ndarray]
    view_net: Sequential  # a twin of the network that only draws snapshots
    upload_name: str | None


@dataclass(frozen=True)
class _Snapshot:
    """The network's state at the end of an epoch (or after a reset, rebuild or edit)."""

    revision: int
    epoch: int
    config: Config
    build: _Build
    params: np.ndarray
    buffers: dict[str, np.ndarray]
    metrics: dict[str, float]
    history: tuple[list[int], list[float | None], list[float | None], int]
    learning_rate: float


class _EpochInProgress:
    """An epoch that a slice may leave half done: its order, position and fallback."""

    def __init__(self, session: TrainingSession) -> None:
        n = session._build_info.train[0].shape[0]
        self.order = session._shuffle_rng.permutation(n)
        self.position = 0
        self.params = session.network.pack()
        self.buffers = {k: v.copy() for k, v in session.network.buffers().items()}
        self.optimizer = session.optimizer.state_dict()  # copies


class TrainingSession:
    """The state of one browser tab: data, network, optimizer, history.

    Every method that changes it takes :attr:`lock`; :meth:`state` reads the latest
    snapshot and takes only a drawing lock, so it never waits for training.

    Parameters
    ----------
    config : Config
    upload : tuple, optional
        ``(X, y, problem, name)`` from an uploaded CSV (see
        :func:`~mlplab.playground._data.parse_csv`), used when ``config.dataset == "upload"``.
    """

    def __init__(
        self, config: Config, upload: tuple[np.ndarray, np.ndarray, str, str] | None = None
    ):
        self.lock = threading.RLock()
        self._view_lock = threading.Lock()
        self.upload = upload
        self.data_version = 0
        self.revision = 0
        self.last_seen = time.monotonic()
        self.playing = False
        self.notice: dict[str, Any] | None = None
        self._epoch_times: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)
        self._view_cache: tuple[int, dict[str, Any]] | None = None
        self._hover_cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None
        self._points_cache: tuple[int, dict[str, Any]] | None = None
        self._bytes_cache: tuple[tuple[int, bool], bytes] | None = None
        # While playing, the training thread draws the snapshot a poll will want next, so
        # a poll never waits for a drawing (see state_json).
        self._rendered: tuple[_Snapshot, bytes] | None = None
        self._polled = False
        self._settled_revision = 0  # the last revision that training did not make
        self.config = self._normalized(config)
        self._build(self.config, rebuild_data=True)

    # -- building ---------------------------------------------------------------------------
    def _normalized(self, config: Config) -> Config:
        """`config` with what the data decide (the classes of an upload) filled in."""
        if config.dataset != "upload":
            return config
        if self.upload is None:
            raise ConfigError(
                "no uploaded data in this session: upload a CSV first", "no_upload", "dataset"
            )
        _, y, natural, _ = self.upload
        k = int(np.max(y)) + 1 if natural == "classification" else 2
        return replace(config, n_classes=k)

    def _build(self, config: Config, rebuild_data: bool) -> None:
        self.config = config
        if rebuild_data:
            X, y, natural = self._raw_data(config)
            self.data_version += 1
        else:
            X, y, natural = self._raw
        self._raw = (X, y, natural)
        targets, n_classes = _data.targets(y, natural, config.problem, config.n_classes)
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 7]))
        order = rng.permutation(len(X))
        n_train = min(max(1, round(len(X) * config.train_ratio)), len(X) - 1)
        tr, te = order[:n_train], order[n_train:]
        points = {"train": (X[tr], targets[tr]), "test": (X[te], targets[te])}
        n_out = 1 if config.problem == "regression" or n_classes == 2 else n_classes
        if config.problem == "regression":
            out_act, loss = "identity", _losses.get("squared_error")
        elif n_out == 1:
            out_act, loss = "sigmoid", _losses.get("binary_crossentropy")
        else:
            out_act, loss = "softmax", _losses.get("categorical_crossentropy")
        seed = np.random.SeedSequence(config.seed)
        init_seed, train_seed = seed.spawn(2)
        self.network = self._network(config, n_out, out_act, np.random.default_rng(init_seed))
        self._shuffle_rng = np.random.default_rng(train_seed)
        self.network.reseed(np.random.default_rng(train_seed.spawn(1)[0]))
        self._params = self.network.params

        def split(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            Xs, ys = points[name]
            F = _data.transform(Xs, config.features)
            if config.problem == "regression" or n_classes == 2:
                return F, ys.astype(np.float64).reshape(-1, 1), ys
            return F, np.eye(n_classes)[ys], ys

        self._build_info = _Build(
            data_version=self.data_version,
            problem=config.problem,
            natural=natural,
            n_classes=n_classes,
            output_activation=out_act,
            loss=loss,
            points=points,
            train=split("train"),
            test=split("test"),
            view_net=self._network(config, n_out, out_act, np.random.default_rng(0)),
            upload_name=self.upload[3] if self.upload else None,
        )
        self.optimizer = _optimizer(config)
        self.schedule = _schedule(config)
        self.epoch = 0
        self._epoch: _EpochInProgress | None = None
        self.history: dict[str, list[Any]] = {"epoch": [], "train": [], "test": []}
        self._stride = 1
        self.notice = None
        self.playing = False
        self._epoch_times.clear()
        self._evaluate()
        self._record()
        self._publish()

    @staticmethod
    def _network(config: Config, n_out: int, out_act: str, rng: np.random.Generator) -> Sequential:
        return mlp(
            [len(config.features), *config.hidden, n_out],
            hidden_activation=list(config.activations),
            output_activation=out_act,
            kernel_initializer=config.initializer,
            batch_norm=config.batch_norm,
            dropout=config.dropout,
            random_state=rng,
        )

    def _raw_data(self, config: Config) -> tuple[np.ndarray, np.ndarray, str]:
        if config.dataset == "upload":
            assert self.upload is not None  # _normalized checked it
            X, y, natural, _ = self.upload
            return X, y, natural
        X, y = _data.make_dataset(
            config.dataset, config.n_samples, config.noise, config.seed, config.n_classes
        )
        natural = natural_problem(config.dataset)
        return X, (y.astype(int) if natural == "classification" else y.astype(float)), natural

    # Kept for the exports and tests: the current build's numbers.
    @property
    def problem(self) -> str:
        return self._build_info.problem

    @property
    def n_classes(self) -> int:
        return self._build_info.n_classes

    @property
    def loss(self) -> _losses.Loss:
        return self._build_info.loss

    @property
    def metrics(self) -> dict[str, float]:
        return self._metrics

    @property
    def _train(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._build_info.train

    @property
    def _test(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._build_info.test

    def apply(self, config: Config) -> bool:
        """Switch to `config`; return True when that reset the network (and maybe the data).

        Learning rate, schedule, regularization, batch size and optimizer apply on the fly
        (in the middle of an epoch too); any other change rebuilds the network from the
        seed (and the data when they changed).
        """
        with self.lock:
            config = self._normalized(config)
            old, new = self.config.to_dict(), config.to_dict()
            changed = {k for k in new if new[k] != old[k]}
            if changed <= HOT_FIELDS:
                if changed & {"optimizer", "momentum"}:
                    self.optimizer = _optimizer(config)
                    if self._epoch is not None:  # a fallback that fits the new optimizer
                        self._epoch.optimizer = self.optimizer.state_dict()
                self.config = config
                self.schedule = _schedule(config)
                if changed:
                    self._publish()
                return False
            self._build(config, rebuild_data=bool(changed & DATA_FIELDS))
            return True

    def set_upload(self, X: np.ndarray, y: np.ndarray, problem: str, name: str = "") -> None:
        """Use uploaded points (from :func:`~mlplab.playground._data.parse_csv`) and reset.

        The problem type becomes the one the labels make.
        """
        with self.lock:
            self.upload = (X, y, problem, name)
            cfg = replace(self.config, dataset="upload", problem=problem)
            self.config = self._normalized(cfg)
            self._build(self.config, rebuild_data=True)

    def reset(self) -> None:
        """Back to epoch 0 with the same (seeded) initial weights, paused."""
        with self.lock:
            self._build(self.config, rebuild_data=False)

    def play(self) -> None:
        """Train from now on (the server's workers run it)."""
        with self.lock:
            self.notice = None
            self.playing = True
            self._epoch_times.clear()

    def pause(self, notice: dict[str, Any] | None = None) -> None:
        """Stop training now.

        The epoch under way goes back to its start (the weights, batch-norm averages and
        optimizer state it started from; it keeps its order of the points), so what the
        page shows, the last finished epoch, is the network; play or step replays it.
        """
        with self.lock:
            self.playing = False
            ep = self._epoch
            if ep is not None:
                self.network.unpack(ep.params)
                self.network.set_buffers(ep.buffers)
                self.optimizer.load_state_dict(ep.optimizer)
                ep.position = 0
                self._evaluate()
                self._publish()
            if notice is not None and self.notice is None:
                self.notice = notice

    def step(self) -> None:
        """One epoch, then paused."""
        with self.lock:
            self.notice = None
            self.playing = False
            if self._epoch is None:
                self._epoch = _EpochInProgress(self)
            self._run_batches(None)

    def edit(self, kind: str, layer: int, source: int | None, target: int, value: float) -> None:
        """Set one weight (``kind="weight"``, from unit `source` of the layer below to unit
        `target` of Dense layer `layer`) or one bias (``kind="bias"``) to `value`.

        Raises
        ------
        ConfigError
            For an index out of range or a value that is not finite or too large.
        """
        with self.lock:
            dense = [la for la in self.network.layers if isinstance(la, Dense)]
            layer = _int(layer, "layer", 0, len(dense) - 1)
            W, b = dense[layer].params
            target = _int(target, "target", 0, W.shape[1] - 1)
            value = _float(value, "value", -MAX_EDIT, MAX_EDIT)
            if kind == "weight":
                source = _int(source, "source", 0, W.shape[0] - 1)
                W[source, target] = value
            else:
                b[target] = value
            if self._epoch is not None:  # the epoch's fallback keeps the edit too
                array = W if kind == "weight" else b
                offset = 0
                for p in self._params:
                    if p is array:
                        break
                    offset += p.size
                index = source * W.shape[1] + target if kind == "weight" else target
                self._epoch.params[offset + index] = value
            self._evaluate()
            self._publish()

    # -- training -----------------------------------------------------------------------------
    @property
    def current_lr(self) -> float:
        return float(self.schedule.rate(self.epoch))

    def _train_step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """The playground's one training step: a mini-batch through mlplab's engine.

        Forward and backward pass with the L1/L2 penalties
        (:meth:`~mlplab.network.Sequential.loss_and_gradients`), then the optimizer's
        update. Returns the batch loss; when that is not finite nothing is updated.
        """
        cfg = self.config
        l1 = cfg.reg_rate if cfg.regularization == "l1" else 0.0
        l2 = cfg.reg_rate if cfg.regularization == "l2" else 0.0
        value, grads = self.network.loss_and_gradients(
            X, Y, self.loss, l1=l1, l2=l2, check_input=False
        )
        if math.isfinite(value):
            self.optimizer.step(self._params, grads, lr)
        return value

    def _run_batches(self, deadline: float | None) -> None:
        """Carry the epoch under way on until it ends or `deadline` (perf_counter) passes."""
        ep = self._epoch
        assert ep is not None
        X, Y, _ = self._build_info.train
        n = X.shape[0]
        lr = self.current_lr
        yielded = time.perf_counter()
        with np.errstate(all="ignore"):
            while ep.position < n:
                if REQUESTS.active and time.perf_counter() - yielded > YIELD_EVERY:
                    # Hand the interpreter to the web requests under way (a thread that
                    # asks for the GIL otherwise waits for the 5 ms switch interval).
                    time.sleep(0)
                    yielded = time.perf_counter()
                batch = min(self.config.batch_size, n)
                idx = ep.order[ep.position : ep.position + batch]
                ep.position += batch
                if len(idx) < 2 and self.config.batch_norm and n > 1:
                    continue  # a last batch of one point has no batch statistics
                if not math.isfinite(self._train_step(X[idx], Y[idx], lr)):
                    self._diverged()
                    return
                if deadline is not None and time.perf_counter() >= deadline:
                    return
            self._end_epoch()

    def _end_epoch(self) -> None:
        if not np.isfinite(self.network.pack()).all() or not self._evaluate():
            self._diverged()
            return
        self.epoch += 1
        self._epoch = None
        self._record()
        self._epoch_times.append((time.perf_counter(), self.epoch))
        self._publish(by_training=True)

    def _diverged(self) -> None:
        """Go back to the start of the epoch under way, pause and say so."""
        ep = self._epoch
        assert ep is not None
        self.network.unpack(ep.params)
        self.network.set_buffers(ep.buffers)
        self.optimizer.load_state_dict(ep.optimizer)
        self._epoch = None
        self._evaluate()
        self.playing = False
        self.notice = {
            "code": "diverged",
            "epoch": self.epoch,
            "message": (
                f"Training diverged (the loss became NaN or infinite) after epoch "
                f"{self.epoch}: paused and restored the last finite weights. Lower the "
                f"learning rate or change the network, then press play."
            ),
        }
        self._publish()

    def train_slice(self, seconds: float, watch_timeout: float | None = None) -> bool:
        """Train for about `seconds` (to a batch boundary); return whether to go on.

        A playing session that nobody has looked at for `watch_timeout` seconds (a closed
        or hidden tab) pauses itself with a notice.
        """
        with self.lock:
            if not self.playing:
                return False
            if watch_timeout is not None and time.monotonic() - self.last_seen > watch_timeout:
                self.pause({"code": "unwatched", "epoch": self.epoch})
                return False
            deadline = time.perf_counter() + seconds
            while self.playing:
                if self._epoch is None:
                    self._epoch = _EpochInProgress(self)
                self._run_batches(deadline)
                if time.perf_counter() >= deadline:
                    break
            snap = self.snapshot
            if self._polled and (self._rendered is None or self._rendered[0] is not snap):
                self._polled = False
                with self._view_lock:
                    self._rendered = (snap, self._fixed(snap, True))
            return self.playing

    def train_for(self, seconds: float, max_epochs: int = 10_000) -> int:
        """Play for about `seconds` or `max_epochs` epochs in this thread; return epochs run."""
        start = self.epoch
        self.play()
        deadline = time.perf_counter() + seconds
        while self.playing and self.epoch - start < max_epochs:
            if time.perf_counter() >= deadline:
                break
            self.train_slice(0.01)
        with self.lock:
            if self.playing:
                self.pause()
        return self.epoch - start

    def epochs_per_second(self) -> float | None:
        """Epochs a second over the last couple of seconds of play (None when paused)."""
        times = self._epoch_times
        if not self.playing or len(times) < 2:
            return None
        now = time.perf_counter()
        recent = [(t, e) for t, e in list(times) if now - t < 2.0]
        if len(recent) < 2:
            return None
        (t0, e0), (t1, e1) = recent[0], recent[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 else None

    # -- evaluation ---------------------------------------------------------------------------
    def _score(self, out: np.ndarray, y: np.ndarray) -> float:
        if self.problem == "regression":
            ss_tot = float(np.sum((y - y.mean()) ** 2))
            ss_res = float(np.sum((y - out[:, 0]) ** 2))
            return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
        pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(1)
        return float(np.mean(pred == y))

    def _evaluate(self) -> bool:
        """Losses and scores on both sets; False if any is not finite."""
        metrics: dict[str, float] = {}
        b = self._build_info
        with np.errstate(all="ignore"):
            for split, (X, Y, y) in (("train", b.train), ("test", b.test)):
                out = self.network.forward(X, training=False)
                metrics[f"{split}_loss"] = float(b.loss(Y, out))
                metrics[f"{split}_score"] = self._score(out, y)
        self._metrics = metrics
        return all(math.isfinite(v) for v in metrics.values())

    def _record(self) -> None:
        h = self.history
        if self.epoch % self._stride:
            return
        h["epoch"].append(self.epoch)
        h["train"].append(_num(self._metrics["train_loss"]))
        h["test"].append(_num(self._metrics["test_loss"]))
        if len(h["epoch"]) > MAX_HISTORY:  # keep every other point, record half as often
            for key in h:
                h[key] = h[key][::2]
            self._stride *= 2

    def _publish(self, by_training: bool = False) -> None:
        """Make the current network what :meth:`state` shows."""
        self.revision += 1
        if not by_training:
            self._settled_revision = self.revision
        h = self.history
        snap = _Snapshot(
            revision=self.revision,
            epoch=self.epoch,
            config=self.config,
            build=self._build_info,
            params=self.network.pack(),
            buffers={k: v.copy() for k, v in self.network.buffers().items()},
            metrics=dict(self._metrics),
            history=(h["epoch"], h["train"], h["test"], len(h["epoch"])),
            learning_rate=self.current_lr,
        )
        self.snapshot = snap

    # -- pictures -------------------------------------------------------------------------------
    def _load_view(self, snap: _Snapshot) -> Sequential:
        net = snap.build.view_net
        net.unpack(snap.params)
        net.set_buffers(snap.buffers)
        return net

    @staticmethod
    def _maps(net: Sequential, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's output (after its activation) and the network's output."""
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

    def _view(self, snap: _Snapshot) -> dict[str, Any]:
        """Heatmap, thumbnails, weights and diagnostics of a snapshot (cached)."""
        cached = self._view_cache
        if cached is not None and cached[0] == snap.revision:
            return cached[1]
        with np.errstate(all="ignore"):
            view = self._draw(snap)
        self._view_cache = (snap.revision, view)
        return view

    def _draw(self, snap: _Snapshot) -> dict[str, Any]:
        b = snap.build
        net = self._load_view(snap)
        grid = _data.transform(_grid(HEATMAP_SIZE), snap.config.features)
        maps = self._maps(net, grid)
        out = maps[-1]
        warnings: list[str] = []
        heatmap: dict[str, Any] = {"size": HEATMAP_SIZE, "extent": _data.EXTENT}
        if b.problem == "regression":
            m = _symmetric_range(out[:, 0])
            values, bad = _finite(out[:, 0], -m, m)
            lo, hi = float(values.min()), float(values.max())
            heatmap.update(kind="regression", lo=_num(lo), hi=_num(hi))
            heatmap["values"] = _encode(values, lo, hi, 16)
        elif out.shape[1] == 1:
            values, bad = _finite(out[:, 0], 0.0, 1.0)
            heatmap.update(kind="binary", lo=0.0, hi=1.0, values=_encode(values, 0.0, 1.0, 16))
        else:
            values, bad = _finite(out, 0.0, 1.0)
            heatmap.update(kind="multiclass", lo=0.0, hi=1.0, classes=out.shape[1])
            heatmap["values"] = _encode(values.ravel(), 0.0, 1.0, 8)  # row-major (cells, K)
        if bad:
            warnings.append("non_finite_output")
        neurons = []
        for li, layer_out in enumerate(maps):
            # One layer at a time, all its units at once: (cells, units) arrays.
            if li == len(maps) - 1 and b.problem != "regression":
                lo = np.zeros(layer_out.shape[1])
                hi = np.ones(layer_out.shape[1])
            else:
                finite = np.where(np.isfinite(layer_out), np.abs(layer_out), 0.0)
                hi = np.minimum(finite.max(axis=0), 1e150)
                hi[hi == 0] = 1.0
                lo = -hi
            if not np.isfinite(layer_out).all():
                if "non_finite_output" not in warnings:
                    warnings.append("non_finite_output")
                layer_out = np.where(np.isnan(layer_out), 0.5 * (lo + hi), layer_out)
            v = np.clip(layer_out, lo, hi)
            vmin, vmax = v.min(axis=0), v.max(axis=0)
            k = HEATMAP_SIZE // THUMB_SIZE
            thumbs = v.reshape(THUMB_SIZE, k, THUMB_SIZE, k, -1).mean(axis=(1, 3))
            q = np.round((thumbs - lo) / (hi - lo) * 255).astype(np.uint8)
            neurons.append(
                [
                    {
                        "data": base64.b64encode(q[:, :, j].tobytes()).decode("ascii"),
                        "lo": _num(float(lo[j]), 4),
                        "hi": _num(float(hi[j]), 4),
                        "min": _num(float(vmin[j]), 4),
                        "max": _num(float(vmax[j]), 4),
                    }
                    for j in range(v.shape[1])
                ]
            )
        # Weights are always finite (divergence restores them, edits are checked).
        weights = [
            {
                "weights": np.round(layer.params[0], 4).tolist(),
                "biases": np.round(layer.params[1], 4).tolist(),
            }
            for layer in net.layers
            if isinstance(layer, Dense)
        ]
        if not all(math.isfinite(v) for v in snap.metrics.values()):
            if "non_finite_output" not in warnings:
                warnings.append("non_finite_loss")
        view = {
            "heatmap": heatmap,
            "neurons": neurons,
            "weights": weights,
            "diagnostics": self._diagnostics(net, b),
            "warnings": warnings,
        }
        return view

    def _hover(self, snap: _Snapshot, layer: int, unit: int) -> dict[str, Any] | None:
        """One neuron's output over the whole heatmap grid (`layer` counts the hidden layers
        from 0, the output layer last)."""
        key = (snap.revision, layer, unit)
        if self._hover_cache is not None and self._hover_cache[0] == key:
            return self._hover_cache[1]
        net = self._load_view(snap)
        maps = self._maps(net, _data.transform(_grid(HEATMAP_SIZE), snap.config.features))
        if not 0 <= layer < len(maps) or not 0 <= unit < maps[layer].shape[1]:
            return None
        v = maps[layer][:, unit]
        output = layer == len(maps) - 1
        if output and snap.build.problem != "regression":
            lo, hi = 0.0, 1.0
        else:
            m = _symmetric_range(v)
            lo, hi = -m, m
        with np.errstate(all="ignore"):
            v, _ = _finite(v, lo, hi)
        res = {
            "layer": layer,
            "unit": unit,
            "output": output,
            "size": HEATMAP_SIZE,
            "lo": _num(lo),
            "hi": _num(hi),
            "values": _encode(v, lo, hi, 16),
        }
        self._hover_cache = (key, res)
        return res

    def _diagnostics(self, net: Sequential, b: _Build) -> list[dict[str, float | None]]:
        """Per-Dense-layer gradient and activation statistics on the training set.

        :func:`mlplab.diagnostics.layer_statistics` restores the network's random generator
        and batch-norm running averages, so looking never changes anything.
        """
        X, Y, _ = b.train
        with np.errstate(all="ignore"):
            stats = layer_statistics(net, X[:500], Y[:500], b.loss)
        keys = (
            "grad_mean_abs",
            "grad_max_abs",
            "grad_l2",
            "act_mean",
            "act_std",
            "dead_fraction",
            "saturated_fraction",
        )
        return [{k: _num(_as_float(s.get(k)), 4) for k in keys} for s in stats]

    def diagnostics(self) -> list[dict[str, float | None]]:
        """The diagnostics of the current snapshot."""
        snap = self.snapshot
        with self._view_lock:
            return self._diagnostics(self._load_view(snap), snap.build)

    # -- the page's view ------------------------------------------------------------------------
    def points_payload(self, snap: _Snapshot | None = None) -> dict[str, Any]:
        """Training and test points (raw x₁, x₂) with their labels or targets."""
        b = (snap or self.snapshot).build
        if self._points_cache is not None and self._points_cache[0] == b.data_version:
            return self._points_cache[1]
        out: dict[str, Any] = {"version": b.data_version}
        for split, (X, y) in b.points.items():
            out[split] = {
                "x": np.round(X, 3).tolist(),
                "y": (np.round(y, 4) if b.problem == "regression" else y).tolist(),
            }
        self._points_cache = (b.data_version, out)
        return out

    def _fixed(self, snap: _Snapshot, thumbnails: bool) -> bytes:
        """The JSON of everything a snapshot fixes (cached: polls between two epochs only
        add the few live fields)."""
        key = (snap.revision, thumbnails)
        cached = self._bytes_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        view = dict(self._view(snap))
        if not thumbnails:
            view.pop("neurons")
        b = snap.build
        ep, tr, te, n = snap.history
        fixed: dict[str, Any] = {
            "revision": snap.revision,
            "epoch": snap.epoch,
            "problem": b.problem,
            "natural_problem": b.natural,
            "n_classes": b.n_classes,
            "output_activation": b.output_activation,
            "loss_name": b.loss.name,
            "learning_rate": _num(snap.learning_rate),
            "metrics": {
                "train_loss": _num(snap.metrics["train_loss"]),
                "test_loss": _num(snap.metrics["test_loss"]),
                "train_score": _num(snap.metrics["train_score"]),
                "test_score": _num(snap.metrics["test_score"]),
                "score_name": "r2" if b.problem == "regression" else "accuracy",
            },
            "history": {"epoch": ep[:n], "train": tr[:n], "test": te[:n]},
            "config": snap.config.to_dict(),
            "upload_name": b.upload_name,
            "data_version": b.data_version,
            "thumb_size": THUMB_SIZE,
            **view,
        }
        out = dumps(fixed)
        self._bytes_cache = (key, out)
        return out

    def state_json(
        self,
        thumbnails: bool = True,
        data_version: int | None = None,
        hover: tuple[int, int] | None = None,
        revision: int | None = None,
    ) -> bytes:
        """What the page draws, from the latest snapshot, as JSON bytes.

        Parameters
        ----------
        thumbnails : bool
            Include each neuron's thumbnail (``neurons``).
        data_version : int, optional
            The data version the page has; the points come along when it differs.
        hover : (int, int), optional
            A neuron (layer, unit) whose full-size map to include as ``hover``.
        revision : int, optional
            The revision the page has: when it is still the one to show, the answer holds
            only ``revision``, ``"unchanged": true`` and the live fields (``playing``,
            ``notice``, ``epochs_per_s``, ``hover``).
        """
        snap = self.snapshot
        rendered = self._rendered
        if self.playing:
            self._polled = True
            if (
                thumbnails
                and rendered is not None
                and rendered[0].revision >= self._settled_revision
            ):
                # Training has moved on since the last drawing (by a slice at most: the
                # training thread draws again now): no waiting for a drawing in a poll.
                snap = rendered[0]
            else:
                rendered = None
        else:
            rendered = None
        eps = self.epochs_per_second()
        live: dict[str, Any] = {
            "playing": self.playing,
            "notice": self.notice,
            "epochs_per_s": None if eps is None else round(eps, 1),
        }
        if revision == snap.revision:
            live |= {"revision": snap.revision, "unchanged": True}
            parts = [dumps(live)[:-1]]
        else:
            if rendered is not None:
                fixed = rendered[1]
            else:
                with self._view_lock:
                    fixed = self._fixed(snap, thumbnails)
            parts = [dumps(live)[:-1], fixed[1:-1]]
            if data_version != snap.build.data_version:
                parts.append(b'"points":' + dumps(self.points_payload(snap)))
        if hover is not None:
            with self._view_lock:
                parts.append(b'"hover":' + dumps(self._hover(snap, *hover)))
        return b",".join(parts) + b"}"

    def state(
        self,
        thumbnails: bool = True,
        data_version: int | None = None,
        hover: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        """:meth:`state_json` as a dict."""
        return json.loads(self.state_json(thumbnails, data_version, hover))


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
