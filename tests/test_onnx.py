"""ONNX export: exported graphs run in onnxruntime and agree with mlplab's predictions."""

from __future__ import annotations

import numpy as np
import pytest

# onnx and onnxruntime are an optional extra; the test extra installs them, so CI runs these.
onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install mlplab[onnx]")
ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install mlplab[onnx]")

from mlplab import activations  # noqa: E402
from mlplab.layers import (  # noqa: E402
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Layer,
    Maxout,
    PReLU,
)
from mlplab.network import Sequential, mlp  # noqa: E402
from mlplab.onnx import (  # noqa: E402
    UnsupportedActivationError,
    export_onnx,
    supported_activations,
    to_onnx,
)

RTOL32, ATOL32 = 1e-5, 1e-6
RTOL64, ATOL64 = 1e-12, 1e-14

#: Registered activations that cannot be exported, with the reason. Empty: every
#: catalog activation has an ONNX translation (sparsemax via TopK + CumSum, rrelu as a
#: leaky ReLU with its mean slope). A new activation must be translated or listed here.
UNSUPPORTED: dict[str, str] = {}

#: onnxruntime's CPU provider has no float64 kernel for these ops (the graphs are valid).
NO_FLOAT64_KERNEL = {"arctan": "Atan", "gelu": "Erf"}

# Values around every kink and switch of the catalog, small values where naive forms
# cancel, and large ones where naive forms overflow.
SMALL = [0, 1e-7, -1e-7, 1e-4, -1e-4, 0.01, -0.01, 0.3, -0.3, 0.39, 0.41, 0.5, -0.5, 1, -1]
LARGE = [2.5, -2.5, 3, -3, 6, -6, 10, -10, 19.9, 20.1, 25, -25, 50, -50, 100, -100, 1e4, -1e4]
SPECIAL = np.array(SMALL + LARGE)

# Non-default parameters, to check that they reach the graph.
CONFIGS = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": -0.3}),
    ("prelu", {"alpha": 0.1}),
    ("rrelu", {"lower": 0.05, "upper": 0.5}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("gelu", {"approximate": "tanh"}),
    ("swish", {"beta": 1.7}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softshrink", {"lambd": 1.3}),
    ("hardshrink", {"lambd": 0.0}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
    ("hard_tanh", {"min_val": -2.0, "max_val": 0.5}),
    ("squareplus", {"b": 0.0}),
    ("squareplus", {"b": 1.0}),
]


def run(model, X: np.ndarray, output: str | None = None) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None if output is None else [output], {"X": X})[0]


def grid(dtype, seed: int = 0) -> np.ndarray:
    """SPECIAL as one row, plus random rows of the same width."""
    rng = np.random.default_rng(seed)
    rows = [SPECIAL, rng.normal(scale=3.0, size=SPECIAL.size), rng.uniform(-8, 8, SPECIAL.size)]
    return np.vstack(rows).astype(dtype)


def small_net(function, dtype=np.float32) -> Sequential:
    layers = [Dense(8), Activation(function), Dense(4)]
    return Sequential(layers, n_inputs=5, dtype=dtype, random_state=0)


def inputs(n_samples: int, n_features: int, dtype=np.float32, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=2.0, size=(n_samples, n_features)).astype(dtype)


# -- every activation ----------------------------------------------------------------------
def test_every_registered_activation_is_exported_or_listed():
    for name in activations.names():
        assert (name in supported_activations()) != (name in UNSUPPORTED), name


@pytest.mark.parametrize("name", activations.names())
def test_activation_values_match(name):
    """The activation alone, on special values: exported output == network.predict."""
    X = grid(np.float32)
    net = Sequential([Activation(name)], n_inputs=X.shape[1], dtype=np.float32)
    if name in UNSUPPORTED:
        with pytest.raises(ValueError, match=name):
            to_onnx(net)
        return
    got = run(to_onnx(net), X)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, net.predict(X), rtol=RTOL32, atol=ATOL32)


@pytest.mark.parametrize("name", sorted(set(activations.names()) - set(UNSUPPORTED)))
def test_activation_in_network_matches(name):
    net = small_net(name)
    X = inputs(64, 5)
    np.testing.assert_allclose(run(to_onnx(net), X), net.predict(X), rtol=RTOL32, atol=ATOL32)


