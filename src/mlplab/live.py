"""Live training plots: curves redrawn in place while a notebook cell trains.

:class:`LivePlot` is a callback. In a Jupyter kernel (a notebook in Jupyter, JupyterLab,
VS Code or Colab) it shows one figure under the cell and updates it as epochs end: the
training loss, the validation loss and score when there is validation data, and, on
request, the per-layer diagnostics of :class:`~mlplab.diagnostics.Diagnostics`. Anywhere
else (a terminal, a script, a terminal IPython) it is the tqdm
:class:`~mlplab.callbacks.ProgressBar`. Use it with a :class:`~mlplab.training.Trainer`
or an estimator::

    Trainer("mse", "adam", callbacks=[LivePlot()]).fit(net, X, y)
    MLPClassifier(callbacks=[LivePlot()]).fit(X, y)
    MLPClassifier(verbose="live").fit(X, y)  # the same, and the estimator can be saved

It reads only each epoch's record (and the Diagnostics' records), never the layers'
values, so the trainer keeps its fast path. A drawing costs from about 0.1 s (the loss)
to about 0.5 s (the diagnostics panels), so the figure is redrawn at most every
`interval` seconds, and after the first redraw never for more than about a tenth of the
time; not when the run would end within `interval`; and once more when training ends.
Importing this module imports neither matplotlib nor IPython: they are imported on the
first drawing.
"""

from __future__ import annotations

import base64
import io
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._validation import check_positive
from .callbacks import Callback, ProgressBar

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .callbacks import RunState
    from .diagnostics import Diagnostics

__all__ = ["LivePlot", "in_notebook"]

#: Drawing takes at most about this share of the wall time between two redraws.
DRAW_SHARE = 0.1


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel, where a figure can be shown and updated.

    True under ipykernel (Jupyter, JupyterLab, VS Code, Colab); False in a plain
    Python, a script, or a terminal IPython, which have no kernel. IPython is never
    imported for the question: a kernel has always imported it already.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _execution_count() -> int | None:
    """The number of the notebook cell being run (None outside a kernel)."""
    shell = sys.modules["IPython"].get_ipython()
    return getattr(shell, "execution_count", None)


