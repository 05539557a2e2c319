"""One browser tab's playground: its data, its network, and the training run that drives it.

:class:`TrainingSession` builds the data and the network from a
:class:`~mlplab.playground.config.Config` and trains the network with mlplab's
:class:`~mlplab.training.Trainer`. It holds at most one
:class:`~mlplab.training.TrainingRun` at a time and drives it with
:meth:`~mlplab.training.TrainingRun.run_steps`, a couple of milliseconds at a time,
within the slices that the server's worker threads hand out in turn (see
:mod:`mlplab.playground.pool`). Training here is exactly the Trainer's: its fast path, its
divergence rule and the weights it puts back, its epochs. A slice may end in the middle
of an epoch and a pause stops between two steps; training goes on from there, and the
weights are those of one uninterrupted fit.

A change that a run's configuration cannot take in ends the run where it stands
(:meth:`~mlplab.training.TrainingRun.finish`): a new learning rate, schedule, batch size,
penalty or optimizer, and an edited weight (the run's fallbacks and best loss belong to
the weights before the edit). The next training starts a run of a new Trainer from the
network as it is, going on with the old run's optimizer state and counters
(:class:`~mlplab.training.RunStart`); an epoch under way at the change is left
uncounted, its steps kept. A rebuild (new data, structure or seed) and a reset start over.

Everything the page draws comes from a :class:`~mlplab.playground.rendering.Snapshot`,
published at the end of every epoch (by the session's callback on the run) and after a
pause, step, reset, rebuild, change or edit: reading the state never waits for training.
"""

from __future__ import annotations

import collections
import json
import math
import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np

from .. import losses as _losses
from .. import optimizers as _optimizers
from .. import schedules as _schedules
from ..callbacks import Callback, RunState
from ..layers import Dense
from ..network import Sequential, mlp
from ..training import RunStart, Trainer, TrainingRun
from . import data
from .config import (
    DATA_FIELDS,
    HOT_FIELDS,
    MAX_EDIT,
    NEW_OPTIMIZER_FIELDS,
    Config,
    ConfigError,
    as_float,
    as_int,
    network_arguments,
    training_arguments,
)
from .rendering import Snapshot, View, dumps

#: Points of the loss curves kept; beyond it every other one goes (and they come half as often).
MAX_HISTORY = 600
#: Epochs a run may last: the playground trains until paused.
MAX_EPOCHS = 10**9
#: Seconds of training between two moments a training thread lets other threads run
#: (while the server has requests under way, see :data:`REQUESTS`), and the length of the
#: pieces a slice trains in.
YIELD_EVERY = 0.002


class _Requests:
    """The number of web requests the server is answering (its middleware counts them)."""

    active = 0


REQUESTS = _Requests()


def build_network(config: Config, prepared: data.Prepared, random_state: Any) -> Sequential:
    """The network of `config` for the data `prepared`, its weights drawn from `random_state`."""
    args = network_arguments(config, prepared.n_outputs, prepared.output_activation)
    return mlp(**args, random_state=random_state)


def build_trainer(
    config: Config, loss: str, callbacks: list[Callback], random_state: Any
) -> Trainer:
    """The :class:`~mlplab.training.Trainer` of `config` (see
    :func:`~mlplab.playground.config.training_arguments`), for runs without an end."""
    args = training_arguments(config)
    name, kwargs = args["optimizer"]
    return Trainer(
        loss,
        _optimizers.get(name, **kwargs),
        learning_rate=_schedules.from_name(*args["schedule"]),
        epochs=MAX_EPOCHS,
        batch_size=args["batch_size"],
        l1=args["l1"],
        l2=args["l2"],
        callbacks=callbacks,
        random_state=random_state,
    )


def measure(network: Sequential, prepared: data.Prepared) -> dict[str, float]:
    """Loss and score (accuracy, or R² for regression) on both sets, in inference mode."""
    loss = _losses.get(prepared.loss)
    metrics: dict[str, float] = {}
    with np.errstate(all="ignore"):
        for split, (X, Y, y) in (("train", prepared.train), ("test", prepared.test)):
            out = network.forward(X, training=False)
            metrics[f"{split}_loss"] = float(loss(Y, out))
            if prepared.problem == "regression":
                ss_tot = float(np.sum((y - y.mean()) ** 2))
                ss_res = float(np.sum((y - out[:, 0]) ** 2))
                score = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
            else:
                pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(1)
                score = float(np.mean(pred == y))
            metrics[f"{split}_score"] = score
    return metrics