@pytest.mark.parametrize(
    ("name", "params"), CONFIGS, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CONFIGS]
)
def test_activation_parameters_are_exported(name, params):
    function = activations.get(name, **params)
    X = grid(np.float32, seed=2)
    net = Sequential([Activation(function)], n_inputs=X.shape[1], dtype=np.float32)
    np.testing.assert_allclose(run(to_onnx(net), X), net.predict(X), rtol=RTOL32, atol=ATOL32)
    # the default parameters would give something else: the parameters matter
    default = Sequential([Activation(name)], n_inputs=X.shape[1], dtype=np.float32)
    assert not np.allclose(default.predict(X), net.predict(X))


@pytest.mark.parametrize(
    "name", sorted(set(activations.names()) - set(UNSUPPORTED) - set(NO_FLOAT64_KERNEL))
)
def test_float64_networks_give_float64_graphs(name):
    X = grid(np.float64)
    net = Sequential([Activation(name)], n_inputs=X.shape[1], dtype=np.float64)
    model = to_onnx(net)
    elem = model.graph.input[0].type.tensor_type.elem_type
    assert elem == onnx.TensorProto.DOUBLE
    got = run(model, X)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, net.predict(X), rtol=RTOL64, atol=ATOL64)


# -- refusals ------------------------------------------------------------------------------
class ScaledReLU(activations.ReLU):
    """A user's subclass: inherits the name "relu" but changes the function."""

    def _forward(self, x):
        return 2 * np.maximum(x, 0)


class Cube(activations.Activation):
    """An unregistered user activation."""

    def _forward(self, x):
        return x**3


def test_unsupported_activations_are_named():
    net = Sequential(
        [Dense(3), Activation(ScaledReLU()), Dense(3), Activation(Cube()), Dense(2)],
        n_inputs=2,
    )
    with pytest.raises(UnsupportedActivationError, match="ScaledReLU") as info:
        to_onnx(net)
    assert "Cube" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_layer_is_refused():
    class Doubler(Layer):
        def forward(self, x, training=False):
            return 2 * x

    net = Sequential([Dense(3), Doubler()], n_inputs=2)
    with pytest.raises(ValueError, match="Doubler"):
        to_onnx(net)


def test_bad_arguments():
    net = small_net("relu")
    with pytest.raises(ValueError, match="opset"):
        to_onnx(net, opset=12)
    with pytest.raises(ValueError, match="float32 or float64"):
        to_onnx(net, dtype=np.int32)
    with pytest.raises(ValueError, match="differ"):
        to_onnx(net, input_name="a", output_name="a")
    with pytest.raises(ValueError, match="not built"):
        to_onnx(Sequential([Dense(2)]))
    with pytest.raises(TypeError):
        to_onnx("not a network")


# -- layers --------------------------------------------------------------------------------
@pytest.mark.parametrize("shared", [True, False])
def test_prelu_layer(shared):
    net = Sequential([Dense(6), PReLU(shared=shared), Dense(2)], n_inputs=4, random_state=3)
    layer = net.layers[1]
    layer.params[0][...] = np.random.default_rng(0).uniform(-0.5, 0.5, layer.params[0].shape)
    X = inputs(50, 4, np.float64)
    np.testing.assert_allclose(run(to_onnx(net), X), net.predict(X), rtol=RTOL64, atol=ATOL64)
    # a float64 network exported as float32: parameters are cast
    model = to_onnx(net, dtype=np.float32)
    np.testing.assert_allclose(
        run(model, X.astype(np.float32)), net.predict(X), rtol=RTOL32, atol=ATOL32
    )


@pytest.mark.parametrize("opset", [13, 17, 18, 20])
def test_maxout_layer(opset):
    # ReduceMax takes its axes as an input from opset 18 on: both forms are tested
    net = Sequential(
        [Maxout(5, pieces=3), Maxout(3, pieces=2), Activation("softmax")],
        n_inputs=4,
        dtype=np.float32,
        random_state=4,
    )
    X = inputs(40, 4)
    model = to_onnx(net, opset=opset)
    assert model.opset_import[0].version == opset
    np.testing.assert_allclose(run(model, X), net.predict(X), rtol=RTOL32, atol=ATOL32)


