"""Network summaries: the table of layers, widths and parameter counts, as text and HTML.

Counts are checked against the arrays themselves (``network.n_params``, each layer's
``params``), and the estimators' notebook representation against scikit-learn's own.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.utils import estimator_html_repr

from mlplab import MLPClassifier, MLPRegressor
from mlplab.layers import Activation, BatchNorm, Dense, Dropout, SimpleRNN
from mlplab.network import Sequential, mlp
from mlplab.summary import NetworkSummary

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _networks():
    return [
        mlp([4, 8, 3], "relu", "softmax", random_state=0),
        mlp([5, 16, 8, 1], ["elu", "tanh"], batch_norm=True, dropout=0.2, random_state=0),
        mlp([3, 4, 2], "leaky_relu", "sigmoid", dtype=np.float32, random_state=0),
        Sequential([SimpleRNN(6), Dense(2)], n_inputs=3),
    ]


@pytest.mark.parametrize("network", _networks(), ids=lambda n: str(len(n.layers)))
def test_counts_are_the_networks_own(network):
    summary = network.summary()
    assert isinstance(summary, NetworkSummary)
    assert summary.n_params == network.n_params
    assert len(summary.rows) == len(network.layers)
    for row, layer in zip(summary.rows, network.layers, strict=True):
        assert row.n_params == sum(p.size for p in layer.params)
        assert row.n_buffers == sum(b.size for b in layer.buffers().values())
        assert row.output == layer.n_out
        assert row.kind == type(layer).__name__
    assert summary.n_buffers == sum(b.size for b in network.buffers().values())
    assert summary.dtype == str(np.dtype(network.dtype))
    assert summary.n_inputs == network.n_inputs and summary.n_outputs == network.n_outputs


def test_text_names_every_layer_and_its_count():
    net = mlp([64, 32, 10], "relu", "softmax", batch_norm=True, random_state=0)
    text = str(net.summary())
    assert text == repr(net.summary()) == net.summary().to_text()
    lines = text.splitlines()
    assert lines[0] == "Sequential: 64 → 32 → 10 · 2,474 parameters · float64"
    dense_0 = next(line for line in lines if line.split()[1:2] == ["dense_0"])
    # (64 + 1)·32 = 2080 weights and biases
    assert dense_0.split()[:5] == ["0", "dense_0", "Dense", "32", "2,080"]
    assert "W (64, 32), b (32,)" in dense_0
    softmax = next(line for line in lines if " softmax " in line)
    assert softmax.endswith("output activation")
    assert "Total: 2,474 trainable parameters, 64 non-trainable values" in text
    assert 2080 + 64 + (32 + 1) * 10 == net.n_params == 2474


def test_identity_output_and_activation_settings_are_said():
    from mlplab import activations

    net = mlp([3, 4, 1], activations.get("leaky_relu", negative_slope=0.2), random_state=0)
    names = [row.name for row in net.summary().rows]
    assert names == ["dense_0", "leaky_relu(negative_slope=0.2)", "dense_1"]
    assert net.summary().rows[-1].details.endswith("output, no activation (identity)")
    # Default settings are not repeated.
    assert mlp([3, 4, 1], "elu").summary().rows[1].name == "elu"


def test_an_unbuilt_network_shows_what_it_can():
    net = Sequential([Dense(8), BatchNorm(), Activation("relu"), Dropout(0.5), Dense(2)])
    summary = net.summary()
    assert [r.n_params for r in summary.rows] == [None, 16, 0, 0, 18]
    assert summary.n_params is None and summary.widths == [None, 8, 2]
    text = summary.to_text()
    assert "W (?, 8)" in text and "parameters known once built" in text
    assert "build(n_inputs)" in text
    net.build(5)
    assert net.summary().n_params == net.n_params == 6 * 8 + 16 + 9 * 2


def test_html_is_a_table_with_the_counts():
    net = mlp([4, 8, 3], "relu", "softmax", random_state=0)
    html = net._repr_html_()
    assert html == net.summary().to_html() == net.summary()._repr_html_()
    assert html.startswith('<div class="mlplab-network"') and "<table" in html
    assert html.count("<tr>") == 1 + len(net.layers) + 1  # header, layers, total
    for text in ("dense_0", "dense_1", "relu", "softmax", ">40<", ">27<", "67 trainable"):
        assert text in html


def test_html_escapes_what_it_shows():
    from mlplab.summary import LayerRow

    summary = NetworkSummary("<b>net</b>", (LayerRow(0, "a<b", "X&Y", 1, 1),), 1, 1, "float64")
    html = summary.to_html()
    assert "<b>net</b>" not in html and "&lt;b&gt;net&lt;/b&gt;" in html
    assert "a&lt;b" in html and "X&amp;Y" in html


# -- estimators -------------------------------------------------------------------------------
def test_fitted_estimator_summary_is_its_network(iris):
    X, y = iris
    clf = MLPClassifier((16, 8), activation=["relu", "tanh"], max_iter=5, random_state=0)
    clf.fit(X, y)
    summary = clf.summary()
    assert summary.title == "MLPClassifier"
    assert summary.n_params == clf.network_.n_params
    assert summary.n_params == sum(
        w.size + b.size for w, b in zip(clf.coefs_, clf.intercepts_, strict=True)
    )
    assert [r.name for r in summary.rows] == [
        "dense_0",
        "relu",
        "dense_1",
        "tanh",
        "dense_2",
        "softmax",
    ]
    assert summary.widths == [4, 16, 8, 3]
    assert "loss categorical_crossentropy, solver adam; trained 5 epochs" in summary.notes
    lbfgs = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=4, random_state=0)
    notes = lbfgs.fit(X, y).summary().notes[0]
    assert notes.startswith("loss squared_error, solver lbfgs; trained ")
    assert "L-BFGS iteration" in notes


def test_unfitted_estimator_shows_the_planned_network():
    clf = MLPClassifier((16, 8), activation="tanh", batch_norm=True, dropout=[0.1, 0.0])
    summary = clf.summary()
    assert summary.title == "MLPClassifier (not fitted)"
    kinds = [r.kind for r in summary.rows]
    hidden_0 = ["Dense", "BatchNorm", "Activation", "Dropout"]  # dropout 0.1
    hidden_1 = ["Dense", "BatchNorm", "Activation"]  # dropout 0: no layer
    assert kinds == [*hidden_0, *hidden_1, "Dense", "Activation"]
    counts = [r.n_params for r in summary.rows]
    assert counts[0] is None and counts[4] == (16 + 1) * 8 and counts[-2] is None
    assert summary.rows[-1].name == "auto" and "softmax" in summary.rows[-1].details
    assert summary.n_params is None and "parameters known once fitted" in str(summary)
    # A regressor's output activation follows its loss; identity is said on the last layer.
    assert MLPRegressor(loss="poisson").summary().rows[-1].name == "exponential"
    assert "identity" in MLPRegressor().summary().rows[-1].details


def test_notebook_repr_keeps_scikit_learns_diagram_and_adds_the_network(iris):
    X, y = iris
    clf = MLPClassifier((6,), max_iter=3, random_state=0).fit(X, y)
    bundle = clf._repr_mimebundle_()
    assert bundle["text/plain"] == repr(clf)
    html = bundle["text/html"]
    diagram = estimator_html_repr(clf)
    # The diagram is scikit-learn's, except for the ids its counter numbers.
    assert "sk-top-container" in html and len(html) > len(diagram)
    assert html.index("sk-top-container") < html.index('class="mlplab-network"')
    assert html.endswith(clf.summary().to_html())
    assert clf._repr_html_().endswith(clf.summary().to_html())
    assert "dense_0" in MLPClassifier()._repr_html_()  # unfitted: the plan


def test_notebook_repr_survives_parameters_a_fit_would_refuse():
    clf = MLPClassifier(hidden_layer_sizes=(4, 4), activation=["relu"])  # one for two layers
    with pytest.raises(ValueError, match="activation has 1 entries"):
        clf.summary()
    html = clf._repr_html_()
    assert "sk-top-container" in html and "mlplab-network" not in html