class _LossCurve:
    """Training and test loss after each epoch, thinned to at most :data:`MAX_HISTORY`."""

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.train: list[float | None] = []
        self.test: list[float | None] = []
        self._stride = 1

    def add(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch % self._stride:
            return
        self.epoch.append(epoch)
        self.train.append(_finite_or_none(metrics["train_loss"]))
        self.test.append(_finite_or_none(metrics["test_loss"]))
        if len(self.epoch) > MAX_HISTORY:  # keep every other point, record half as often
            self.epoch, self.train, self.test = self.epoch[::2], self.train[::2], self.test[::2]
            self._stride *= 2

    def view(self) -> tuple[list[int], list[float | None], list[float | None], int]:
        """The lists and their length now (later points may be appended to the lists)."""
        return self.epoch, self.train, self.test, len(self.epoch)


def _finite_or_none(x: float) -> float | None:
    return float(f"{x:.6g}") if math.isfinite(x) else None


class _EpochEnd(Callback):
    """The session's hook on its runs: the end of every epoch is published."""

    reads_layer_values = False  # it measures in inference mode: the fast path stays on

    def __init__(self, session: TrainingSession) -> None:
        self.session = session

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        """Measure, record and publish the epoch that `run` has just completed."""
        self.session._epoch_ended(run)


class TrainingSession:
    """The state of one browser tab: data, network, the training run, the loss curves.

    Every method that changes it takes :attr:`lock` (:meth:`pause` stops a training
    slice before it does); :meth:`state_json` reads the latest snapshot and never waits
    for training.

    Parameters
    ----------
    config : Config
    upload : tuple, optional
        ``(X, y, problem, name)`` from an uploaded CSV (see
        :func:`~mlplab.playground.data.parse_csv`), used when ``config.dataset == "upload"``.
    """

    def __init__(self, config: Config, upload: data.Upload | None = None) -> None:
        self.lock = threading.RLock()
        self.upload = upload
        self.data_version = 0
        self.revision = 0
        self.last_seen = time.monotonic()
        self.playing = False
        self.notice: dict[str, Any] | None = None
        self._view = View()
        self._epoch_times: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)
        self._seconds_per_step = 1e-4
        # While playing, the training thread draws the snapshot a poll will want next, so
        # a poll never waits for a drawing (see state_json).
        self._rendered: tuple[Snapshot, bytes] | None = None
        self._polled = False
        self._settled_revision = 0  # the last revision that training did not make
        self._build(self._normalized(config), rebuild_data=True)

    # -- building -------------------------------------------------------------------------------
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
        """Make the data (when `rebuild_data`) and the network of `config`, at epoch 0."""
        c = config
        if rebuild_data:
            raw = data.raw_points(c.dataset, c.n_samples, c.noise, c.seed, c.n_classes, self.upload)
            version = self.data_version + 1
        else:
            raw, version = self._raw, self.data_version
        prepared = data.prepare(
            raw,
            problem=c.problem,
            n_classes=c.n_classes,
            features=c.features,
            train_ratio=c.train_ratio,
            seed=c.seed,
            version=version,
            upload_name=self.upload[3] if self.upload else None,
        )
        if c.batch_norm and len(prepared.train[0]) < 2:
            raise ConfigError(
                "batch norm needs at least 2 training points: raise the ratio of "
                "training data or turn batch norm off",
                "batch_norm_samples",
                "batch_norm",
                fields=["batch_norm", "train_ratio"],
            )
        # Nothing above changed the session: a refused config leaves it as it was.
        self.config, self._raw, self.data_version, self.data = c, raw, version, prepared
        self.network = build_network(c, prepared, c.seed)
        self._view_net = build_network(c, prepared, 0)  # only loads snapshots to draw them
        self._run: TrainingRun | None = None
        self._start = RunStart()  # where the next run starts from
        self._runs = 0  # runs started since the build: each draws its own random streams
        self._schedule = _schedules.from_name(*training_arguments(c)["schedule"])
        self._curve = _LossCurve()
        self.notice = None
        self.playing = False
        self._epoch_times.clear()
        self._metrics = measure(self.network, prepared)
        self._curve.add(0, self._metrics)
        self._publish()

    # -- the run --------------------------------------------------------------------------------
    @property
    def run(self) -> TrainingRun | None:
        """The training run in progress, if any (one starts with the next training)."""
        return self._run

    @property
    def epoch(self) -> int:
        """Epochs completed since the build or the last reset."""
        return self._run.epoch if self._run is not None else self._start.epoch

    @property
    def steps(self) -> int:
        """Optimizer steps taken since the build or the last reset."""
        return self._run.step if self._run is not None else self._start.step

    def _training_run(self) -> TrainingRun:
        """The run in progress, or a new one from the network and counters as they are."""
        if self._run is None:
            seed = self.config.seed
            # The first run's streams are the exported code's; later ones are new ones.
            random_state = seed if self._runs == 0 else np.random.default_rng([seed, self._runs])
            trainer = build_trainer(self.config, self.data.loss, [_EpochEnd(self)], random_state)
            X, Y, _ = self.data.train
            self._run = trainer.start(self.network, X, Y, start=self._start)
            self._runs += 1
        return self._run

    def _end_run(self, keep_optimizer: bool = True) -> None:
        """Finish the run in progress (if any): the next one goes on from here.

        The optimizer state goes on unless `keep_optimizer` is False or the run diverged
        (its state belongs to the weights that blew up, not to those it put back).
        """
        run = self._run
        if run is not None:
            self._run = None
            try:
                run.finish()
            except ValueError:
                pass  # it diverged with no finite weights: it put back those it started from
            keep_optimizer = keep_optimizer and not run.history.diverged
            self._start = RunStart(
                optimizer=run.optimizer.state_dict(),
                epoch=run.epoch,
                step=run.step,
                samples_seen=run.samples_seen,
            )
        if not keep_optimizer:
            self._start = replace(self._start, optimizer=None)

    def _epoch_ended(self, run: RunState) -> None:
        """What the session does at the end of each epoch of its runs (see :class:`_EpochEnd`)."""
        self._metrics = measure(self.network, self.data)
        self._curve.add(run.epoch, self._metrics)
        self._epoch_times.append((time.perf_counter(), run.epoch))
        # The session keeps its own (thinned) curves: a run's records would grow forever.
        run.history.records.clear()
        self._publish(by_training=True)

    def _after_training(self, run: TrainingRun) -> None:
        """Pause when `run` is over: it diverged (and put back its best finite weights)."""
        if not run.done:
            return
        diverged, why = run.history.diverged, run.stop_reason
        self._end_run()
        self.playing = False
        if diverged:
            self.notice = {"code": "diverged", "epoch": self.epoch, "message": why}
        self._refresh()

    def _refresh(self) -> None:
        """Measure and publish the network as it is now."""
        self._metrics = measure(self.network, self.data)
        self._publish()

    # -- what the page asks for -------------------------------------------------------------------
    def apply(self, config: Config) -> bool:
        """Switch to `config`; return True when that reset the network (and maybe the data).

        Learning rate, schedule, regularization, batch size and optimizer apply on the fly
        (the run in progress ends and the next one goes on from the network as it is,
        with the optimizer's state unless the optimizer or its momentum changed); any
        other change rebuilds the network from the seed (and the data when they changed).
        """
        with self.lock:
            config = self._normalized(config)
            old, new = self.config.to_dict(), config.to_dict()
            changed = {k for k in new if new[k] != old[k]}
            if not changed <= HOT_FIELDS:
                self._build(config, rebuild_data=bool(changed & DATA_FIELDS))
                return True
            if changed:
                self._end_run(keep_optimizer=not changed & NEW_OPTIMIZER_FIELDS)
                self.config = config
                self._schedule = _schedules.from_name(*training_arguments(config)["schedule"])
                self._publish()
            return False

    def set_upload(self, X: np.ndarray, y: np.ndarray, problem: str, name: str = "") -> None:
        """Use uploaded points (from :func:`~mlplab.playground.data.parse_csv`) and reset.

        The problem type becomes the one the labels make.
        """
        with self.lock:
            old = self.upload
            self.upload = (X, y, problem, name)
            try:
                config = self._normalized(replace(self.config, dataset="upload", problem=problem))
                self._build(config, rebuild_data=True)
            except ConfigError:
                self.upload = old
                raise

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
        """Stop training now, and show the network as it is (in the middle of an epoch too).

        Training goes on from there at the next play or step.
        """
        # The reason first: a poll that sees the session paused also sees why (the state
        # is answered without the lock, and the refresh below can take a while).
        if notice is not None and self.notice is None:
            self.notice = notice
        self.playing = False  # a training slice stops at its next piece, before the lock
        with self.lock:
            if self.steps != self.snapshot.step:
                self._refresh()

    def step(self) -> None:
        """Train to the end of an epoch (the rest of the one under way, or a new one), paused."""
        self.playing = False
        with self.lock:
            self.notice = None
            run = self._training_run()
            run.run_epoch()
            self._after_training(run)
            if self.steps != self.snapshot.step:
                self._refresh()

    def edit(self, kind: str, layer: Any, source: Any, target: Any, value: Any) -> None:
        """Set one weight (``kind="weight"``, from unit `source` of the layer below to unit
        `target` of Dense layer `layer`) or one bias (``kind="bias"``) to `value`.

        The run in progress ends first: training goes on from the edited network.

        Raises
        ------
        ConfigError
            For an index out of range or a value that is not finite or too large.
        """
        with self.lock:
            dense = [la for la in self.network.layers if isinstance(la, Dense)]
            layer = as_int(layer, "layer", 0, len(dense) - 1)
            W, b = dense[layer].params
            target = as_int(target, "target", 0, W.shape[1] - 1)
            value = as_float(value, "value", -MAX_EDIT, MAX_EDIT)
            if kind == "weight":
                source = as_int(source, "source", 0, W.shape[0] - 1)
            self._end_run()
            if kind == "weight":
                W[source, target] = value
            else:
                b[target] = value
            self._refresh()

    # -- training -------------------------------------------------------------------------------
    def train_slice(self, seconds: float, watch_timeout: float | None = None) -> bool:
        """Train for about `seconds` (to a step boundary); return whether to go on.

        The run trains in pieces of about :data:`YIELD_EVERY` seconds; between two, the
        thread lets the web requests under way run, and a pause takes effect. A playing
        session that nobody has looked at for `watch_timeout` seconds (a closed or hidden
        tab) pauses itself with a notice.
        """
        with self.lock:
            if not self.playing:
                return False
            if watch_timeout is not None and time.monotonic() - self.last_seen > watch_timeout:
                self.pause({"code": "unwatched", "epoch": self.epoch})
                return False
            run = self._training_run()
            deadline = time.perf_counter() + seconds
            while self.playing and not run.done:
                now = time.perf_counter()
                if now >= deadline:
                    break
                if REQUESTS.active:
                    # Hand the interpreter to the web requests under way (a thread that
                    # asks for the GIL otherwise waits for the 5 ms switch interval).
                    time.sleep(0)
                piece = min(YIELD_EVERY, deadline - now)
                steps = run.run_steps(max(1, int(piece / self._seconds_per_step)))
                if steps:
                    spent = (time.perf_counter() - now) / steps
                    self._seconds_per_step = 0.8 * self._seconds_per_step + 0.2 * spent
            self._after_training(run)
            snap = self.snapshot
            if self._polled and (self._rendered is None or self._rendered[0] is not snap):
                self._polled = False
                self._rendered = (snap, self._view.fixed_json(snap, True))
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

    # -- the page's view ------------------------------------------------------------------------
    def _publish(self, by_training: bool = False) -> None:
        """Make the network as it is now what :meth:`state_json` shows."""
        self.revision += 1
        if not by_training:
            self._settled_revision = self.revision
        self.snapshot = Snapshot(
            revision=self.revision,
            epoch=self.epoch,
            step=self.steps,
            config=self.config,
            data=self.data,
            view_net=self._view_net,
            params=self.network.pack(),
            buffers={k: v.copy() for k, v in self.network.buffers().items()},
            metrics=dict(self._metrics),
            history=self._curve.view(),
            learning_rate=float(self._schedule.rate(self.epoch)),
        )

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
        snap, rendered = self.snapshot, None
        if self.playing:
            self._polled = True
            drawn = self._rendered
            if thumbnails and drawn is not None and drawn[0].revision >= self._settled_revision:
                # Training has moved on since the last drawing (by a slice at most: the
                # training thread draws again now): no waiting for a drawing in a poll.
                snap, rendered = drawn
        eps = self.epochs_per_second()
        live = dumps(
            {
                "playing": self.playing,
                "notice": self.notice,
                "epochs_per_s": None if eps is None else round(eps, 1),
            }
        )[:-1]
        if revision == snap.revision:
            parts = [live, b'"revision":%d,"unchanged":true' % snap.revision]
        else:
            fixed = rendered if rendered is not None else self._view.fixed_json(snap, thumbnails)
            parts = [live, fixed[1:-1]]
            if data_version != snap.data.version:
                parts.append(b'"points":' + dumps(self._view.points(snap.data)))
        if hover is not None:
            parts.append(b'"hover":' + dumps(self._view.hover(snap, *hover)))
        return b",".join(parts) + b"}"

    def state(
        self,
        thumbnails: bool = True,
        data_version: int | None = None,
        hover: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        """:meth:`state_json` as a dict."""
        return json.loads(self.state_json(thumbnails, data_version, hover))