class LivePlot(Callback):
    """Training curves redrawn in place in a notebook; a tqdm progress bar elsewhere.

    Parameters
    ----------
    diagnostics : bool or Diagnostics
        Also draw the diagnostics panels: the mean and max weight gradient per layer
        in the latest epoch (gradient flow), each layer's gradient norm over epochs,
        and the fraction of dead (ReLU family) or saturated (sigmoid/tanh family)
        hidden units over epochs. They show the records of a
        :class:`~mlplab.diagnostics.Diagnostics` callback of the same run: True finds
        it among the run's callbacks (``diagnostics=True`` on an estimator adds one),
        an instance names it.
    interval : float
        Least seconds between two redraws while training, > 0; the figure is also
        drawn once when training ends.
    score_name : str
        What the validation score is ("accuracy", "R²"), for the score panel.
    loss_name : str, optional
        What the loss is, for the loss axis.
    figsize : (float, float), optional
        Figure size in inches; by default it grows with the panels.
    on_draw : callable, optional
        Called with the :class:`~matplotlib.figure.Figure` after each redraw and
        before it is shown, e.g. to translate its labels or to mark a target loss.
    stream : file-like, optional
        Outside a notebook: where the progress bar writes (standard error by default).
    force_bar : bool
        Outside a notebook: show the bar even when `stream` is not a terminal.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The figure as last drawn in a notebook (None elsewhere, or before the first
        drawing): save it with ``live.figure.savefig(path)``.
    draws : int
        How many times the figure was drawn during the last fit.

    Notes
    -----
    One figure is shown per fit, under the cell that runs it. The restarts of
    ``n_init`` redraw the same figure, the earlier restarts' losses in grey; another
    fit of the same network in the same cell (``partial_fit`` in a loop,
    ``warm_start``, a second ``Trainer.fit``) continues its curves. A LivePlot holds
    only its settings between fits: copies (``clone``, ``deepcopy``, pickling) drop
    the figure. It cannot be saved in an estimator file, which holds data only;
    ``verbose="live"`` can.
    """

    order = 90  # after the callbacks that decide the epoch (stopping), before checkpoints
    reads_layer_values = False

    def __init__(
        self,
        *,
        diagnostics: bool | Diagnostics = False,
        interval: float = 0.5,
        score_name: str = "score",
        loss_name: str | None = None,
        figsize: tuple[float, float] | None = None,
        on_draw: Callable[[Figure], Any] | None = None,
        stream: Any = None,
        force_bar: bool = False,
    ) -> None:
        from .diagnostics import Diagnostics  # the engine's; it imports no plotting library

        if not isinstance(diagnostics, (bool, Diagnostics)):
            raise TypeError(
                "diagnostics must be True, False or a Diagnostics, got "
                f"{type(diagnostics).__name__}"
            )
        if on_draw is not None and not callable(on_draw):
            raise TypeError(f"on_draw must be callable, got {type(on_draw).__name__}")
        self.diagnostics = diagnostics
        self.interval = check_positive(interval, "interval")
        self.score_name = str(score_name)
        self.loss_name = loss_name
        self.figsize = figsize
        self.on_draw = on_draw
        self.stream = stream
        self.force_bar = bool(force_bar)
        self._clear()

    # -- state ------------------------------------------------------------------------
    def _clear(self) -> None:
        """Forget every fit: no figure, no curves (the settings stay)."""
        self.figure: Figure | None = None
        self.draws = 0
        self._bar: ProgressBar | None = None
        self._handle: Any = None
        self._network: Any = None
        self._cell: int | None = None
        self._layout: tuple[Any, bool] | None = None  # the panels, and final or not
        self._axes: dict[str, Any] = {}
        self._cols: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_score": []}
        self._past: list[list[float]] = []  # the losses of earlier restarts
        self._source: Diagnostics | None = None
        self._records: list[dict[str, Any]] = []  # diagnostics of the fits continued
        self._offset = 0  # epochs of those fits
        self._planned = 0  # the most epochs of the curves drawn
        self._next_draw = 0.0
        self._run_done = True

    def __getstate__(self) -> dict[str, Any]:
        keep = (
            "diagnostics",
            "interval",
            "score_name",
            "loss_name",
            "figsize",
            "on_draw",
            "stream",
            "force_bar",
        )
        state = {k: self.__dict__[k] for k in keep}
        if state["stream"] is not None and state["stream"] in (sys.stdout, sys.stderr):
            state["stream"] = None  # the standard streams are found again, never copied
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._clear()

    def __repr__(self) -> str:
        diagnostics = self.diagnostics if isinstance(self.diagnostics, bool) else "Diagnostics"
        return f"LivePlot(diagnostics={diagnostics}, interval={self.interval:g})"

    # -- hooks ------------------------------------------------------------------------
    def on_train_begin(self, run: RunState) -> None:
        if not in_notebook():
            self._bar = ProgressBar(self.stream, force=self.force_bar)
            self._bar.on_train_begin(run)
            return
        self._bar = None
        cell = _execution_count()
        same = cell == self._cell and run.network is self._network and self._handle is not None
        if same and run.index > 0:  # a restart of n_init: its own curves, the others grey
            self._past.append(self._cols["loss"][self._offset :])
            self._cols = {k: v[: self._offset] for k, v in self._cols.items()}
        elif not (same and self._run_done):  # a new fit: a new figure under this cell
            self._clear()
            self._cell, self._network = cell, run.network
        self._offset = len(self._cols["loss"])
        self._planned = self._offset + run.epochs
        self._run_done = False
        self._source = self._find_diagnostics(run)
        self._started = time.perf_counter()
        self._next_draw = self._started + self.interval
        self._lbfgs = bool(getattr(getattr(run, "trainer", None), "lbfgs", False))

    def on_epoch_end(self, run: RunState, logs: dict[str, float]) -> None:
        if self._bar is not None:
            self._bar.on_epoch_end(run, logs)
            return
        for key, column in self._cols.items():
            column.append(float(logs.get(key, math.nan)))
        now = time.perf_counter()
        if now >= self._next_draw and not self._ends_soon(run, now):
            self._show(run)

    def _ends_soon(self, run: RunState, now: float) -> bool:
        """Whether the run, at its pace so far, ends within `interval`: then the figure
        waits for the end (a drawing now would cost about as much as the rest)."""
        done = len(self._cols["loss"]) - self._offset
        left = run.epochs - done
        return left * (now - self._started) / max(done, 1) < self.interval

    def on_train_end(self, run: RunState) -> None:
        if self._bar is not None:
            self._bar.on_train_end(run)
            self._bar = None
            return
        self._run_done = True
        if self._cols["loss"]:
            self._show(run)
        if self._source is not None:
            self._records = self._diagnostic_records()
        self._source = None

    # -- diagnostics ------------------------------------------------------------------
    def _find_diagnostics(self, run: RunState) -> Diagnostics | None:
        from .diagnostics import Diagnostics

        if self.diagnostics is False:
            return None
        present = [cb for cb in getattr(run, "callbacks", ()) if isinstance(cb, Diagnostics)]
        if isinstance(self.diagnostics, Diagnostics):
            if present and not any(cb is self.diagnostics for cb in present):
                raise ValueError(
                    "LivePlot(diagnostics=...) names a Diagnostics that this run does not "
                    "use: pass the same object in callbacks"
                )
            return self.diagnostics
        if not present:
            raise ValueError(
                "LivePlot(diagnostics=True) draws the records of a Diagnostics callback, and "
                "this run has none: add one, e.g. callbacks=[Diagnostics(), "
                "LivePlot(diagnostics=True)], or fit an estimator with diagnostics=True"
            )
        return present[0]

    def _diagnostic_records(self) -> list[dict[str, Any]]:
        """The records of the fits continued, then this run's, epochs counted on."""
        if self._source is None:
            return self._records
        kept = [r for r in self._records if r["epoch"] < self._offset]
        shifted = [{**r, "epoch": r["epoch"] + self._offset} for r in self._source.records]
        return kept + shifted

    # -- drawing ----------------------------------------------------------------------
    def _show(self, run: RunState) -> None:
        start = time.perf_counter()
        png = self._render(run)
        from IPython.display import display

        # The PNG, and the status as the text a frontend without images shows.
        bundle = {
            "image/png": base64.b64encode(png).decode("ascii"),
            "text/plain": f"LivePlot: {self._status(run)}",
        }
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        self.draws += 1
        end = time.perf_counter()
        # Drawing takes at most about DRAW_SHARE of the time, however slow it is.
        self._next_draw = end + max(self.interval, (end - start) * (1 - DRAW_SHARE) / DRAW_SHARE)

    def _panels(self, records: list[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        from .plotting import _unit_panels_with_data

        top = ["loss"]
        if any(not math.isnan(v) for v in self._cols["val_score"]):
            top.append("score")
        bottom: list[str] = []
        if records:
            bottom = ["gradients", "norm"]
            if len({r["layer"] for r in records}) > 1:
                bottom += _unit_panels_with_data(records)
        return tuple(top), tuple(bottom)

    def _figure(self, layout: tuple[tuple[str, ...], tuple[str, ...]], final: bool) -> Figure:
        """The figure with one Axes per panel: made again only when the panels change.

        The constrained layout costs about as much as the drawing itself: the figure
        that stays (the `final` one) has it, those on the way fixed margins.
        """
        from matplotlib.figure import Figure

        key = (layout, final)
        if key == self._layout and self.figure is not None:
            for ax in self._axes.values():
                ax.cla()
            return self.figure
        top, bottom = layout
        rows = [r for r in (top, bottom) if r]
        width = max(len(r) for r in rows)
        w, h = self.figsize or (min(4.2 * width, 13.0), 3.1 * len(rows))
        fig = Figure(figsize=(w, h), layout="constrained" if final else None)
        columns = math.lcm(*(len(r) for r in rows))
        margins = {} if final else _margins(w, h, len(rows), columns)
        grid = fig.add_gridspec(len(rows), columns, **margins)
        self._axes = {}
        for i, row in enumerate(rows):
            span = columns // len(row)
            for j, panel in enumerate(row):
                self._axes[panel] = fig.add_subplot(grid[i, j * span : (j + 1) * span])
        self.figure, self._layout = fig, key
        return fig

    def _render(self, run: RunState) -> bytes:
        import numpy as np

        from . import plotting
        from .diagnostics import records_to_arrays

        records = self._diagnostic_records() if self._source is not None else self._records
        fig = self._figure(self._panels(records), self._run_done)
        x_label = "L-BFGS iteration" if self._lbfgs else "epoch"
        cols = {k: np.asarray(v) for k, v in self._cols.items() if v}
        cols = {k: v for k, v in cols.items() if np.isfinite(v).any()}
        axes = self._axes
        plotting._draw_loss(axes["loss"], cols, self.loss_name, x_label)
        if self._past:
            for k, loss in enumerate(self._past):
                x = np.arange(self._offset + 1, self._offset + len(loss) + 1)
                label = "earlier restarts" if k == 0 else None
                axes["loss"].plot(x, loss, color="0.7", linewidth=0.8, zorder=0, label=label)
            axes["loss"].legend(fontsize=8)
        if "score" in axes:
            plotting._draw_score(axes["score"], cols, self.score_name, x_label)
        if records:
            arrays = records_to_arrays(records)
            epochs, names = plotting._epochs_and_names(records)
            plotting._draw_gradient_bars(axes["gradients"], arrays, epochs, names)
            plotting._draw_gradient_norm(axes["norm"], arrays, epochs, names)
            axes["norm"].legend(fontsize=8, title="layer")
            hidden = [r for r in records if r["layer"] != max(r["layer"] for r in records)]
            for panel in ("dead", "saturated"):
                if panel in axes:
                    h_arrays = records_to_arrays(hidden)
                    h_names = plotting._epochs_and_names(hidden)[1]
                    plotting._draw_unit_fraction(axes[panel], h_arrays, epochs, h_names, panel)
            for panel in ("gradients", "norm"):
                axes[panel].grid(alpha=0.3)
        # While training, the epoch axis spans the epochs planned, so the curves grow
        # into a still frame; at the end, the epochs trained.
        done = len(self._cols["loss"])
        last = done if self._run_done else max(self._planned, done)
        for panel, ax in axes.items():
            if panel != "gradients":
                ax.set_xlim(0.5, last + 0.5)
        fig.suptitle(self._status(run), fontsize=10)
        if self.on_draw is not None:
            self.on_draw(fig)
        _fit_titles(fig)  # after on_draw: a translated title may be longer
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def _status(self, run: RunState) -> str:
        """``epoch 12/200``, and how the run ended once it has."""
        done = len(self._cols["loss"])
        text = f"epoch {done}/{max(self._planned, done)}"
        if run.index > 0:
            text = f"restart {run.index + 1}, {text}"
        history = run.history
        if self._run_done and getattr(history, "diverged", False):
            text += ", diverged"
        elif self._run_done and run.stop_reason is not None:
            text += ", stopped early"
        return text


def _margins(width: float, height: float, rows: int, columns: int) -> dict[str, float]:
    """Grid margins that leave room for the labels, in inches, without measuring text.

    Room of 1 in on the left for the tick labels of a log axis and the y label, gaps of
    1.2 in between panels side by side (tick labels and the axis label) and 1 in between
    rows (the x label, then the next panel's title, on two lines when it is long).
    """
    left, right, bottom, top = 1.0 / width, 1 - 0.15 / width, 0.55 / height, 1 - 0.55 / height
    gap_x, gap_y = 1.2, 1.0
    column = (width * (right - left) - (columns - 1) * gap_x) / columns
    row = (height * (top - bottom) - (rows - 1) * gap_y) / rows
    return {
        "left": left,
        "right": right,
        "bottom": bottom,
        "top": top,
        "wspace": gap_x / max(column, 0.1),
        "hspace": gap_y / max(row, 0.1),
    }


def _fit_titles(fig: Figure) -> None:
    """Break a panel's title before its parenthesis when it is wider than the panel.

    "saturated units (sigmoid/tanh family)" is wider than a quarter of the figure: a
    title that overflows is cut at the figure's edge or runs into its neighbour's. The
    width is estimated (about 0.55 em per character), not measured: measuring text
    costs a drawing.
    """
    width = fig.get_figwidth()
    for ax in fig.axes:
        title = ax.title
        text = title.get_text()
        if "\n" in text or " (" not in text:
            continue
        inches = 0.55 * len(text) * title.get_fontsize() / 72
        if inches > 0.95 * ax.get_position().width * width:
            head, _, tail = text.partition(" (")
            title.set_text(f"{head}\n({tail}")