def test_batchnorm_uses_running_statistics():
    net = Sequential(
        [Dense(6), BatchNorm(momentum=0.3), Activation("tanh"), Dense(2)],
        n_inputs=3,
        dtype=np.float32,
        random_state=5,
    )
    rng = np.random.default_rng(6)
    for _ in range(5):  # training-mode passes move the running averages
        net.forward((rng.normal(size=(32, 3)) * 3 + 2).astype(np.float32), training=True)
    bn = net.layers[1]
    bn.params[0][...] = rng.uniform(0.5, 2.0, 6)
    bn.params[1][...] = rng.normal(size=6)
    assert not np.allclose(bn.running_mean, 0) and not np.allclose(bn.running_var, 1)
    X = inputs(30, 3)
    np.testing.assert_allclose(run(to_onnx(net), X), net.predict(X), rtol=RTOL32, atol=ATOL32)


def test_dropout_is_omitted_and_mlp_round_trips():
    net = mlp(
        (4, 16, 8, 3),
        hidden_activation=["selu", "mish"],
        output_activation="softmax",
        batch_norm=True,
        dropout=0.5,
        dtype=np.float32,
        random_state=7,
    )
    assert any(isinstance(layer, Dropout) for layer in net.layers)
    rng = np.random.default_rng(8)
    for _ in range(3):
        net.forward(rng.normal(size=(16, 4)).astype(np.float32), training=True)
    X = inputs(25, 4)
    model = to_onnx(net)
    assert all(node.op_type != "Dropout" for node in model.graph.node)
    np.testing.assert_allclose(run(model, X), net.predict(X), rtol=RTOL32, atol=ATOL32)


def test_graph_names_and_dynamic_batch():
    net = small_net("relu")
    model = to_onnx(net, input_name="features", output_name="y")
    assert [i.name for i in model.graph.input] == ["features"]
    assert [o.name for o in model.graph.output] == ["y"]
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for n in (1, 7):
        X = inputs(n, 5)
        (out,) = session.run(["y"], {"features": X})
        assert out.shape == (n, 4)
        np.testing.assert_allclose(out, net.predict(X), rtol=RTOL32, atol=ATOL32)


# -- export_onnx ---------------------------------------------------------------------------
def test_export_sequential_writes_file_atomically(tmp_path):
    net = small_net("gelu")
    path = export_onnx(net, tmp_path / "net.onnx")
    assert path == tmp_path / "net.onnx"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.onnx"]  # no temporary left
    model = onnx.load(str(path))
    X = inputs(10, 5)
    np.testing.assert_allclose(run(model, X), net.predict(X), rtol=RTOL32, atol=ATOL32)
    # overwriting an existing file works too
    export_onnx(small_net("tanh"), path)
    np.testing.assert_allclose(
        run(onnx.load(str(path)), X), small_net("tanh").predict(X), rtol=RTOL32, atol=ATOL32
    )


def test_failed_export_leaves_no_file(tmp_path):
    net = Sequential([Dense(2), Activation(Cube())], n_inputs=2)
    with pytest.raises(ValueError, match="Cube"):
        export_onnx(net, tmp_path / "bad.onnx")
    assert list(tmp_path.iterdir()) == []


class FakeClassifier:
    """Duck-typed fitted classifier: a float64 network and string classes."""

    def __init__(self, classes):
        self.classes_ = np.asarray(classes)
        self.network_ = mlp(
            (4, 10, len(classes)), "tanh", "softmax", dtype=np.float64, random_state=9
        )

    def predict_proba(self, X):
        return self.network_.predict(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@pytest.mark.parametrize("classes", [["setosa", "versicolor", "virginica"], [3, 7, 11]])
def test_export_duck_typed_classifier(tmp_path, classes):
    clf = FakeClassifier(classes)
    path = export_onnx(clf, tmp_path / "clf.onnx")
    model = onnx.load(str(path))
    assert [o.name for o in model.graph.output] == ["output", "label"]
    X = inputs(60, 4, np.float64)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    proba, label = session.run(["output", "label"], {"X": X.astype(np.float32)})
    # estimators export in float32 by default
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=RTOL32, atol=ATOL32)
    np.testing.assert_array_equal(label, clf.predict(X))


