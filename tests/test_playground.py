"""API tests of the playground server (Starlette's TestClient), bad requests included."""

from __future__ import annotations

import ast
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 but works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from mlplab.playground import load_model
from mlplab.playground.app import create_app
from mlplab.playground.session import Config, ConfigError, TrainingSession

SID = "test-session-0001"


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=3, idle_timeout=60.0)) as c:
        yield c


def post_config(client: TestClient, sid: str = SID, **cfg):
    return client.post(f"/api/session/{sid}/config", json=cfg)


def test_page_and_static_files(client):
    r = client.get("/")
    assert r.status_code == 200 and 'id="heatmap"' in r.text
    for name in ("app.js", "i18n.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    # Nothing outside the static folder is served.
    assert client.get("/static/../session.py").status_code == 404
    assert client.get("/static/%2e%2e/session.py").status_code == 404


def test_catalog_lists_the_engine():
    with TestClient(create_app()) as c:
        cat = c.get("/api/catalog").json()
    assert {"spiral", "reg-gauss"} <= set(cat["datasets"])
    assert {"relu", "tanh", "gelu", "selu"} <= set(cat["activations"])
    assert cat["optimizers"] == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert cat["limits"]["max_hidden_layers"] == 8 and cat["limits"]["max_units"] == 16
    assert cat["defaults"] == Config().to_dict()


def test_config_builds_the_requested_network(client):
    r = post_config(
        client,
        dataset="spiral",
        n_classes=3,
        hidden=[5, 3],
        activations=["relu", "elu"],
        features=["x1", "x2", "sinx1"],
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["epoch"] == 0 and s["problem"] == "classification" and s["n_classes"] == 3
    assert s["output_activation"] == "softmax" and s["loss_name"] == "categorical_crossentropy"
    shapes = [np.array(w["weights"]).shape for w in s["weights"]]
    assert shapes == [(3, 5), (5, 3), (3, 3)]
    assert [len(col) for col in s["neurons"]] == [5, 3, 3]
    assert len(s["heatmap"]["values"]) == 50 * 50 and s["heatmap"]["kind"] == "multiclass"
    n_train = len(s["points"]["train"]["x"])
    assert n_train == 250 and len(s["points"]["test"]["x"]) == 250
    assert len(s["diagnostics"]) == 3


@pytest.mark.parametrize(
    ("dataset", "output", "loss", "score"),
    [
        ("circle", "sigmoid", "binary_crossentropy", "accuracy"),
        ("reg-plane", "identity", "squared_error", "r2"),
    ],
)
def test_output_and_loss_follow_the_problem(client, dataset, output, loss, score):
    s = post_config(client, dataset=dataset).json()
    assert (s["output_activation"], s["loss_name"]) == (output, loss)
    assert s["metrics"]["score_name"] == score


def test_same_config_same_data_and_initial_weights(client):
    cfg = {"dataset": "moons", "seed": 42, "noise": 0.2, "hidden": [3], "activations": ["tanh"]}
    a = post_config(client, "tab-aaaaaaaa", **cfg).json()
    b = post_config(client, "tab-bbbbbbbb", **cfg).json()
    assert a["points"] == b["points"] and a["weights"] == b["weights"]
    c = post_config(client, "tab-cccccccc", **{**cfg, "seed": 43}).json()
    assert c["points"] != a["points"] and c["weights"] != a["weights"]


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"dataset": "mnist"}, "dataset must be one of"),
        ({"hidden": [4] * 9, "activations": ["tanh"] * 9}, "at most 8"),
        ({"hidden": [17], "activations": ["tanh"]}, "between 1 and 16"),
        ({"hidden": [4], "activations": ["tanh", "relu"]}, "one name per hidden layer"),
        ({"hidden": [4], "activations": ["bogus"]}, "activations must be one of"),
        ({"learning_rate": -1}, "learning_rate must be between"),
        ({"learning_rate": "fast"}, "finite number"),
        ({"n_samples": 10**6}, "n_samples must be between"),
        ({"noise": 2}, "noise must be between"),
        ({"features": []}, "non-empty"),
        ({"features": ["x3"]}, "unknown feature"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of"),
        ({"batch_norm": "yes"}, "true or false"),
        ({"seed": 1.5}, "integer"),
        ({"evil": 1}, "unknown configuration keys"),
        ({"dataset": "upload"}, "no uploaded data"),
    ],
)
def test_bad_configs_answer_422_with_a_message(client, cfg, message):
    r = post_config(client, **cfg)
    assert r.status_code == 422
    assert message in r.json()["error"]


