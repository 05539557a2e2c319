"""API tests of the playground server (Starlette's TestClient): sessions, training, exports."""

from __future__ import annotations

import ast
import base64
import json
import threading
import time
import warnings
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 but works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from mlplab.playground import load_model, python_snippet
from mlplab.playground.app import STATIC, create_app
from mlplab.playground.config import Config, ConfigError
from mlplab.playground.rendering import HEATMAP_SIZE
from mlplab.playground.session import TrainingSession, build_trainer
from mlplab.schedules import from_name
from mlplab.training import RunStart

SID = "test-session-0001"
BASE = "http://127.0.0.1:8000"


def make_client(**kwargs) -> TestClient:
    return TestClient(create_app(**kwargs), base_url=BASE)


@pytest.fixture
def client():
    with make_client(max_sessions=3, idle_timeout=60.0) as c:
        yield c


def post_config(client: TestClient, sid: str = SID, **cfg):
    return client.post(f"/api/session/{sid}/config", json=cfg)


def control(client: TestClient, action: str, sid: str = SID):
    r = client.post(f"/api/session/{sid}/control", json={"action": action})
    assert r.status_code == 200, r.text
    return r.json()


def strict_json(text: str):
    """Parse JSON refusing NaN and Infinity, which browsers cannot read."""

    def refuse(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def decode(b64: str, lo: float, hi: float, bits: int) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(b64), dtype=np.uint8 if bits == 8 else "<u2")
    return lo + (hi - lo) * raw / (255 if bits == 8 else 65535)


