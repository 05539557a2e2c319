"""LivePlot: one figure updated in place in a Jupyter kernel, a tqdm bar elsewhere.

The kernel tests run a small notebook through nbclient on a fresh ipykernel of this
interpreter and read the messages the kernel sent: each training cell must show one
display, updated in place (``update_display_data`` with the same display id), holding a
PNG. The other tests run in this process: as a terminal (the progress bar), and as a
notebook with IPython's ``display`` replaced by a recorder.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import pickle
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

import mlplab
from mlplab import MLPClassifier, MLPRegressor, live
from mlplab.diagnostics import Diagnostics
from mlplab.layers import Activation
from mlplab.live import LivePlot
from mlplab.network import mlp
from mlplab.training import Trainer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
SRC = str(Path(mlplab.__file__).resolve().parents[1])
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _moons(n=200):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    return X, y


def _accuracy(y_true, out):
    return float(np.mean((out > 0.5) == (y_true > 0.5)))


# -- in a real Jupyter kernel --------------------------------------------------------------
KERNEL_CELLS = [
    # 0: data
    """
    import warnings

    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler
    from mlplab import MLPClassifier
    from mlplab.diagnostics import Diagnostics
    from mlplab.live import LivePlot, in_notebook
    from mlplab.network import mlp
    from mlplab.training import Trainer

    import time

    from mlplab.callbacks import Callback

    class Paced(Callback):
        # The compiled kernels train iris in milliseconds: a few per epoch make a fit
        # outlast LivePlot's first redraw, so that the cells below test in-place updates.
        reads_layer_values = False

        def on_epoch_end(self, run, logs):
            time.sleep(0.005)

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = np.eye(3)[y]
    warnings.simplefilter("ignore")  # max_iter is reached: these fits are short
    print(in_notebook())
    """,
    # 1: the Trainer, with validation data and a score
    """
    live = LivePlot(interval=0.01)
    net = mlp([4, 16, 3], "relu", "softmax", random_state=0)
    trainer = Trainer(
        "categorical_crossentropy", "adam", learning_rate=0.01, epochs=60, batch_size=8,
        callbacks=[live, Paced()], random_state=0,
        metric=lambda t, o: float(np.mean(t.argmax(1) == o.argmax(1))),
    )
    trainer.fit(net, X, Y, validation_data=(X, Y))
    print(live.draws, trainer.last_run.plan.step.inplace_activations)
    """,
    # 2: an estimator's fit, with a LivePlot in its callbacks
    """
    clf = MLPClassifier((16,), max_iter=60, batch_size=8,
                        callbacks=[LivePlot(interval=0.01), Paced()], random_state=0)
    clf.fit(X, y)
    print(clf.callbacks[0].draws)
    """,
    # 3: verbose="live" with the diagnostics panels
    """
    clf = MLPClassifier((16, 8), max_iter=40, batch_size=8, verbose="live", diagnostics=True,
                        random_state=0)
    clf.fit(X, y)
    print(len(clf.diagnostics_) > 0)
    """,
    # 4: the estimator's notebook representation
    """
    clf
    """,
]


class _RecordingClient:
    """Runs a notebook and keeps every iopub message of each cell, by cell index."""

    def __init__(self) -> None:
        import importlib.util

        spec = importlib.util.spec_from_file_location("notebook_build", ROOT / "notebooks/build.py")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        self.build = build

    def run(self, sources: list[str], cwd: Path):
        from nbclient import NotebookClient

        messages: dict[int, list[dict]] = {}

        class Client(NotebookClient):
            def process_message(self, msg, cell, cell_index):
                messages.setdefault(cell_index, []).append(msg)
                return super().process_message(msg, cell, cell_index)

        cells = [nbformat.v4.new_code_cell(textwrap.dedent(s).strip()) for s in sources]
        nb = nbformat.v4.new_notebook(cells=cells)
        Client(
            nb,
            timeout=120,
            kernel_name="python3",
            kernel_manager_class=self.build.NativeKernelManager,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()
        return nb, messages


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory):
    return _RecordingClient().run(KERNEL_CELLS, tmp_path_factory.mktemp("kernel"))


def _check_one_updated_display(nb, messages, index, updated=True):
    """The cell shows one display with a PNG, updated in place at least once."""
    cell = nb.cells[index]
    assert not [o for o in cell.outputs if o.output_type == "error"]
    displays = [o for o in cell.outputs if o.output_type == "display_data"]
    assert len(displays) == 1, [o.output_type for o in cell.outputs]
    png = base64.b64decode(displays[0].data["image/png"])
    assert png.startswith(PNG_MAGIC) and len(png) > 5000
    assert displays[0].data["text/plain"].startswith("LivePlot: epoch ")
    shown = [m for m in messages[index] if m["msg_type"] == "display_data"]
    updates = [m for m in messages[index] if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and (len(updates) >= 1 or not updated)
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert {m["content"]["transient"]["display_id"] for m in updates} <= {display_id}
    assert all("image/png" in m["content"]["data"] for m in updates)
    return displays[0]


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.get("name") == "stdout")


def test_the_kernel_is_seen_as_a_notebook(kernel_run):
    nb, _ = kernel_run
    assert _stdout(nb.cells[0]).strip() == "True"


def test_trainer_fit_updates_one_display_and_keeps_the_fast_path(kernel_run):
    nb, messages = kernel_run
    shown = _check_one_updated_display(nb, messages, 1)
    assert shown.data["text/plain"] == "LivePlot: epoch 60/60"
    draws, inplace = _stdout(nb.cells[1]).split()
    assert int(draws) >= 2 and inplace == "True"


def test_estimator_fit_updates_one_display(kernel_run):
    nb, messages = kernel_run
    _check_one_updated_display(nb, messages, 2)
    assert int(_stdout(nb.cells[2])) >= 2


def test_verbose_live_draws_the_diagnostics_too(kernel_run):
    nb, messages = kernel_run
    # verbose="live" redraws every 0.5 s at most: this short fit may draw only at its end.
    shown = _check_one_updated_display(nb, messages, 3, updated=False)
    assert shown.data["text/plain"] == "LivePlot: epoch 40/40"
    assert _stdout(nb.cells[3]).strip() == "True"
    # no scikit-learn lines: "live" plots instead of printing
    assert "Iteration" not in _stdout(nb.cells[3])


def test_estimator_shows_its_network_under_the_diagram(kernel_run):
    nb, _ = kernel_run
    result = [o for o in nb.cells[4].outputs if o.output_type == "execute_result"]
    html = result[0].data["text/html"]
    assert "sk-top-container" in html  # scikit-learn's own diagram is still there
    assert html.index("sk-top-container") < html.index("mlplab-network")
    for name in ("dense_0", "dense_1", "dense_2", "softmax"):
        assert name in html
    # (4 + 1)·16 + (16 + 1)·8 + (8 + 1)·3 = 80 + 136 + 27
    assert ">80<" in html and ">136<" in html and ">27<" in html
    assert "243 trainable parameters" in html


# -- in a terminal or a script ----------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_outside_a_notebook_it_is_the_progress_bar():
    assert not live.in_notebook()
    stream = _Terminal()
    plot = LivePlot(stream=stream)
    X, y = _moons()
    Trainer("binary_crossentropy", "adam", epochs=7, callbacks=[plot], random_state=0).fit(
        mlp([2, 8, 1], "relu", "sigmoid", random_state=0), X, y
    )
    text = stream.getvalue()
    assert "0/7" in text and "epoch/s" in text  # tqdm's bar over the 7 epochs
    assert plot.figure is None and plot.draws == 0


def test_a_script_without_a_terminal_prints_nothing(capsys):
    plot = LivePlot(stream=io.StringIO())
    X, y = _moons()
    MLPClassifier((4,), max_iter=3, callbacks=[plot], random_state=0).fit(X, y.ravel())
    assert plot.stream.getvalue() == "" and capsys.readouterr().out == ""


def test_verbose_live_outside_a_notebook_prints_no_lines(iris, capsys):
    X, y = iris
    MLPClassifier((4,), max_iter=3, verbose="live", random_state=0).fit(X, y)
    assert "Iteration" not in capsys.readouterr().out
    MLPClassifier((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert "Iteration 3" in capsys.readouterr().out  # scikit-learn's lines are unchanged


def test_terminal_ipython_is_not_a_notebook(monkeypatch):
    class TerminalShell:  # a terminal IPython: a shell, no kernel
        execution_count = 3

    class KernelShell(TerminalShell):
        kernel = object()

    for shell, expected in ((None, False), (TerminalShell(), False), (KernelShell(), True)):
        fake = types.SimpleNamespace(get_ipython=lambda shell=shell: shell)
        monkeypatch.setitem(sys.modules, "IPython", fake)
        assert live.in_notebook() is expected
    monkeypatch.delitem(sys.modules, "IPython")
    assert live.in_notebook() is False  # and IPython is not imported to find out
    assert "IPython" not in sys.modules


def test_importing_it_loads_neither_matplotlib_nor_ipython():
    code = "import mlplab.live, mlplab.callbacks, sys; print(sorted(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
    ).stdout
    loaded = {m.strip("'[], ").split(".")[0] for m in out.split(",")}
    assert "mlplab" in loaded
    assert not loaded & {"matplotlib", "IPython", "sklearn"}


# -- as a notebook, in this process ------------------------------------------------------------
class _Display:
    """Stands for IPython.display.display: records what is shown and updated."""

    def __init__(self) -> None:
        self.shown: list[dict] = []
        self.updates: list[dict] = []

    def __call__(self, obj, *, raw=False, display_id=None):
        assert raw and display_id is True
        self.shown.append(obj)
        recorder = self

        class Handle:
            def update(self, obj, *, raw=False):
                assert raw
                recorder.updates.append(obj)

        return Handle()


@pytest.fixture
def notebook(monkeypatch):
    import IPython.display

    recorder = _Display()
    cell = types.SimpleNamespace(count=1)
    monkeypatch.setattr(live, "in_notebook", lambda: True)
    monkeypatch.setattr(live, "_execution_count", lambda: cell.count)
    monkeypatch.setattr(IPython.display, "display", recorder)
    recorder.cell = cell
    return recorder


def _png(bundle):
    return base64.b64decode(bundle["image/png"])


def test_a_fit_draws_once_at_the_end_when_it_is_quicker_than_the_interval(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=60)
    MLPClassifier((8,), max_iter=20, callbacks=[plot], random_state=0).fit(X, y)
    assert len(notebook.shown) == 1 and notebook.updates == [] and plot.draws == 1
    assert _png(notebook.shown[0]).startswith(PNG_MAGIC)
    assert notebook.shown[0]["text/plain"] == "LivePlot: epoch 20/20"
    ax = plot.figure.axes[0]
    assert ax.get_title() == "loss" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 21))  # epochs from 1


def test_panels_follow_what_the_run_records(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=60, score_name="accuracy")
    clf = MLPClassifier((8,), max_iter=15, callbacks=[plot], random_state=0)
    clf.fit(X, y, validation_data=(X, y))
    titles = [ax.get_title() for ax in plot.figure.axes]
    assert titles == ["loss", "validation accuracy"]
    assert [line.get_label() for line in plot.figure.axes[0].lines] == ["training", "validation"]
    np.testing.assert_allclose(plot.figure.axes[0].lines[1].get_ydata(), clf.validation_loss_curve_)
    np.testing.assert_allclose(plot.figure.axes[1].lines[0].get_ydata(), clf.validation_scores_)


def test_diagnostics_panels_read_the_runs_diagnostics(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=60, diagnostics=True)
    clf = MLPClassifier((8, 8), activation=["relu", "tanh"], max_iter=6, diagnostics=True)
    clf.set_params(callbacks=[plot], random_state=0).fit(X, y)
    titles = [ax.get_title() for ax in plot.figure.axes]
    assert titles == [
        "loss",
        "weight gradients, epoch 6",
        "‖dLoss/dW‖ over epochs",
        "dead units (ReLU family)",
        "saturated units\n(sigmoid/tanh family)",  # broken: wider than its panel
    ]
    bars = plot.figure.axes[1].patches
    assert len(bars) == 2 * 3  # max and mean |g| of three Dense layers
    last = [r for r in clf.diagnostics_ if r["epoch"] == 5]
    np.testing.assert_allclose(
        [b.get_height() for b in bars[3:]], [r["grad_mean_abs"] for r in last]
    )
    # A Diagnostics passed by name is the one drawn; without one there is nothing to draw.
    diag = Diagnostics()
    named = LivePlot(interval=60, diagnostics=diag)
    Trainer("mse", epochs=3, callbacks=[diag, named], random_state=0).fit(
        mlp([4, 5, 1], random_state=0), X, y[:, None].astype(float)
    )
    assert named.figure.axes[1].get_title() == "weight gradients, epoch 3"
    with pytest.raises(ValueError, match="Diagnostics"):
        Trainer("mse", epochs=3, callbacks=[LivePlot(diagnostics=True)]).fit(
            mlp([4, 5, 1], random_state=0), X, y[:, None].astype(float)
        )


def test_restarts_redraw_the_same_figure(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=60)
    Y = np.eye(3)[y]
    Trainer("categorical_crossentropy", epochs=5, callbacks=[plot], random_state=0).fit(
        mlp([4, 6, 3], "relu", "softmax", random_state=0), X, Y, n_init=3
    )
    assert len(notebook.shown) == 1 and len(notebook.updates) == 2  # one figure, 3 drawings
    assert notebook.updates[-1]["text/plain"] == "LivePlot: restart 3, epoch 5/5"
    labels = [line.get_label() for line in plot.figure.axes[0].lines]
    assert labels.count("training") == 1 and "earlier restarts" in labels
    assert len(plot.figure.axes[0].lines) == 3


def test_continued_fits_in_one_cell_continue_the_curves(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=60)
    clf = MLPClassifier((8,), callbacks=[plot], random_state=0)
    for _ in range(4):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert len(notebook.shown) == 1 and len(notebook.updates) == 3
    (line,) = plot.figure.axes[0].lines
    np.testing.assert_allclose(line.get_ydata(), clf.loss_curve_)
    # The next cell, or another network, gets a figure of its own.
    notebook.cell.count += 1
    clf.partial_fit(X, y)
    clf2 = clone(clf).set_params(callbacks=[plot]).fit(X, y)
    assert len(notebook.shown) == 3
    assert len(plot.figure.axes[0].lines[0].get_ydata()) == clf2.n_iter_


def test_on_draw_sees_the_figure_before_it_is_shown(notebook, iris):
    X, y = iris
    seen = []

    def translate(fig):
        seen.append(fig)
        fig.axes[0].set_title("perda")

    plot = LivePlot(interval=60, on_draw=translate)
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, callbacks=[plot], random_state=0).fit(X, y)
    assert seen == [plot.figure] and plot.figure.axes[0].get_title() == "perda"


class _Clock:
    """Stands for the time module in mlplab.live: each epoch takes `step` seconds."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def perf_counter(self) -> float:
        return self.now


