"""Plotting into axes of one's own: ``ax=`` (and ``panels=``) compose figures in a notebook.

Each function given an Axes draws there, returns it, and makes no Figure of its own;
without ``ax`` it draws what it always drew.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mlplab import datasets, plotting
from mlplab.diagnostics import Diagnostics
from mlplab.network import mlp
from mlplab.training import Trainer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    X, y = datasets.moons(120, noise=0.1, random_state=0)
    net = mlp([2, 8, 8, 1], "relu", "sigmoid", random_state=0)
    diag = Diagnostics()
    Y = y[:, None].astype(float)
    history = Trainer(
        "binary_crossentropy", "adam", learning_rate=0.02, epochs=5, callbacks=[diag]
    ).fit(net, X, Y, validation_data=(X, Y))
    return net, X, y, diag, history


def _axes(n=1):
    fig = Figure(figsize=(4 * n, 3))
    axes = fig.subplots(1, n, squeeze=False).ravel()
    return fig, list(axes)


def test_single_axes_functions_draw_where_they_are_told(trained, tmp_path):
    net, X, y, _, _ = trained
    fig, (a, b, c, d) = _axes(4)
    assert plotting.plot_decision_regions(net, X, y, resolution=30, ax=a) is a
    assert a.collections and a.get_xlabel() == "$x_1$"
    sine_X, sine_y = datasets.function("sine", 40)
    reg = mlp([1, 4, 1], "tanh", random_state=0)
    assert plotting.plot_regression_fit(reg, sine_X, sine_y, ax=b) is b
    assert len(b.lines) == 1 and len(b.collections) == 1
    assert plotting.plot_predicted_vs_true([1.0, 2.0, 3.0], [1.1, 1.9, 3.2], ax=c) is c
    assert c.get_title().startswith("test set: predicted vs true")
    path = tmp_path / "four.png"
    assert plotting.plot_confusion_matrix([0, 1, 1], [0, 1, 0], ax=d, path=path) is d
    assert [t.get_text() for t in d.texts] == ["1", "0", "1", "1"]
    # The figure is the caller's: its axes and colour bars, nothing else; the file is it.
    assert all(ax.get_figure(root=True) is fig for ax in fig.axes)
    assert len(fig.axes) == 4 + 2  # two colour bars (P(class 1), fraction of true class)
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_activations_on_one_axes_compare_them():
    fig, (ax,) = _axes()
    assert plotting.plot_activations(["relu", "tanh", "sigmoid"], ax=ax) is ax
    assert ax.get_legend_handles_labels()[1] == ["relu", "tanh", "sigmoid"]
    curves = [line for line in ax.lines if len(line.get_xdata()) == 801]
    assert len(curves) == 6  # each with its derivative, dashed, in its colour
    assert curves[0].get_color() == curves[1].get_color() != curves[2].get_color()
    assert [c.get_linestyle() for c in curves[:2]] == ["-", "--"]
    plotting.plot_activations("elu", derivative=False, ax=ax)
    assert ax.get_legend_handles_labels()[1][-1] == "elu" and len(fig.axes) == 1


def test_history_panels_go_to_the_axes_given(trained):
    *_, history = trained
    _, (ax,) = _axes()
    assert plotting.plot_history(history, ax=ax) is ax
    assert ax.get_title() == "loss" and len(ax.lines) == 2  # training and validation
    _fig, (a, b) = _axes(2)
    drawn = plotting.plot_history(history, panels=["lr", "loss"], ax=[a, b])
    assert drawn == [a, b]
    assert a.get_title() == "learning rate" and b.get_title() == "loss"
    _, (ax,) = _axes()
    scores = {"loss": [1.0, 0.5], "val_score": [0.4, 0.8]}
    plotting.plot_history(scores, panels="score", score_name="accuracy", ax=ax)
    assert ax.get_title() == "validation accuracy"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2])  # epochs from 1


def test_diagnostics_panels_go_to_the_axes_given(trained):
    *_, diag, _ = trained
    _, (ax,) = _axes()
    assert plotting.plot_gradient_flow(diag, ax=ax) is ax
    assert ax.get_title() == "weight gradients, epoch 5" and len(ax.patches) == 2 * 3
    _, axes = _axes(2)
    plotting.plot_gradient_flow(diag, panels=("norm", "update_ratio"), ax=axes)
    assert [a.get_title() for a in axes] == [
        "‖dLoss/dW‖ over epochs",
        "update / weight ratio ‖ΔW‖/‖W‖",
    ]
    _fig, (ax,) = _axes()
    assert plotting.plot_unit_health(diag, ax=ax) is ax  # relu layers: the dead units
    assert ax.get_title() == "dead units (ReLU family)" and len(ax.lines) == 2
    _, (ax,) = _axes()
    plotting.plot_unit_health(diag.records, panels="saturated", ax=ax)
    assert ax.texts[0].get_text() == "no hidden layer of this family"


def test_defaults_are_unchanged(trained):
    net, X, y, diag, history = trained
    assert isinstance(plotting.plot_history(history), Figure)
    assert len(plotting.plot_history(history).axes) == 2  # loss and learning rate
    assert len(plotting.plot_gradient_flow(diag).axes) == 3
    assert len(plotting.plot_unit_health(diag).axes) == 2
    assert len(plotting.plot_activations(["relu", "tanh"]).axes) == 2
    assert isinstance(plotting.plot_decision_regions(net, X, y, resolution=20), Figure)


def test_wrong_axes_and_panels_are_refused(trained):
    *_, diag, history = trained
    fig, (a, b) = _axes(2)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.plot_confusion_matrix([0], [0], ax=fig)
    with pytest.raises(ValueError, match=r"one Axes per panel drawn \(2: loss, lr\), got 1"):
        plotting.plot_history(history, ax=[a])
    with pytest.raises(ValueError, match="panels: 'grads' is not one of"):
        plotting.plot_gradient_flow(diag, panels="grads")
    with pytest.raises(ValueError, match="no values for the 'score' panel"):
        plotting.plot_history(history, panels="score")
    with pytest.raises(TypeError, match="Axes or a sequence"):
        plotting.plot_unit_health(diag, ax=3)
    assert not a.lines and not b.lines  # nothing was drawn on the way


def test_axes_from_pyplot_work_too(trained):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net, X, y, _, history = trained
    fig, (left, right) = plt.subplots(1, 2)
    try:
        plotting.plot_decision_regions(net, X, y, resolution=20, ax=left)
        plotting.plot_history(history, ax=right)
        assert isinstance(left, Axes) and right.get_title() == "loss"
    finally:
        plt.close(fig)