class FakeBinaryClassifier:
    """Duck-typed binary classifier with one sigmoid output, as scikit-learn's MLP."""

    classes_ = np.array(["no", "yes"])

    def __init__(self):
        self.network_ = mlp((3, 6, 1), "relu", "sigmoid", dtype=np.float32, random_state=10)

    def predict_proba(self, X):
        p = self.network_.predict(X)
        return np.hstack([1 - p, p])

    def predict(self, X):
        return self.classes_[(self.network_.predict(X)[:, 0] > 0.5).astype(int)]


class FakeMultilabelClassifier:
    """Duck-typed multilabel classifier: one sigmoid unit per label."""

    classes_ = np.arange(4)

    def __init__(self):
        self.network_ = mlp((3, 6, 4), "tanh", "sigmoid", dtype=np.float32, random_state=11)

    def predict_proba(self, X):
        return self.network_.predict(X)

    def predict(self, X):
        return (self.predict_proba(X) > 0.5).astype(int)


@pytest.mark.parametrize("cls", [FakeBinaryClassifier, FakeMultilabelClassifier])
def test_export_sigmoid_classifiers(tmp_path, cls):
    clf = cls()
    path = export_onnx(clf, tmp_path / "clf.onnx")
    X = inputs(80, 3)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    proba, label = session.run(["output", "label"], {"X": X})
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=RTOL32, atol=ATOL32)
    np.testing.assert_array_equal(label, clf.predict(X))
    assert len(np.unique(label)) > 1  # both decisions occur


def test_export_estimator_float64_on_request(tmp_path):
    clf = FakeClassifier([0, 1])
    path = export_onnx(clf, tmp_path / "clf64.onnx", dtype=np.float64, label_name="cls")
    X = inputs(20, 4, np.float64)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    proba, label = session.run(["output", "cls"], {"X": X})
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=RTOL64, atol=ATOL64)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_export_unfitted_estimator_is_refused(tmp_path):
    class Unfitted:
        pass

    with pytest.raises(ValueError, match="not fitted"):
        export_onnx(Unfitted(), tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def _fitted_estimators():
    """Real mlplab estimators fitted in float32: multiclass, binary, multilabel, regression."""
    from sklearn.datasets import load_iris, make_multilabel_classification, make_regression

    import mlplab

    X_iris, y_iris = load_iris(return_X_y=True)
    X_iris = ((X_iris - X_iris.mean(0)) / X_iris.std(0)).astype(np.float32)
    labels = np.array(["setosa", "versicolor", "virginica"])[y_iris]
    X_ml, Y_ml = make_multilabel_classification(80, 5, n_classes=3, random_state=0)
    X_reg, y_reg = make_regression(80, 4, n_targets=2, noise=0.1, random_state=0)
    common = {"max_iter": 60, "random_state": 0}
    return [
        (mlplab.MLPClassifier((8,), activation="gelu", **common), X_iris, labels),
        (mlplab.MLPClassifier((6,), batch_norm=True, **common), X_iris, y_iris > 0),
        (mlplab.MLPClassifier((6, 5), activation=["elu", "tanh"], **common), X_ml, Y_ml),
        (mlplab.MLPRegressor(hidden_layer_sizes=(8,), activation="mish", **common), X_reg, y_reg),
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", range(4), ids=["multiclass", "binary", "multilabel", "regression"])
def test_export_fitted_estimators_matches_their_predictions(tmp_path, case):
    estimator, X, y = _fitted_estimators()[case]
    X = X.astype(np.float32)
    estimator.fit(X, y)
    path = export_onnx(estimator, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    results = dict(zip(names, session.run(names, {"X": X}), strict=True))
    if hasattr(estimator, "predict_proba"):
        np.testing.assert_allclose(
            results["output"], estimator.predict_proba(X), rtol=RTOL32, atol=ATOL32
        )
        np.testing.assert_array_equal(results["label"], estimator.predict(X))
    else:
        np.testing.assert_allclose(
            results["output"], estimator.predict(X), rtol=RTOL32, atol=ATOL32
        )