class _Tick(mlplab.callbacks.Callback):
    order = 0  # before the LivePlot: the epoch has taken its time when it draws

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    def on_epoch_end(self, run, logs):
        self.clock.now += self.clock.step


def test_redraws_every_interval_but_not_just_before_the_end(notebook, monkeypatch):
    # 40 epochs of 1/8 s, redraws every 1.5 s: at epochs 12 and 24; at epoch 36 the
    # rest takes 0.5 s, less than the interval, so the figure waits for the end.
    clock = _Clock(0.125)
    monkeypatch.setattr(live, "time", clock)
    plot = LivePlot(interval=1.5)
    X = np.linspace(-1, 1, 32).reshape(-1, 1)
    Trainer("mse", "sgd", epochs=40, callbacks=[_Tick(clock), plot], random_state=0).fit(
        mlp([1, 4, 1], "tanh", random_state=0), X, X**2
    )
    statuses = [b["text/plain"] for b in notebook.shown + notebook.updates]
    assert statuses == [f"LivePlot: epoch {k}/40" for k in (12, 24, 40)]
    assert plot.draws == 3


def test_a_title_wider_than_its_panel_is_broken_before_its_parenthesis(notebook, iris):
    X, y = iris
    plot = LivePlot(diagnostics=True, interval=60)
    MLPClassifier(
        (8, 8), activation=["relu", "tanh"], max_iter=3, diagnostics=True, callbacks=[plot]
    ).fit(X, y)
    titles = [ax.get_title() for ax in plot.figure.axes]
    assert "saturated units\n(sigmoid/tanh family)" in titles
    assert "dead units (ReLU family)" in titles  # it fits: left as it is
    assert "loss" in titles