def test_bad_requests(client):
    assert client.post("/api/session/short/config", json={}).status_code == 422
    r = client.post(f"/api/session/{SID}/config", content=b"{not json")
    assert r.status_code == 422 and "JSON" in r.json()["error"]
    assert client.post(f"/api/session/{SID}/config", json=[1, 2]).status_code == 422
    r = client.post(f"/api/session/{SID}/config", content=b"x" * (300 * 1024))
    assert r.status_code == 413
    # Unknown session.
    r = client.get("/api/session/nobody-here-123/state")
    assert r.status_code == 404 and "unknown session" in r.json()["error"]
    post_config(client)
    assert client.get(f"/api/session/{SID}/state?thumbs=yes").status_code == 422
    assert client.get(f"/api/session/{SID}/state?data_version=-1").status_code == 422
    r = client.post(f"/api/session/{SID}/control", json={"action": "explode"})
    assert r.status_code == 422 and "unknown action" in r.json()["error"]
    r = client.post(f"/api/session/{SID}/control", json={"action": "play", "x": 1})
    assert r.status_code == 422


def test_step_reset_and_sessions_are_separate(client):
    post_config(client, "tab-one-aaaa", dataset="xor")
    post_config(client, "tab-two-bbbb", dataset="circle")
    for _ in range(3):
        s = client.post("/api/session/tab-one-aaaa/control", json={"action": "step"}).json()
    assert s["epoch"] == 3 and not s["playing"]
    other = client.get("/api/session/tab-two-bbbb/state").json()
    assert other["epoch"] == 0 and other["config"]["dataset"] == "circle"
    first = client.get("/api/session/tab-one-aaaa/state?thumbs=0").json()
    assert "neurons" not in first and len(first["history"]["epoch"]) == 4
    s = client.post("/api/session/tab-one-aaaa/control", json={"action": "reset"}).json()
    assert s["epoch"] == 0
    assert (
        client.get("/api/session/tab-one-aaaa/state").json()["weights"]
        == post_config(client, "tab-new-cccc", dataset="xor").json()["weights"]
    )


def test_learning_rate_change_keeps_the_weights(client):
    post_config(client, dataset="xor")
    client.post(f"/api/session/{SID}/control", json={"action": "step"})
    s = post_config(client, dataset="xor", learning_rate=0.1, optimizer="adam").json()
    assert s["epoch"] == 1 and s["learning_rate"] == 0.1
    s = post_config(client, dataset="xor", hidden=[2], activations=["relu"]).json()
    assert s["epoch"] == 0  # a new structure starts over


def test_play_trains_in_the_background_and_the_loss_goes_down(client):
    s0 = post_config(
        client,
        dataset="circle",
        hidden=[4, 4],
        activations=["tanh", "tanh"],
        optimizer="adam",
        learning_rate=0.03,
    ).json()
    client.post(f"/api/session/{SID}/control", json={"action": "play"})
    deadline = time.monotonic() + 20
    s = s0
    while time.monotonic() < deadline and s["epoch"] < 30:
        time.sleep(0.05)
        s = client.get(f"/api/session/{SID}/state?thumbs=0&data_version=1").json()
    assert s["playing"] and s["epoch"] >= 30
    assert s["metrics"]["test_loss"] < s0["metrics"]["test_loss"]
    s = client.post(f"/api/session/{SID}/control", json={"action": "pause"}).json()
    epoch = s["epoch"]
    time.sleep(0.2)
    assert client.get(f"/api/session/{SID}/state").json()["epoch"] == epoch


def test_divergence_pauses_and_restores_finite_weights():
    cfg = Config.from_dict(
        {
            "dataset": "reg-plane",
            "features": ["x1", "x2", "x1sq", "x2sq", "x1x2"],
            "hidden": [8, 8],
            "activations": ["relu", "relu"],
            "learning_rate": 10.0,
        }
    )
    session = TrainingSession(cfg)
    session.playing = True
    session.train_for(5.0, max_epochs=50)
    assert not session.playing
    assert session.notice is not None and session.notice["code"] == "diverged"
    assert all(np.isfinite(p).all() for p in session.network.params)
    state = session.state()
    assert np.isfinite(state["heatmap"]["values"]).all()
    assert state["metrics"]["train_loss"] is not None


def test_session_cap_answers_503_then_evicts_idle(client):
    for i in range(3):
        assert post_config(client, f"cap-test-{i:04d}").status_code == 200
    r = post_config(client, "cap-test-9999")
    assert r.status_code == 503 and "too many" in r.json()["error"]
    manager = client.app.state.manager
    manager.sessions["cap-test-0000"].last_seen -= 1000
    assert post_config(client, "cap-test-9999").status_code == 200
    assert "cap-test-0000" not in manager.sessions
    assert client.delete("/api/session/cap-test-9999").status_code == 200
    assert "cap-test-9999" not in manager.sessions