def test_page_and_static_files(client):
    r = client.get("/")
    assert r.status_code == 200 and 'id="heatmap"' in r.text
    for name in ("app.js", "i18n.js", "messages.json", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    # The page's messages, fetched by i18n.js: JSON in UTF-8, and the same-origin checks
    # let the page's own GET (with its Origin, as a browser may send) through.
    r = client.get("/static/messages.json", headers={"Origin": BASE, "Referer": BASE + "/"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.json() == json.loads((STATIC / "messages.json").read_text(encoding="utf-8"))
    assert r.json()["playground"]["pt"] == "laboratório"  # UTF-8, not mangled on the way
    # Another site's page cannot read it.
    r = client.get("/static/messages.json", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "cross_origin"
    # Nothing outside the static folder is served.
    assert client.get("/static/../session.py").status_code == 404
    assert client.get("/static/%2e%2e/session.py").status_code == 404


def test_catalog_lists_the_engine():
    with make_client() as c:
        cat = c.get("/api/catalog").json()
    assert {"spiral", "reg-gauss"} <= set(cat["datasets"])
    assert {"relu", "tanh", "gelu", "selu"} <= set(cat["activations"])
    assert cat["optimizers"] == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert cat["problems"] == ["classification", "regression"]
    assert cat["limits"]["max_hidden_layers"] == 8 and cat["limits"]["max_units"] == 16
    assert cat["limits"]["heatmap_size"] >= 100
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
    hm = s["heatmap"]
    assert hm["kind"] == "multiclass" and hm["size"] == HEATMAP_SIZE >= 100
    probs = decode(hm["values"], 0, 1, 8).reshape(HEATMAP_SIZE**2, 3)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=3 / 255)  # softmax rows
    n_train = len(s["points"]["train"]["x"])
    assert n_train == 250 and len(s["points"]["test"]["x"]) == 250
    assert len(s["diagnostics"]) == 3


def test_heatmap_matches_the_network(client):
    """The big map is the network's prediction on a 100 × 100 grid over [-6, 6]²."""
    s = post_config(client, dataset="xor", hidden=[3], activations=["tanh"]).json()
    session = client.app.state.manager.sessions[SID]
    hm = s["heatmap"]
    p = decode(hm["values"], hm["lo"], hm["hi"], 16).reshape(HEATMAP_SIZE, HEATMAP_SIZE)
    axis = np.linspace(-6, 6, HEATMAP_SIZE)
    # top-left cell is (x1, x2) = (-6, 6); the last row is x2 = -6
    X = np.array([[axis[0], axis[-1]], [axis[-1], axis[0]], [axis[10], axis[40]]])
    expected = session.network.predict(X)[:, 0]
    got = [p[0, 0], p[-1, -1], p[HEATMAP_SIZE - 1 - 40, 10]]
    np.testing.assert_allclose(got, expected, atol=1e-4)


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


def test_problem_type_is_independent_of_the_data(client):
    s = post_config(client, dataset="circle", problem="regression").json()
    assert s["problem"] == "regression" and s["natural_problem"] == "classification"
    assert (s["output_activation"], s["loss_name"]) == ("identity", "squared_error")
    assert set(s["points"]["train"]["y"]) == {-1.0, 1.0}  # the two classes as -1 and +1
    s = post_config(client, dataset="spiral", n_classes=3, problem="regression").json()
    assert set(s["points"]["train"]["y"]) == {-1.0, 0.0, 1.0}
    s = post_config(client, dataset="reg-gauss", problem="classification").json()
    assert s["problem"] == "classification" and s["n_classes"] == 2
    assert s["output_activation"] == "sigmoid" and set(s["points"]["train"]["y"]) == {0, 1}
    # Without `problem`, a data set's own problem (old links keep working).
    assert post_config(client, dataset="reg-plane").json()["problem"] == "regression"
    assert post_config(client, dataset="xor").json()["problem"] == "classification"
    # A change of problem gives new targets: the data version moves, the page refetches.
    v = post_config(client, dataset="xor").json()["data_version"]
    assert post_config(client, dataset="xor", problem="regression").json()["data_version"] > v


def test_same_config_same_data_and_initial_weights(client):
    cfg = {"dataset": "moons", "seed": 42, "noise": 0.2, "hidden": [3], "activations": ["tanh"]}
    a = post_config(client, "tab-aaaaaaaa", **cfg).json()
    b = post_config(client, "tab-bbbbbbbb", **cfg).json()
    assert a["points"] == b["points"] and a["weights"] == b["weights"]
    c = post_config(client, "tab-cccccccc", **{**cfg, "seed": 43}).json()
    assert c["points"] != a["points"] and c["weights"] != a["weights"]


@pytest.mark.parametrize(
    ("cfg", "code", "field"),
    [
        ({"dataset": "mnist"}, "not_choice", "dataset"),
        ({"problem": "clustering"}, "not_choice", "problem"),
        ({"hidden": [4] * 9, "activations": ["tanh"] * 9}, "hidden_list", "hidden"),
        ({"hidden": [17], "activations": ["tanh"]}, "out_of_range", "hidden"),
        ({"hidden": [4], "activations": ["tanh", "relu"]}, "activations_list", "activations"),
        ({"hidden": [4], "activations": ["bogus"]}, "not_choice", "activations"),
        ({"learning_rate": -1}, "out_of_range", "learning_rate"),
        ({"learning_rate": "fast"}, "not_number", "learning_rate"),
        ({"n_samples": 10**6}, "out_of_range", "n_samples"),
        ({"noise": 2}, "out_of_range", "noise"),
        ({"momentum": 5}, "out_of_range", "momentum"),
        ({"decay_epochs": 0}, "out_of_range", "decay_epochs"),
        ({"features": []}, "features_empty", "features"),
        ({"features": ["x3"]}, "unknown_feature", "features"),
        ({"features": ["x1", "x1"]}, "features_repeat", "features"),
        ({"optimizer": "lbfgs"}, "not_choice", "optimizer"),
        ({"batch_norm": "yes"}, "not_bool", "batch_norm"),
        ({"seed": 1.5}, "not_integer", "seed"),
        ({"evil": 1}, "unknown_keys", None),
        ({"dataset": "upload"}, "no_upload", "dataset"),
        ({"dataset": "spiral", "n_classes": 5}, "out_of_range", "n_classes"),
        ({"batch_norm": True, "batch_size": 1}, "batch_norm_batch_size", "batch_norm"),
    ],
)
def test_bad_configs_answer_422_with_a_code_and_the_field(client, cfg, code, field):
    r = post_config(client, **cfg)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == code and body["field"] == field and body["error"]


def test_a_refused_config_changes_nothing(client):
    good = post_config(client, dataset="circle", hidden=[2, 2], activations=["tanh", "tanh"]).json()
    control(client, "step")
    r = post_config(client, dataset="xor", hidden=[3, 3, 3], activations=["relu"] * 3, momentum=5)
    assert r.status_code == 422 and r.json()["field"] == "momentum"
    s = client.get(f"/api/session/{SID}/state").json()
    assert s["config"] == good["config"] and s["epoch"] == 1


def test_bad_requests(client):
    assert client.post("/api/session/short/config", json={}).status_code == 422
    r = client.post(
        f"/api/session/{SID}/config",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["code"] == "bad_json"
    assert client.post(f"/api/session/{SID}/config", json=[1, 2]).status_code == 422
    r = client.post(
        f"/api/session/{SID}/config",
        content=b"x" * (300 * 1024),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    # Unknown session.
    r = client.get("/api/session/nobody-here-123/state")
    assert r.status_code == 404 and r.json()["code"] == "unknown_session"
    post_config(client)
    assert client.get(f"/api/session/{SID}/state?thumbs=yes").status_code == 422
    assert client.get(f"/api/session/{SID}/state?data_version=-1").status_code == 422
    assert client.get(f"/api/session/{SID}/state?hover=1").status_code == 422
    r = client.post(f"/api/session/{SID}/control", json={"action": "explode"})
    assert r.status_code == 422 and r.json()["code"] == "bad_action"
    r = client.post(f"/api/session/{SID}/control", json={"action": "play", "x": 1})
    assert r.status_code == 422
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.put(f"/api/session/{SID}/config", json={})
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_step_reset_and_sessions_are_separate(client):
    post_config(client, "tab-one-aaaa", dataset="xor")
    post_config(client, "tab-two-bbbb", dataset="circle")
    for _ in range(3):
        s = control(client, "step", "tab-one-aaaa")
    assert s["epoch"] == 3 and not s["playing"]
    other = client.get("/api/session/tab-two-bbbb/state").json()
    assert other["epoch"] == 0 and other["config"]["dataset"] == "circle"
    first = client.get("/api/session/tab-one-aaaa/state?thumbs=0").json()
    assert "neurons" not in first and len(first["history"]["epoch"]) == 4
    s = control(client, "reset", "tab-one-aaaa")
    assert s["epoch"] == 0
    assert (
        client.get("/api/session/tab-one-aaaa/state").json()["weights"]
        == post_config(client, "tab-new-cccc", dataset="xor").json()["weights"]
    )


def test_step_and_reset_replies_carry_fresh_thumbnails(client):
    """The page redraws the neurons from these replies while paused."""
    s0 = post_config(client, dataset="xor", hidden=[3], activations=["tanh"]).json()
    s1 = control(client, "step")
    assert s1["revision"] > s0["revision"] and s1["neurons"] != s0["neurons"]
    s2 = control(client, "reset")
    assert s2["revision"] > s1["revision"] and s2["neurons"] == s0["neurons"]
    assert s2["epoch"] == 0 and s2["weights"] == s0["weights"]


def test_a_poll_of_an_unchanged_revision_is_small(client):
    s = post_config(client, dataset="xor").json()
    r = client.get(f"/api/session/{SID}/state?revision={s['revision']}&hover=0,1")
    small = r.json()
    assert small["unchanged"] and small["revision"] == s["revision"]
    assert set(small) == {"playing", "notice", "epochs_per_s", "revision", "unchanged", "hover"}
    assert small["hover"]["unit"] == 1
    s1 = control(client, "step")
    r = client.get(f"/api/session/{SID}/state?revision={s['revision']}")
    assert "unchanged" not in r.json() and r.json()["revision"] == s1["revision"]
    assert client.get(f"/api/session/{SID}/state?revision=x").status_code == 422


def test_learning_rate_change_keeps_the_weights(client):
    post_config(client, dataset="xor")
    control(client, "step")
    s = post_config(client, dataset="xor", learning_rate=0.1, optimizer="adam").json()
    assert s["epoch"] == 1 and s["learning_rate"] == 0.1
    s = post_config(client, dataset="xor", hidden=[2], activations=["relu"]).json()
    assert s["epoch"] == 0  # a new structure starts over


def test_training_is_the_trainers_fast_path():
    """The session drives a TrainingRun: in-place activations and packed updates, one plan."""
    session = TrainingSession(Config.from_dict({"optimizer": "adam", "dropout": 0.1}))
    session.step()
    run = session.run
    plan = run.plan
    assert plan.packed and plan.step.inplace_activations and plan.step.fused
    session.step()
    assert session.run is run and run.plan is plan  # planned once per run, not per batch
    assert run.epoch == 2 and run.history.records == []  # the session keeps its own curves
    assert len(session.state()["history"]["epoch"]) == 3


def _adam_session() -> TrainingSession:
    return TrainingSession(Config.from_dict({"dataset": "xor", "optimizer": "adam"}))


def test_a_hot_change_goes_on_with_the_optimizer_state():
    """A new rate ends the run; the next one is a new Trainer's, with the old state."""
    session = _adam_session()
    session.step()
    first = session.run
    moments = first.optimizer.state_dict()
    session.apply(replace(session.config, learning_rate=0.1, batch_size=25))
    assert session.run is None and session.epoch == 1 and session.steps == 25
    session.step()
    second = session.run
    assert second is not first and second.trainer.batch_size == 25
    assert second.optimizer.t == 25 + 10 and second.epoch == 2 and session.steps == 35
    # By hand: the first run's weights, a Trainer of the new settings, the old state.
    reference = _adam_session()
    reference.step()
    trainer = build_trainer(
        replace(reference.config, learning_rate=0.1, batch_size=25),
        reference.data.loss,
        [],
        np.random.default_rng([reference.config.seed, 1]),
    )
    X, Y, _ = reference.data.train
    start = RunStart(optimizer=moments, epoch=1, step=25, samples_seen=first.samples_seen)
    trainer.start(reference.network, X, Y, start=start).run_epoch()
    np.testing.assert_array_equal(session.network.pack(), reference.network.pack())


def test_a_new_optimizer_starts_afresh():
    session = _adam_session()
    session.step()
    session.apply(replace(session.config, optimizer="rmsprop"))
    session.step()
    optimizer = session.run.optimizer
    assert type(optimizer).__name__ == "RMSProp" and optimizer.t == 25  # one epoch's steps
    assert session.epoch == 2 and session.steps == 50


def test_an_edit_ends_the_run_and_training_goes_on_from_it():
    session = _adam_session()
    session.step()
    t = session.run.optimizer.t
    session.edit("weight", 0, 0, 1, 3.0)
    assert session.run is None and session.network.layers[0].params[0][0, 1] == 3.0
    np.testing.assert_array_equal(session.snapshot.params, session.network.pack())
    session.step()
    assert session.run.optimizer.t == t + 25 and session.epoch == 2
    assert session.network.layers[0].params[0][0, 1] != 3.0  # trained from the edit


@pytest.mark.parametrize("schedule", ["step", "exponential", "linear", "cosine", "invscaling"])
def test_schedules_are_the_librarys(schedule):
    """The rate of each epoch is schedules.from_name's, with decay epochs as the horizon."""
    config = Config.from_dict({"schedule": schedule, "decay_epochs": 6, "learning_rate": 0.5})
    session = TrainingSession(config)
    expected = from_name(schedule, 0.5, 6)
    for epoch in range(1, 8):
        session.step()
        assert session.state()["learning_rate"] == pytest.approx(expected.rate(epoch), rel=1e-5)
        assert session.run.history.records == []
    if schedule == "step":  # x0.1 every third of the horizon, as everywhere in mlplab
        assert expected.rate(2) == pytest.approx(0.05) and expected.rate(4) == pytest.approx(0.005)


def test_classes_of_a_two_class_data_set_cannot_change(client):
    """Three classes on the circle would reset the network and change nothing else."""
    post_config(client, dataset="circle")
    control(client, "step")
    s = post_config(client, dataset="circle", n_classes=3).json()
    assert s["config"]["n_classes"] == 2 and s["n_classes"] == 2 and s["epoch"] == 1


def test_momentum_zero_stays_zero(client):
    post_config(client, optimizer="momentum", momentum=0.0)
    session = client.app.state.manager.sessions[SID]
    control(client, "step")
    assert session.run.optimizer.momentum == 0.0
    code = client.get(f"/api/session/{SID}/export/code").text
    assert 'optimizers.get("sgd", learning_rate=0.03, momentum=0.0)' in code
    # Momentum 0 is plain SGD: the same weights after an epoch.
    a = TrainingSession(Config.from_dict({"optimizer": "momentum", "momentum": 0.0}))
    b = TrainingSession(Config.from_dict({"optimizer": "sgd"}))
    a.step()
    b.step()
    np.testing.assert_array_equal(a.network.pack(), b.network.pack())
    c = TrainingSession(Config.from_dict({"optimizer": "nesterov", "momentum": 0.0}))
    c.step()
    np.testing.assert_array_equal(c.network.pack(), b.network.pack())
    d = TrainingSession(Config.from_dict({"optimizer": "momentum", "momentum": 0.5}))
    d.step()
    assert d.run.optimizer.momentum == 0.5


def test_batch_norm_needs_batches_of_two(client):
    r = post_config(client, batch_norm=True, batch_size=1)
    assert r.status_code == 422 and r.json()["code"] == "batch_norm_batch_size"
    assert set(r.json()["params"]["fields"]) == {"batch_norm", "batch_size"}
    s0 = post_config(client, batch_norm=True, batch_size=2).json()
    s1 = control(client, "step")
    assert s1["weights"] != s0["weights"]


def test_play_trains_in_worker_threads_and_the_loss_goes_down(client):
    s0 = post_config(
        client,
        dataset="circle",
        hidden=[4, 4],
        activations=["tanh", "tanh"],
        optimizer="adam",
        learning_rate=0.03,
    ).json()
    control(client, "play")
    assert any(t.name.startswith("playground-trainer") for t in threading.enumerate())
    deadline = time.monotonic() + 20
    s = s0
    while time.monotonic() < deadline and s["epoch"] < 30:
        time.sleep(0.05)
        s = client.get(f"/api/session/{SID}/state?thumbs=0&data_version=1").json()
    assert s["playing"] and s["epoch"] >= 30
    assert s["metrics"]["test_loss"] < s0["metrics"]["test_loss"]
    assert s["epochs_per_s"] is not None and s["epochs_per_s"] > 0
    s = control(client, "pause")
    epoch = s["epoch"]
    time.sleep(0.2)
    after = client.get(f"/api/session/{SID}/state").json()
    assert after["epoch"] == epoch and after["epochs_per_s"] is None


def test_pausing_in_the_middle_of_an_epoch_shows_the_network():
    """A pause stops between two steps and shows that network; training goes on from it."""
    cfg = {"n_samples": 2000, "hidden": [16] * 4, "activations": ["relu"] * 4, "batch_size": 1}
    session = TrainingSession(Config.from_dict(cfg))
    start = session.network.pack()
    session.play()
    # A slice of 0.1 ms: a step or a few, far less than an epoch of 1000 steps (the
    # compiled kernels take a step of this network in microseconds).
    session.train_slice(1e-4)
    assert session.epoch == 0 and 0 < session.steps < 1000
    assert not np.array_equal(session.network.pack(), start)
    session.pause()
    np.testing.assert_array_equal(session.network.pack(), session.snapshot.params)
    assert session.snapshot.step == session.steps and session.snapshot.epoch == 0
    assert session.state()["metrics"] != TrainingSession(Config.from_dict(cfg)).state()["metrics"]
    # One epoch finishes the epoch under way: the weights of an epoch never paused.
    other = TrainingSession(Config.from_dict(cfg))
    session.step()
    other.step()
    np.testing.assert_array_equal(session.network.pack(), other.network.pack())
    assert session.epoch == other.epoch == 1 and session.steps == other.steps == 1000


def test_state_never_waits_for_training(client):
    """A poll is answered from the last snapshot even while training holds the session."""
    post_config(client, dataset="xor")
    session = client.app.state.manager.sessions[SID]
    got: list[int] = []
    with session.lock:  # what a long training slice holds
        t = threading.Thread(
            target=lambda: got.append(client.get(f"/api/session/{SID}/state").status_code)
        )
        t.start()
        t.join(timeout=10)
        assert got == [200]


def test_a_session_nobody_polls_pauses_itself():
    with make_client(watch_timeout=0.3) as c:
        post_config(c, dataset="xor")
        control(c, "play")
        session = c.app.state.manager.sessions[SID]
        deadline = time.monotonic() + 10
        while session.playing and time.monotonic() < deadline:
            time.sleep(0.05)  # not polling
        assert not session.playing, "still playing after 10 s without polls"
        s = c.get(f"/api/session/{SID}/state").json()
        assert not s["playing"] and (s["notice"] or {}).get("code") == "unwatched", s["notice"]


def test_a_pause_shows_its_reason_before_it_shows_the_pause(client, monkeypatch):
    """The state is answered without the session's lock: from the moment a poll can see
    a session paused (and during the refresh that follows), it sees why."""
    post_config(client, dataset="xor")
    session = client.app.state.manager.sessions[SID]
    session.play()
    seen = []
    monkeypatch.setattr(session, "_refresh", lambda: seen.append((session.playing, session.notice)))
    # trained since the last snapshot, so the pause refreshes it
    monkeypatch.setattr(type(session), "steps", property(lambda self: self.snapshot.step + 1))
    session.pause({"code": "unwatched", "epoch": 0})
    assert seen == [(False, {"code": "unwatched", "epoch": 0})]


def test_fair_share_between_playing_sessions():
    """Round robin: a session whose slice costs ten times more gets no more turns."""
    from mlplab.playground.pool import TrainingPool

    class Fake:
        def __init__(self, cost: float) -> None:
            self.cost, self.turns, self.playing = cost, 0, True

        def train_slice(self, seconds: float, watch_timeout: float) -> bool:
            self.turns += 1
            time.sleep(self.cost)
            return self.playing

    pool = TrainingPool(workers=1, slice_seconds=0.01)
    sessions = [Fake(0.001), Fake(0.01), Fake(0.001)]
    for s in sessions:
        pool.wake(s)
        pool.wake(s)  # a second wake does not give a second place in the queue
    time.sleep(0.5)
    for s in sessions:
        s.playing = False
    pool.stop()
    turns = [s.turns for s in sessions]
    assert min(turns) >= 5 and max(turns) - min(turns) <= 1, turns


@pytest.mark.filterwarnings("ignore::mlplab.training.DivergenceWarning")
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
    session.train_for(5.0, max_epochs=50)
    assert not session.playing
    assert session.notice is not None and session.notice["code"] == "diverged"
    assert all(np.isfinite(p).all() for p in session.network.params)
    state = session.state()
    strict_json(json.dumps(state))
    assert state["metrics"]["train_loss"] is not None


@pytest.mark.filterwarnings("ignore::mlplab.training.DivergenceWarning")
def test_the_diverged_notice_goes_with_a_new_data_set(client):
    cfg = {
        "dataset": "reg-plane",
        "features": ["x1", "x2", "x1sq", "x2sq", "x1x2"],
        "hidden": [8, 8],
        "activations": ["relu", "relu"],
        "learning_rate": 10.0,
    }
    post_config(client, **cfg)
    for _ in range(20):
        s = control(client, "step")
        if s["notice"]:
            break
    assert s["notice"]["code"] == "diverged"
    s = post_config(client, **{**cfg, "dataset": "reg-gauss"}).json()
    assert s["notice"] is None


def test_overflowing_outputs_are_sent_clamped_with_a_notice(client):
    """Two exponential layers overflow: the answer stays valid JSON and says so."""
    r = post_config(
        client,
        hidden=[4, 4],
        activations=["exponential", "exponential"],
        features=["x1", "x2", "x1sq", "x2sq"],
    )
    assert r.status_code == 200
    s = strict_json(r.text)
    assert "non_finite_output" in s["warnings"]
    hm = s["heatmap"]
    values = decode(hm["values"], hm["lo"], hm["hi"], 16)
    assert values.size == HEATMAP_SIZE**2 and np.isfinite(values).all()
    for _ in range(3):
        r = client.post(f"/api/session/{SID}/control", json={"action": "step"})
        assert r.status_code == 200
        strict_json(r.text)
    r = client.get(f"/api/session/{SID}/state?hover=1,0")
    assert r.status_code == 200
    strict_json(r.text)
    r = client.get(f"/api/session/{SID}/export/model")
    assert r.status_code == 200


def test_session_cap_evicts_the_least_recently_polled(client):
    manager = client.app.state.manager
    for i in range(3):
        assert post_config(client, f"cap-test-{i:04d}").status_code == 200
    # All three are being polled; the oldest poll is evicted, nobody gets a 503.
    for i in (1, 0, 2):
        client.get(f"/api/session/cap-test-{i:04d}/state?thumbs=0")
    assert post_config(client, "cap-test-9999").status_code == 200
    assert set(manager.sessions) == {"cap-test-0000", "cap-test-0002", "cap-test-9999"}
    # An idle session goes before a recently polled one, whatever their order.
    manager.sessions["cap-test-0002"].last_seen -= 1000
    assert post_config(client, "cap-test-8888").status_code == 200
    assert "cap-test-0002" not in manager.sessions
    assert client.delete("/api/session/cap-test-9999").status_code == 200
    assert "cap-test-9999" not in manager.sessions
    # The evicted tab's next poll says so; the page then posts its config again.
    r = client.get("/api/session/cap-test-0002/state")
    assert r.status_code == 404 and r.json()["code"] == "unknown_session"


def test_idle_sessions_are_forgotten():
    with make_client(max_sessions=10, idle_timeout=5.0) as c:
        post_config(c, "old-tab-0001")
        c.app.state.manager.sessions["old-tab-0001"].last_seen -= 10
        post_config(c, "new-tab-0002")
        assert set(c.app.state.manager.sessions) == {"new-tab-0002"}


def test_a_refused_new_session_evicts_nobody(client):
    for i in range(3):
        post_config(client, f"keep-tab-{i:04d}")
    assert post_config(client, "bad-tab-0000", seed=-1).status_code == 422
    assert len(client.app.state.manager.sessions) == 3


def test_hover_sends_one_neuron_at_full_size(client):
    post_config(client, dataset="xor", hidden=[3, 2], activations=["tanh", "relu"])
    s = client.get(f"/api/session/{SID}/state?thumbs=0&hover=0,2").json()
    h = s["hover"]
    assert (h["layer"], h["unit"], h["output"], h["size"]) == (0, 2, False, HEATMAP_SIZE)
    values = decode(h["values"], h["lo"], h["hi"], 16)
    assert values.size == HEATMAP_SIZE**2
    session = client.app.state.manager.sessions[SID]
    X = np.array([[-6.0, 6.0]])
    first = session.network.layers[1].forward(session.network.layers[0].forward(X))
    assert values[0] == pytest.approx(first[0, 2], abs=(h["hi"] - h["lo"]) / 65535 + 1e-9)
    assert client.get(f"/api/session/{SID}/state?hover=2,0").json()["hover"]["output"]
    assert client.get(f"/api/session/{SID}/state?hover=7,0").json()["hover"] is None


def test_edit_a_weight_and_a_bias(client):
    post_config(client, dataset="xor", hidden=[3], activations=["tanh"])
    r = client.post(
        f"/api/session/{SID}/edit",
        json={"kind": "weight", "layer": 0, "source": 1, "target": 2, "value": 2.5},
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["weights"][0]["weights"][1][2] == 2.5
    r = client.post(
        f"/api/session/{SID}/edit", json={"kind": "bias", "layer": 1, "target": 0, "value": -1.25}
    )
    assert r.json()["weights"][1]["biases"][0] == -1.25
    session = client.app.state.manager.sessions[SID]
    assert session.network.layers[0].params[0][1, 2] == 2.5
    # The edit is the network's: the next epoch starts from it, the metrics follow it.
    assert (
        s["metrics"]
        != post_config(
            client, "fresh-tab-01", dataset="xor", hidden=[3], activations=["tanh"]
        ).json()["metrics"]
    )
    for body, code in [
        ({"kind": "weight", "layer": 5, "source": 0, "target": 0, "value": 1}, "out_of_range"),
        ({"kind": "weight", "layer": 0, "source": 9, "target": 0, "value": 1}, "out_of_range"),
        ({"kind": "bias", "layer": 0, "target": 0, "value": 1e9}, "out_of_range"),
        ({"kind": "bias", "layer": 0, "target": 0, "value": "x"}, "not_number"),
        ({"kind": "bias", "layer": 0, "source": 0, "target": 0, "value": 1}, "bad_edit"),
        ({"kind": "gamma", "layer": 0, "target": 0, "value": 1}, "bad_edit"),
    ]:
        r = client.post(f"/api/session/{SID}/edit", json=body)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)


def run_snippet(code: str) -> dict:
    """Run an exported script (in the current folder); its variables."""
    namespace: dict = {"__name__": "__snippet__"}
    exec(compile(code, "playground_model.py", "exec"), namespace)
    return namespace


def _csv(rows, sep=",", header=True) -> str:
    lines = [sep.join(("x1", "x2", "label"))] if header else []
    lines += [sep.join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def test_upload_csv(client):
    post_config(client)
    rng = np.random.default_rng(0)
    X = rng.uniform(-20, 20, (60, 2))
    y = (X[:, 0] > 0).astype(int) * 3  # labels 0 and 3 -> two classes
    text = _csv([(a, b, c) for (a, b), c in zip(X, y, strict=True)])
    r = client.post(f"/api/session/{SID}/upload", json={"csv": text, "name": "points.csv"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["config"]["dataset"] == "upload" and s["n_classes"] == 2
    assert s["upload_name"] == "points.csv"
    xs = np.array(s["points"]["train"]["x"] + s["points"]["test"]["x"])
    assert len(xs) == 60 and np.abs(xs).max() <= 6.0 + 1e-9
    # Now a config with dataset=upload is valid in this session.
    assert (
        post_config(client, dataset="upload", hidden=[3], activations=["relu"]).status_code == 200
    )
    for bad, code in [
        ("1,2\n" * 20, "columns"),
        ("1,2,3\n" * 5, "too_few"),
        ("1,2,nan\n" * 20, "not_number"),
        ("1,2,x\n3,4,5\n" * 10, "not_number"),
        ("1,2,inf\n3,4,5\n" * 10, "not_finite"),
        ("1,2,1\n" * 20, "single_label"),
        ("", "empty"),
        ("\n".join(f"{i},{i},{i % 2}" for i in range(2500)), "too_many"),
    ]:
        r = client.post(f"/api/session/{SID}/upload", json={"csv": bad})
        assert r.status_code == 422, (code, r.text)
        assert r.json()["code"] == "bad_csv" and r.json()["params"]["code"] == code, r.text
    r = client.post(f"/api/session/{SID}/upload", json={"text": "1,2,3"})
    assert r.status_code == 422 and r.json()["code"] == "bad_upload"


def test_upload_sets_the_classes_from_the_data(client):
    post_config(client)
    rng = np.random.default_rng(1)
    X = rng.uniform(-5, 5, (90, 2))
    y = np.arange(90) % 3 + 1  # labels 1, 2, 3
    s = client.post(
        f"/api/session/{SID}/upload",
        json={"csv": _csv([(a, b, c) for (a, b), c in zip(X, y, strict=True)])},
    ).json()
    assert s["n_classes"] == 3 and s["config"]["n_classes"] == 3
    assert s["output_activation"] == "softmax" and s["problem"] == "classification"
    # The page may send any n_classes with an upload: the data decide, nothing resets.
    control(client, "step")
    s = post_config(client, **{**s["config"], "n_classes": 2}).json()
    assert s["n_classes"] == 3 and s["epoch"] == 1


@pytest.mark.parametrize(
    ("sep", "header", "labels"),
    [(",", True, "class"), (";", True, "class"), ("\t", False, "class"), (" ", True, "value")],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_exported_code_for_an_upload_runs(client, tmp_path, monkeypatch, sep, header, labels):
    rng = np.random.default_rng(2)
    X = np.round(rng.uniform(-9, 9, (80, 2)), 3)
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + 5 if labels == "class" else np.round(X[:, 0], 2)
    text = _csv([(a, b, c) for (a, b), c in zip(X, y, strict=True)], sep, header)
    post_config(client, hidden=[3], activations=["relu"])
    r = client.post(f"/api/session/{SID}/upload", json={"csv": text, "name": "my data.csv"})
    assert r.status_code == 200, r.text
    code = client.get(f"/api/session/{SID}/export/code").text
    assert "pd.read_csv('my data.csv'" in code and "epochs=100," in code  # not trained yet
    (tmp_path / "my data.csv").write_text(text)
    monkeypatch.chdir(tmp_path)
    control(client, "step")
    control(client, "step")
    code = client.get(f"/api/session/{SID}/export/code").text
    namespace = run_snippet(code)
    session = client.app.state.manager.sessions[SID]
    F, train = namespace["F"], namespace["train"]
    np.testing.assert_array_equal(F[train], session.data.train[0])
    np.testing.assert_array_equal(namespace["Y"][train], session.data.train[1])
    # The script trains what the page trained.
    np.testing.assert_array_equal(namespace["network"].pack(), session.network.pack())


def test_export_model_round_trips(client, tmp_path):
    post_config(client, dataset="gauss", hidden=[3], activations=["tanh"], batch_norm=True)
    for _ in range(2):
        control(client, "step")
    r = client.get(f"/api/session/{SID}/export/model")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "model.npz"
    path.write_bytes(r.content)
    net, info = load_model(path)
    assert info["epoch"] == 2 and info["config"]["hidden"] == [3]
    session = client.app.state.manager.sessions[SID]
    X = session.data.train[0]
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
    assert "layer_sizes=[3, 6, 6, 3]," in code and 'output_activation="softmax"' in code
    assert "nesterov=True" in code and "x1 * x2" in code and "epochs=100," in code
    assert 'schedules.from_name("constant", 0.03, horizon=100)' in code
    assert 'playground("spiral"' in code and "n_classes=3" in code


def test_config_validation_without_server():
    with pytest.raises(ConfigError, match="unknown configuration keys"):
        Config.from_dict({"nope": 1})
    cfg = Config.from_dict({"features": ["sinx2", "x1"]})
    assert cfg.features == ["x1", "sinx2"]  # canonical order


def test_cli_parser():
    from mlplab.playground.cli import build_parser, main

    args = build_parser().parse_args(
        ["--no-browser", "--port", "9000", "--allow-host", "lab.local", "--workers", "2"]
    )
    assert args.host == "127.0.0.1" and args.port == 9000 and args.no_browser
    assert args.allow_host == ["lab.local"] and args.workers == 2
    assert main(["--port", "0", "--no-browser"]) == 2
    assert main(["--workers", "0", "--no-browser"]) == 2


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
        {"dataset": "spiral", "n_classes": 3, "problem": "regression"},
        {"dataset": "reg-plane", "problem": "classification", "optimizer": "nesterov"},
    ],
)
def test_exported_code_reproduces_what_the_page_trains(cfg):
    config = Config.from_dict(cfg)
    session = TrainingSession(config)
    session.play()
    session.train_slice(0.003)  # a pause in the middle of an epoch changes nothing
    session.pause()
    for _ in range(3):
        session.step()
    namespace = run_snippet(python_snippet(config, epochs=session.epoch))
    # The snippet's data, targets and split are the playground's own, and so is training.
    F, Y, train = namespace["F"], namespace["Y"], namespace["train"]
    np.testing.assert_array_equal(F[train], session.data.train[0])
    np.testing.assert_array_equal(Y[train], session.data.train[1])
    assert tuple(namespace["network"].pack().shape) == session.network.pack().shape
    np.testing.assert_array_equal(namespace["network"].pack(), session.network.pack())
    assert namespace["trainer"].last_run.step == session.steps