def test_the_fast_path_is_kept(monkeypatch, iris):
    X, y = iris
    calls = []
    original = Activation._forward_train_inplace

    def counting(self, x):
        calls.append(1)
        return original(self, x)

    monkeypatch.setattr(Activation, "_forward_train_inplace", counting)
    # Counted on the NumPy fast path: with the compiled kernels on, a fused kernel does the
    # in-place activation instead (the plan's flag, checked last, is the same either way).
    monkeypatch.setenv("MLPLAB_JIT", "0")
    # 150 rows in batches of 50: 3 steps an epoch, one hidden activation after a Dense.
    MLPClassifier((5,), batch_size=50, max_iter=4, callbacks=[LivePlot()], random_state=0).fit(X, y)
    assert len(calls) == 4 * 3
    calls.clear()
    MLPClassifier((5,), batch_size=50, max_iter=4, verbose="live", random_state=0).fit(X, y)
    assert len(calls) == 4 * 3
    calls.clear()
    trainer = Trainer("categorical_crossentropy", epochs=2, batch_size=50, callbacks=[LivePlot()])
    trainer.fit(mlp([4, 5, 3], "relu", "softmax", random_state=0), X, np.eye(3)[y])
    assert len(calls) == 2 * 3 and trainer.last_run.plan.step.inplace_activations
    monkeypatch.delenv("MLPLAB_JIT")
    trainer.fit(mlp([4, 5, 3], "relu", "softmax", random_state=0), X, np.eye(3)[y])
    assert trainer.last_run.plan.step.inplace_activations


