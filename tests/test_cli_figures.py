"""The figures of a training run read on their own: titles, labelled axes, epochs from 1."""

from __future__ import annotations

import numpy as np
import pytest

from mlplab import plotting
from mlplab.diagnostics import Diagnostics
from mlplab.network import mlp
from mlplab.training import Trainer


@pytest.fixture(scope="module")
def diagnostics():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, :1] > 0).astype(float)
    diag = Diagnostics()
    net = mlp([3, 6, 5, 1], "relu", "sigmoid", random_state=0)
    Trainer("binary_crossentropy", "adam", epochs=4, callbacks=[diag], random_state=0).fit(
        net, X, y
    )
    return diag


def test_training_curves_are_labelled_and_count_epochs_from_one():
    curves = {"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.5], "val_score": [0.5, 0.7, 0.8]}
    fig = plotting.plot_history(curves, score_name="accuracy", loss_name="log-loss")
    loss_ax, score_ax = fig.axes
    assert score_ax.get_ylabel() == "validation accuracy"
    assert score_ax.get_title() == "validation accuracy"
    assert loss_ax.get_ylabel() == "loss (log-loss)" and loss_ax.get_title() == "loss"
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    assert list(loss_ax.lines[0].get_xdata()) == [1, 2, 3]
    fig = plotting.plot_history({"loss": [3.0, 2.0]}, x_label="L-BFGS iteration")
    assert fig.axes[0].get_xlabel() == "L-BFGS iteration"


def test_predicted_vs_true(tmp_path):
    y = np.linspace(25, 346, 50)
    fig = plotting.plot_predicted_vs_true(y, y + 10, "progression", path=tmp_path / "p.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "true progression" and ax.get_ylabel() == "predicted progression"
    assert "R²" in ax.get_title() and "predicted vs true" in ax.get_title()
    assert "prediction = truth" in [line.get_label() for line in ax.lines]
    assert (tmp_path / "p.png").stat().st_size > 2000
    with pytest.raises(ValueError, match="same"):
        plotting.plot_predicted_vs_true([1, 2], [1])


def test_unit_health_shows_hidden_layers_only(diagnostics):
    fig = plotting.plot_unit_health(diagnostics)
    dead, saturated = fig.axes
    assert len(dead.lines) == 2  # the two relu hidden layers
    assert len(saturated.lines) == 0  # the sigmoid output layer is not a hidden unit
    assert min(dead.lines[0].get_xdata()) == 1  # epochs from 1


def test_gradient_flow_threshold_is_labelled(diagnostics):
    fig = plotting.plot_gradient_flow(diagnostics)
    bars, norms, ratio = fig.axes
    labels = [line.get_label() for line in ratio.lines]
    assert any("1e-3" in label for label in labels)
    assert ratio.get_ylabel() and norms.get_ylabel() and bars.get_ylabel()
    assert min(norms.lines[0].get_xdata()) == 1
    assert bars.get_title().endswith("epoch 4")
