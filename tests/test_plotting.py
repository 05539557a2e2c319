"""Plotting: every function returns a Figure and writes PNG and SVG files."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlplab import datasets, plotting
from mlplab.diagnostics import Diagnostics
from mlplab.network import mlp
from mlplab.training import Trainer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _check_saves(make, tmp_path, name):
    """`make(path)` returns a Figure and writes a valid PNG and an SVG file."""
    png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
    fig = make(png)
    assert isinstance(fig, Figure)
    data = png.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1024
    assert isinstance(make(svg), Figure)
    text = svg.read_text()
    assert "<svg" in text and len(text) > 1024
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), "temporary file left"
    return fig


@pytest.fixture(scope="module")
def trained():
    X, y = datasets.moons(120, noise=0.1, random_state=0)
    net = mlp([2, 8, 8, 1], "relu", "sigmoid", random_state=0)
    diag = Diagnostics()
    history = Trainer(
        "binary_crossentropy",
        "adam",
        learning_rate=0.02,
        epochs=6,
        batch_size=32,
        callbacks=[diag],
        random_state=0,
    ).fit(net, X, y[:, None].astype(float), validation_data=(X, y[:, None].astype(float)))
    return net, X, y, diag, history


def test_plot_activations(tmp_path):
    fig = _check_saves(
        lambda p: plotting.plot_activations(["relu", "tanh", "sigmoid"], path=p), tmp_path, "act"
    )
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    assert len(fig.axes[0].lines) >= 2  # function and derivative
    assert isinstance(plotting.plot_activations(derivative=False), Figure)  # whole catalog
    with pytest.raises(ValueError, match="names"):
        plotting.plot_activations(["softmax"])


def test_plot_history_from_history_dict_and_estimator(tmp_path, trained):
    _, _, _, _, history = trained
    fig = _check_saves(lambda p: plotting.plot_history(history, path=p), tmp_path, "hist")
    assert len(fig.axes[0].lines) == 2  # training and validation loss
    fig = plotting.plot_history({"loss": [1.0, 0.5, 0.3], "val_score": [0.5, 0.7, 0.8]})
    assert len(fig.axes) == 2

    class Estimator:
        loss_curve_ = (1.0, 0.6, 0.4)
        validation_scores_ = (0.6, 0.7, 0.9)

    assert len(plotting.plot_history(Estimator()).axes) == 2
    with pytest.raises(TypeError, match="history"):
        plotting.plot_history(object())


def test_plot_decision_regions(tmp_path, trained):
    net, X, y, _, _ = trained
    _check_saves(
        lambda p: plotting.plot_decision_regions(net, X, y, path=p, resolution=60), tmp_path, "dr"
    )
    from sklearn.linear_model import LogisticRegression

    Xs, ys = datasets.gaussians(90, n_classes=3, random_state=0)
    clf = LogisticRegression().fit(Xs, ys)
    assert isinstance(plotting.plot_decision_regions(clf, Xs, ys, resolution=40), Figure)

    class Labeller:  # predict only
        def predict(self, Z):
            return (Z[:, 0] > 0).astype(int)

    assert isinstance(plotting.plot_decision_regions(Labeller(), X, y, resolution=30), Figure)
    with pytest.raises(ValueError, match="X"):
        plotting.plot_decision_regions(net, np.ones((5, 3)), np.zeros(5))


def test_plot_regression_fit(tmp_path):
    X, y = datasets.function("sine", 60)
    net = mlp([1, 8, 1], "tanh", random_state=0)
    Trainer("mse", "adam", epochs=3, random_state=0).fit(net, X, y[:, None])
    fig = _check_saves(lambda p: plotting.plot_regression_fit(net, X, y, path=p), tmp_path, "fit")
    assert len(fig.axes[0].lines) == 1 and len(fig.axes[0].collections) == 1


def test_diagnostic_plots(tmp_path, trained):
    net, X, _, diag, _ = trained
    fig = _check_saves(lambda p: plotting.plot_gradient_flow(diag, path=p), tmp_path, "flow")
    assert len(fig.axes[0].patches) == 2 * 3  # two bars per Dense layer
    assert isinstance(plotting.plot_gradient_flow(diag.records), Figure)
    fig = _check_saves(lambda p: plotting.plot_unit_health(diag, path=p), tmp_path, "health")
    assert len(fig.axes[0].lines) == 2  # the two relu layers
    fig = _check_saves(lambda p: plotting.plot_layer_histograms(net, X, path=p), tmp_path, "layers")
    assert len(fig.axes) == 2 * 3
    with pytest.raises(ValueError, match="records"):
        plotting.plot_unit_health([])


def test_plot_confusion_matrix(tmp_path):
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    fig = _check_saves(
        lambda p: plotting.plot_confusion_matrix(y_true, y_pred, path=p), tmp_path, "cm"
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["1", "1", "0"] and texts[-1] == "2"
    fig = plotting.plot_confusion_matrix(["a", "b"], ["b", "b"], labels=["b", "a"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["1", "0", "1", "0"]


@pytest.mark.parametrize("bad", ["out.jpg", "out", "out.pdf"])
def test_bad_extension_raises(tmp_path, bad):
    with pytest.raises(ValueError, match="path"):
        plotting.plot_activations(["relu"], path=tmp_path / bad)
    with pytest.raises(ValueError, match="path"):
        plotting.plot_confusion_matrix([0, 1], [0, 1], path=tmp_path / bad)
    assert not any(tmp_path.iterdir())