def test_the_same_weights_with_and_without_it(notebook, iris):
    X, y = iris
    a = MLPClassifier((6,), max_iter=8, random_state=0).fit(X, y)
    b = MLPClassifier((6,), max_iter=8, callbacks=[LivePlot(interval=1e-3)], random_state=0)
    b.fit(X, y)
    for wa, wb in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_array_equal(wa, wb)


# -- copies, files, parameters -----------------------------------------------------------------
def test_copies_keep_the_settings_and_drop_the_figure(notebook, iris):
    X, y = iris
    plot = LivePlot(interval=2.0, score_name="accuracy", diagnostics=True)
    MLPClassifier((4,), max_iter=3, diagnostics=True, callbacks=[plot]).fit(X, y)
    assert plot.figure is not None
    for other in (copy.deepcopy(plot), pickle.loads(pickle.dumps(plot))):
        assert other.figure is None and other.draws == 0
        assert (other.interval, other.score_name, other.diagnostics) == (2.0, "accuracy", True)
    est = clone(MLPClassifier(callbacks=[plot]))
    assert est.callbacks[0] is not plot and est.callbacks[0].figure is None
    assert repr(plot) == "LivePlot(diagnostics=True, interval=2)"


def test_saving_an_estimator_with_a_liveplot_names_the_parameter(tmp_path, iris):
    X, y = iris
    est = MLPClassifier((4,), max_iter=3, callbacks=[LivePlot()], random_state=0).fit(X, y)
    with pytest.raises(TypeError, match=r"callbacks=\[LivePlot\(.*set_params\(callbacks=None\)"):
        est.save(tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []
    # verbose="live" is data: it is saved and comes back.
    est = MLPClassifier((4,), max_iter=3, verbose="live", random_state=0).fit(X, y)
    again = mlplab.load(est.save(tmp_path / "live.npz"))
    assert again.verbose == "live"
    np.testing.assert_array_equal(again.predict(X), est.predict(X))


def test_bad_settings_are_refused(iris):
    X, y = iris
    with pytest.raises(InvalidParameterError, match="verbose"):
        MLPClassifier(verbose="loud").fit(X, y)
    with pytest.raises(ValueError, match="interval"):
        LivePlot(interval=0)
    with pytest.raises(TypeError, match="diagnostics"):
        LivePlot(diagnostics="yes")
    with pytest.raises(TypeError, match="on_draw"):
        LivePlot(on_draw="tr")
