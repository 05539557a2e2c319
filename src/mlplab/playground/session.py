"""One browser tab's playground: a validated configuration, its data, network and training.

:class:`Config` checks every field of a request (names, ranges, sizes) and raises
:class:`ConfigError` with a message the server turns into a 422 answer.
:class:`TrainingSession` builds the data and the network from a config, steps epochs with
mlplab's engine (``loss_and_gradients`` + ``optimizer.step`` over mini-batches), keeps the
loss history, guards against divergence and draws what the page shows.
"""

from __future__ import annotations

import base64
import copy
import math
import time
from dataclasses import asdict, dataclass, field, fields
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
HEATMAP_SIZE = 50
THUMB_SIZE = 20

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "step", "exponential", "invscaling", "linear", "cosine")
REGULARIZATIONS = ("none", "l1", "l2")


def activation_names() -> list[str]:
    """Every activation of the catalog (all build without parameters)."""
    return _activations.names()


def initializer_names() -> list[str]:
    """``"auto"`` then the initializers that need no parameters."""
    out = ["auto"]
    for name in _initializers.names():
        try:
            _initializers.get(name)
        except (TypeError, ValueError):
            continue
        out.append(name)
    return out


class ConfigError(ValueError):
    """A request's configuration is invalid; the message says which field and why."""


# -- validation helpers ---------------------------------------------------------------------
def _int(d: dict[str, Any], key: str, lo: int, hi: int) -> int:
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
        raise ConfigError(f"{key} must be an integer, got {v!r}")
    v = int(v)
    if not lo <= v <= hi:
        raise ConfigError(f"{key} must be between {lo} and {hi}, got {v}")
    return v


def _float(d: dict[str, Any], key: str, lo: float, hi: float) -> float:
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(f"{key} must be a finite number, got {v!r}")
    if not lo <= v <= hi:
        raise ConfigError(f"{key} must be between {lo:g} and {hi:g}, got {v:g}")
    return float(v)


def _choice(d: dict[str, Any], key: str, choices: Any) -> str:
    v = d[key]
    if not isinstance(v, str) or v not in choices:
        shown = ", ".join(list(choices)[:12])
        raise ConfigError(
            f"{key} must be one of {shown}{'...' if len(choices) > 12 else ''}; got {v!r}"
        )
    return v


def _bool(d: dict[str, Any], key: str) -> bool:
    v = d[key]
    if not isinstance(v, bool):
        raise ConfigError(f"{key} must be true or false, got {v!r}")
    return v


@dataclass
class Config:
    """Everything that defines a playground run; all of it lives in the page's URL.

    The same config (seed included) gives the same data and the same initial weights.
    """

    dataset: str = "circle"
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

        Raises
        ------
        ConfigError
        """
        if not isinstance(data, dict):
            raise ConfigError("the configuration must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown configuration keys: {', '.join(map(str, unknown))}")
        d = {**asdict(cls()), **data}
        out = cls(
            dataset=_choice(d, "dataset", (*_data.DATASETS, "upload")),
            n_classes=_int(d, "n_classes", 2, 4),
            n_samples=_int(d, "n_samples", MIN_SAMPLES, MAX_SAMPLES),
            noise=_float(d, "noise", 0.0, 0.5),
            train_ratio=_float(d, "train_ratio", 0.1, 0.9),
            batch_size=_int(d, "batch_size", 1, MAX_BATCH),
            seed=_int(d, "seed", 0, 2**31 - 1),
            optimizer=_choice(d, "optimizer", OPTIMIZERS),
            momentum=_float(d, "momentum", 0.0, 0.999),
            learning_rate=_float(d, "learning_rate", 1e-6, 10.0),
            schedule=_choice(d, "schedule", SCHEDULES),
            decay_epochs=_int(d, "decay_epochs", 1, 100_000),
            initializer=_choice(d, "initializer", initializer_names()),
            regularization=_choice(d, "regularization", REGULARIZATIONS),
            reg_rate=_float(d, "reg_rate", 0.0, 10.0),
            dropout=_float(d, "dropout", 0.0, 0.9),
            batch_norm=_bool(d, "batch_norm"),
        )
        feats = d["features"]
        if not isinstance(feats, list) or not feats:
            raise ConfigError("features must be a non-empty list")
        for f in feats:
            if f not in _data.FEATURES:
                raise ConfigError(f"unknown feature {f!r}; choose from {', '.join(_data.FEATURES)}")
        if len(set(feats)) != len(feats):
            raise ConfigError("features must not repeat")
        out.features = [f for f in _data.FEATURES if f in feats]  # canonical order
        hidden, acts = d["hidden"], d["activations"]
        if not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN_LAYERS:
            raise ConfigError(f"hidden must be a list of at most {MAX_HIDDEN_LAYERS} layer sizes")
        out.hidden = [_int({"hidden": h}, "hidden", 1, MAX_UNITS) for h in hidden]
        if not isinstance(acts, list) or len(acts) != len(hidden):
            raise ConfigError("activations must be a list with one name per hidden layer")
        names = activation_names()
        out.activations = [_choice({"activations": a}, "activations", names) for a in acts]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values."""
        return asdict(self)