def test_upload_csv(client):
    post_config(client)
    rng = np.random.default_rng(0)
    X = rng.uniform(-20, 20, (60, 2))
    y = (X[:, 0] > 0).astype(int) * 3  # labels 0 and 3 -> two classes
    text = "a,b,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y, strict=True))
    r = client.post(f"/api/session/{SID}/upload", content=text.encode())
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["config"]["dataset"] == "upload" and s["n_classes"] == 2
    xs = np.array(s["points"]["train"]["x"] + s["points"]["test"]["x"])
    assert len(xs) == 60 and np.abs(xs).max() <= 6.0 + 1e-9
    # Now a config with dataset=upload is valid in this session.
    assert (
        post_config(client, dataset="upload", hidden=[3], activations=["relu"]).status_code == 200
    )
    for bad, msg in [
        (b"1,2\n" * 20, "expected 3 columns"),
        (b"1,2,3\n" * 5, "at least 10 rows"),
        (b"1,2,nan\n" * 20, "finite"),
        (b"1,2,x\n3,4,5\n" * 10, "not a number"),
        ("\n".join(f"{i},{i},{i}" for i in range(2500)).encode(), "too many rows"),
    ]:
        r = client.post(f"/api/session/{SID}/upload", content=bad)
        assert r.status_code == 422 and msg in r.json()["error"], (msg, r.text)


def test_export_model_round_trips(client, tmp_path):
    post_config(client, dataset="gauss", hidden=[3], activations=["tanh"], batch_norm=True)
    for _ in range(2):
        client.post(f"/api/session/{SID}/control", json={"action": "step"})
    r = client.get(f"/api/session/{SID}/export/model")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "model.npz"
    path.write_bytes(r.content)
    net, info = load_model(path)
    assert info["epoch"] == 2 and info["config"]["hidden"] == [3]
    session = client.app.state.manager.sessions[SID]
    X = session._train[0]
    np.testing.assert_allclose(net.predict(X), session.network.predict(X))


def test_export_code_is_valid_python_with_the_config(client):
    post_config(
        client,
        dataset="spiral",
        n_classes=3,
        hidden=[6, 6],
        activations=["relu", "tanh"],
        optimizer="nesterov",
        features=["x1", "x2", "x1x2"],
    )
    r = client.get(f"/api/session/{SID}/export/code")
    assert r.status_code == 200
    code = r.text
    ast.parse(code)
    assert "MLPClassifier" in code and "hidden_layer_sizes=(6, 6)" in code
    assert "nesterovs_momentum=True" in code and "x1 * x2" in code
    assert 'playground("spiral"' in code and "n_classes=3" in code


def test_config_validation_without_server():
    with pytest.raises(ConfigError, match="unknown configuration keys"):
        Config.from_dict({"nope": 1})
    cfg = Config.from_dict({"features": ["sinx2", "x1"]})
    assert cfg.features == ["x1", "sinx2"]  # canonical order


def test_cli_parser():
    from mlplab.playground.cli import build_parser, main

    args = build_parser().parse_args(["--no-browser", "--port", "9000"])
    assert args.host == "127.0.0.1" and args.port == 9000 and args.no_browser
    assert main(["--port", "0", "--no-browser"]) == 2


@pytest.mark.parametrize(
    "cfg",
    [
        {
            "dataset": "gauss",
            "n_classes": 3,
            "hidden": [4, 3],
            "activations": ["relu", "tanh"],
            "optimizer": "momentum",
            "regularization": "l1",
            "reg_rate": 0.01,
            "dropout": 0.1,
        },
        {
            "dataset": "reg-gauss",
            "hidden": [5],
            "activations": ["elu"],
            "optimizer": "adam",
            "regularization": "l2",
            "reg_rate": 0.1,
            "batch_norm": True,
            "schedule": "cosine",
            "features": ["x1", "x2", "x1sq"],
        },
    ],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_exported_code_runs_with_the_estimators(tmp_path, monkeypatch, cfg):
    from mlplab.playground import python_snippet

    config = Config.from_dict(cfg)
    problem = "regression" if cfg["dataset"].startswith("reg") else "classification"
    code = python_snippet(config, problem, max_iter=3)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__snippet__"}
    exec(compile(code, "playground_model.py", "exec"), namespace)
    model = namespace["model"]
    assert (tmp_path / "playground-model.npz").exists()
    assert tuple(model.hidden_layer_sizes) == tuple(cfg["hidden"])
    # The snippet's data and split are the playground's own.
    session = TrainingSession(config)
    np.testing.assert_allclose(namespace["F"][namespace["train"]], session._train[0])