#: Fields whose change keeps the weights and the data (applied on the fly).
HOT_FIELDS = {"learning_rate", "schedule", "decay_epochs", "regularization", "reg_rate"}
HOT_FIELDS |= {"batch_size", "optimizer", "momentum"}


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
    lr = config.learning_rate
    if config.optimizer == "sgd":
        return _optimizers.get("sgd", learning_rate=lr)
    if config.optimizer in ("momentum", "nesterov"):
        mom = config.momentum if config.momentum > 0 else 0.9
        return _optimizers.get(
            "sgd", learning_rate=lr, momentum=mom, nesterov=config.optimizer == "nesterov"
        )
    return _optimizers.get(config.optimizer, learning_rate=lr)


def _num(x: float | None, digits: int = 6) -> float | None:
    """A JSON-safe rounded float (None for NaN/inf)."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _encode(values: np.ndarray) -> tuple[str, float]:
    """Values as base64 bytes 0..255 over [-scale, scale], and that scale."""
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if not math.isfinite(scale) or scale == 0.0:
        scale = 1.0
    q = np.clip(np.round((values / scale + 1.0) * 127.5), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii"), scale


def _grid(size: int) -> np.ndarray:
    """Points of a size×size grid over the input square, row-major from the top (x₂ = +6)."""
    axis = np.linspace(-_data.EXTENT, _data.EXTENT, size)
    g1, g2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([g1.ravel(), g2.ravel()])


class TrainingSession:
    """The state of one browser tab: data, network, optimizer, history.

    Parameters
    ----------
    config : Config
    upload : tuple, optional
        ``(X, y, problem)`` from an uploaded CSV, used when ``config.dataset == "upload"``.
    """

    def __init__(self, config: Config, upload: tuple[np.ndarray, np.ndarray, str] | None = None):
        self.upload = upload
        self.data_version = 0
        self.last_seen = time.monotonic()
        self.playing = False
        self.notice: dict[str, Any] | None = None
        self.config = config
        self._build(config, rebuild_data=True)

    # -- building ---------------------------------------------------------------------------
    def _build(self, config: Config, rebuild_data: bool) -> None:
        if rebuild_data:
            self._make_data(config)
        self.config = config
        n_out = 1 if self.problem != "classification" or self.n_classes == 2 else self.n_classes
        if self.problem == "regression":
            out_act, self.loss = "identity", _losses.get("squared_error")
        elif n_out == 1:
            out_act, self.loss = "sigmoid", _losses.get("binary_crossentropy")
        else:
            out_act, self.loss = "softmax", _losses.get("categorical_crossentropy")
        self.output_activation = out_act
        seed = np.random.SeedSequence(config.seed)
        init_seed, train_seed = seed.spawn(2)
        self.network: Sequential = mlp(
            [len(config.features), *config.hidden, n_out],
            hidden_activation=list(config.activations),
            output_activation=out_act,
            kernel_initializer=config.initializer,
            batch_norm=config.batch_norm,
            dropout=config.dropout,
            random_state=np.random.default_rng(init_seed),
        )
        self._shuffle_rng = np.random.default_rng(train_seed)
        self.network.reseed(np.random.default_rng(train_seed.spawn(1)[0]))
        self.optimizer = _optimizer(config)
        self.schedule = _schedule(config)
        self.epoch = 0
        self.history: dict[str, list[float | None]] = {"epoch": [], "train": [], "test": []}
        self._stride = 1
        self.notice = None
        self.playing = False
        self._cache: dict[str, Any] = {}
        self._evaluate()
        self._record()

    def _make_data(self, config: Config) -> None:
        if config.dataset == "upload":
            if self.upload is None:
                raise ConfigError("no uploaded data in this session: upload a CSV first")
            X, y, self.problem = self.upload
        else:
            X, y = _data.make_dataset(
                config.dataset, config.n_samples, config.noise, config.seed, config.n_classes
            )
            self.problem = (
                "regression" if config.dataset in _data.REGRESSION_DATASETS else "classification"
            )
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 7]))
        order = rng.permutation(len(X))
        n_train = min(max(1, round(len(X) * config.train_ratio)), len(X) - 1)
        tr, te = order[:n_train], order[n_train:]
        if self.problem == "classification":
            y = np.asarray(y).astype(int)
            self.n_classes = int(y.max()) + 1
        else:
            y = np.asarray(y, dtype=np.float64)
            self.n_classes = 0
        self.points = {"train": (X[tr], y[tr]), "test": (X[te], y[te])}
        self.data_version += 1

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        return _data.transform(X, self.config.features)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.problem == "regression" or self.n_classes == 2:
            return y.astype(np.float64).reshape(-1, 1)
        return np.eye(self.n_classes)[y]

    @property
    def _train(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = ("train", self.config.features, self.data_version)
        if self._cache.get("train_key") != key:
            X, y = self.points["train"]
            self._cache["train_key"] = key
            self._cache["train"] = (self._inputs(X), self._targets(y), y)
        return self._cache["train"]

    @property
    def _test(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = ("test", self.config.features, self.data_version)
        if self._cache.get("test_key") != key:
            X, y = self.points["test"]
            self._cache["test_key"] = key
            self._cache["test"] = (self._inputs(X), self._targets(y), y)
        return self._cache["test"]

    def apply(self, config: Config) -> bool:
        """Switch to `config`; return True when that reset the network (and maybe the data).

        Learning rate, schedule, regularization, batch size and optimizer apply on the fly;
        any other change rebuilds the network from the seed (and the data when it changed).
        """
        old = self.config.to_dict()
        new = config.to_dict()
        changed = {k for k in new if new[k] != old[k]}
        if changed <= HOT_FIELDS:
            if changed & {"optimizer", "momentum"}:
                self.optimizer = _optimizer(config)
            self.config = config
            self.schedule = _schedule(config)
            self._cache.pop("state_key", None)
            return False
        data_fields = {"dataset", "n_classes", "n_samples", "noise", "train_ratio", "seed"}
        self._build(config, rebuild_data=bool(changed & data_fields))
        return True

    def set_upload(self, X: np.ndarray, y: np.ndarray, problem: str) -> None:
        """Use uploaded points (from :func:`~mlplab.playground._data.parse_csv`) and reset."""
        self.upload = (X, y, problem)
        self._build(Config.from_dict({**self.config.to_dict(), "dataset": "upload"}), True)

    def reset(self) -> None:
        """Back to epoch 0 with the same (seeded) initial weights."""
        self._build(self.config, rebuild_data=False)

    # -- training -----------------------------------------------------------------------------
    @property
    def current_lr(self) -> float:
        return float(self.schedule.rate(self.epoch))

    def train_epoch(self) -> bool:
        """One pass over the shuffled training set; False when it diverged (and paused)."""
        net, cfg = self.network, self.config
        X, Y, _ = self._train
        n = X.shape[0]
        batch = min(cfg.batch_size, n)
        l1 = cfg.reg_rate if cfg.regularization == "l1" else 0.0
        l2 = cfg.reg_rate if cfg.regularization == "l2" else 0.0
        lr = self.current_lr
        params = net.params
        good = [p.copy() for p in params]
        good_buffers = {k: v.copy() for k, v in net.buffers().items()}
        good_opt = copy.deepcopy(self.optimizer.state_dict())
        order = self._shuffle_rng.permutation(n)
        ok, advanced = True, False
        with np.errstate(all="ignore"):
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                if len(idx) < 2 and cfg.batch_norm and n > 1:
                    continue  # batch norm needs two samples
                value, grads = net.loss_and_gradients(
                    X[idx], Y[idx], self.loss, l1=l1, l2=l2, check_input=False
                )
                if not math.isfinite(value):
                    ok = False
                    break
                self.optimizer.step(params, grads, lr)
            if ok:
                ok = all(bool(np.isfinite(p).all()) for p in params)
            if ok:
                self.epoch += 1
                advanced = True
                ok = self._evaluate()
        if not ok:
            for p, g in zip(params, good, strict=True):
                p[...] = g
            net.set_buffers(good_buffers)
            self.optimizer.load_state_dict(good_opt)
            if advanced:
                self.epoch -= 1
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
            return False
        self._record()
        return True

    def train_for(self, seconds: float, max_epochs: int = 10_000) -> int:
        """Run epochs for about `seconds` (at least one); return how many ran."""
        deadline = time.perf_counter() + seconds
        done = 0
        while self.playing and done < max_epochs:
            if not self.train_epoch():
                break
            done += 1
            if time.perf_counter() >= deadline:
                break
        return done

    def step(self) -> None:
        """One epoch, whether or not playing."""
        self.notice = None
        playing, self.playing = self.playing, True
        ok = self.train_epoch()
        self.playing = playing and ok

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
        with np.errstate(all="ignore"):
            for split, (X, Y, y) in (("train", self._train), ("test", self._test)):
                out = self.network.forward(X, training=False)
                metrics[f"{split}_loss"] = float(self.loss(Y, out))
                metrics[f"{split}_score"] = self._score(out, y)
        self.metrics = metrics
        return all(math.isfinite(v) for v in metrics.values())

    def _record(self) -> None:
        h = self.history
        if self.epoch % self._stride:
            return
        h["epoch"].append(self.epoch)
        h["train"].append(_num(self.metrics["train_loss"]))
        h["test"].append(_num(self.metrics["test_loss"]))
        if len(h["epoch"]) > MAX_HISTORY:  # keep every other point, record half as often
            for key in h:
                h[key] = h[key][::2]
            self._stride *= 2

    # -- pictures -------------------------------------------------------------------------------
    def _heatmap(self) -> dict[str, Any]:
        with np.errstate(all="ignore"):
            out = self.network.forward(self._inputs(_grid(HEATMAP_SIZE)), training=False)
        res: dict[str, Any] = {"size": HEATMAP_SIZE, "extent": _data.EXTENT}
        if self.problem == "regression":
            res["kind"] = "regression"
            res["values"] = np.round(out[:, 0], 4).tolist()
        elif out.shape[1] == 1:
            res["kind"] = "binary"
            res["values"] = np.round(out[:, 0], 3).tolist()
        else:
            res["kind"] = "multiclass"
            res["classes"] = out.argmax(1).tolist()
            res["values"] = np.round(out.max(1), 3).tolist()
        return res

    def _thumbnails(self) -> list[list[dict[str, Any]]]:
        """Each hidden unit's output (after its activation) and the output over the square."""
        net = self.network
        x = self._inputs(_grid(THUMB_SIZE))
        hidden: list[np.ndarray] = []
        dense_seen = 0
        n_dense = sum(isinstance(layer, Dense) for layer in net.layers)
        with np.errstate(all="ignore"):
            for layer in net.layers:
                x = layer.forward(x, training=False)
                if isinstance(layer, Dense):
                    dense_seen += 1
                elif isinstance(layer, Activation) and dense_seen < n_dense:
                    hidden.append(x)
        hidden.append(x)  # the output layer
        out = []
        for values in hidden:
            col = []
            for j in range(values.shape[1]):
                data, scale = _encode(np.nan_to_num(values[:, j]))
                col.append({"data": data, "scale": _num(scale, 4)})
            out.append(col)
        return out

    def _weights(self) -> list[dict[str, Any]]:
        out = []
        for layer in self.network.layers:
            if isinstance(layer, Dense):
                W, b = layer.params
                out.append(
                    {
                        "weights": np.round(W, 4).tolist(),
                        "biases": np.round(b.ravel(), 4).tolist(),
                    }
                )
        return out

    def diagnostics(self) -> list[dict[str, float | None]]:
        """Per-Dense-layer gradient and activation statistics on the training set.

        :func:`mlplab.diagnostics.layer_statistics` restores the network's random generator
        and batch-norm running averages, so looking never changes the training trajectory.
        """
        X, Y, _ = self._train
        with np.errstate(all="ignore"):
            stats = layer_statistics(self.network, X[:500], Y[:500], self.loss)
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

    # -- the page's view ------------------------------------------------------------------------
    def points_payload(self) -> dict[str, Any]:
        """Training and test points (raw x₁, x₂) with their labels or targets."""
        out: dict[str, Any] = {"version": self.data_version}
        for split, (X, y) in self.points.items():
            out[split] = {
                "x": np.round(X, 3).tolist(),
                "y": (np.round(y, 4) if self.problem == "regression" else y).tolist(),
            }
        return out

    def state(self, thumbnails: bool = True, data_version: int | None = None) -> dict[str, Any]:
        """What the page draws; heavy parts are cached per epoch."""
        key = (self.epoch, self.data_version, id(self.network))
        if self._cache.get("state_key") != key:
            self._cache["state_key"] = key
            self._cache["view"] = {
                "heatmap": self._heatmap(),
                "weights": self._weights(),
                "diagnostics": self.diagnostics(),
            }
            self._cache.pop("thumbs", None)
        view = dict(self._cache["view"])
        if thumbnails:
            if "thumbs" not in self._cache:
                self._cache["thumbs"] = self._thumbnails()
            view["neurons"] = self._cache["thumbs"]
        score_name = "r2" if self.problem == "regression" else "accuracy"
        state: dict[str, Any] = {
            "epoch": self.epoch,
            "playing": self.playing,
            "notice": self.notice,
            "problem": self.problem,
            "n_classes": self.n_classes,
            "output_activation": self.output_activation,
            "loss_name": self.loss.name,
            "learning_rate": _num(self.current_lr),
            "metrics": {
                "train_loss": _num(self.metrics["train_loss"]),
                "test_loss": _num(self.metrics["test_loss"]),
                "train_score": _num(self.metrics["train_score"]),
                "test_score": _num(self.metrics["test_score"]),
                "score_name": score_name,
            },
            "history": self.history,
            "config": self.config.to_dict(),
            "data_version": self.data_version,
            "thumb_size": THUMB_SIZE,
            **view,
        }
        if data_version != self.data_version:
            state["points"] = self.points_payload()
        return state


def _as_float(v: Any) -> float | None:
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
