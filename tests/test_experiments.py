"""Every experiment in quick mode: its numbers, its report and its figures."""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mlplab import experiments

NAMES = [
    "activation-race",
    "dead-relu",
    "digits-grid",
    "exploding-gradients",
    "initialization",
    "learning-rate-schedules",
    "memory",
    "optimizers",
    "rbm-features",
    "universal-approximation",
    "vanishing-gradients",
    "vanishing-through-time",
    "xor",
    "zero-centred",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run each experiment once, quick, seed 0 (about 20 s in all)."""
    out = tmp_path_factory.mktemp("lab")
    return {name: experiments.run(name, out, quick=True, seed=0) for name in NAMES}


def test_registry_lists_every_experiment():
    assert experiments.names() == NAMES
    assert experiments.get("zero_centred").name == "zero-centred"
    with pytest.raises(ValueError, match=r"unknown experiment 'nope'.*xor"):
        experiments.get("nope")


@pytest.mark.parametrize("name", NAMES)
def test_report_has_claim_verdict_table_and_figures(results, name):
    result = results[name]
    assert result.name == name and result.quick
    assert isinstance(result.held, bool)
    text = result.report_path.read_text(encoding="utf-8")
    verdict = "held" if result.held else "did not hold"
    assert f"**Result: the claim {verdict} in this run:**" in text
    assert result.claim in text and result.summary in text
    assert re.search(r"^\|---", text, flags=re.MULTILINE), "no Markdown table"
    assert result.table and all(isinstance(row, dict) for row in result.table)
    assert result.figures
    for path in result.figures:
        assert path.suffix == ".png" and path.parent == result.report_path.parent
        assert path.stat().st_size > 2000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({path.name})" in text
    assert re.search(r"\d", result.summary), "the summary must quote numbers"


def test_quick_mode_is_quick(results):
    assert sum(r.seconds for r in results.values()) < 120
    assert all(r.seconds < 30 for r in results.values())


def test_same_seed_same_numbers(results, tmp_path):
    again = experiments.run("vanishing-gradients", tmp_path, quick=True, seed=0)
    assert again.data["norms"] == results["vanishing-gradients"].data["norms"]
    other = experiments.run("vanishing-gradients", tmp_path, quick=True, seed=1)
    assert other.data["norms"] != again.data["norms"]


def test_xor_needs_a_hidden_layer(results):
    data = results["xor"].data
    assert max(data["linear_accuracy"]) <= 0.75
    assert max(data["hidden_accuracy"]) == 1.0
    assert results["xor"].held


def test_sigmoid_gradient_vanishes_with_depth(results):
    data = results["vanishing-gradients"].data
    drop = data["drop_orders"]
    # Orders of magnitude lost from 2 to 20 hidden layers.
    assert drop["sigmoid"] > drop["relu"] + 5
    assert drop["sigmoid"] > drop["tanh"] + 5
    assert data["per_layer_factor"]["sigmoid"] < 0.35  # about 0.25 per layer
    assert data["per_layer_factor"]["relu"] > 0.7
    norms = data["norms"]["sigmoid"]
    assert all(b < a for a, b in itertools.pairwise(norms))


def test_large_weights_explode_and_he_does_not(results):
    data = results["exploding-gradients"].data
    assert data["growth_orders"]["N(0, 1)"] > 3
    assert abs(data["growth_orders"]["He"]) < 1
    runs = {r["training run"]: r for r in data["runs"]}
    assert runs["N(0, 1), no clipping"]["diverged"]
    clipped = runs["N(0, 1), clip global norm 1"]
    assert not clipped["diverged"] and clipped["final loss"] < clipped["initial loss"]
    he = runs["He init, no clipping"]
    assert he["final loss"] < 0.5 * he["initial loss"]
    # The diverging run is drawn: its loss is recorded from the start to where it stopped.
    epochs, losses = data["curves"]["N(0, 1), no clipping"]
    assert len(losses) >= 2 and epochs[0] == 0.0
    assert losses[0] == pytest.approx(runs["N(0, 1), no clipping"]["initial loss"])
    assert not (np.isfinite(losses[-1]) and losses[-1] <= losses[0])


def test_dead_fraction_grows_with_learning_rate_for_relu(results):
    data = results["dead-relu"].data
    relu = [r["dead"] for r in data["results"]["relu"]]
    assert relu[-1] > relu[0]
    assert relu[-1] >= 0.05
    assert data["results"]["leaky_relu"][-1]["dead"] < relu[-1]
    assert all(0 <= r["relu dead %"] <= 100 for r in data["bias"])


def test_initialization_variance_and_symmetry(results):
    data = results["initialization"].data
    relu_he = data["variances"]["relu/he_normal"]
    assert 0.5 < relu_he[-1] / relu_he[0] < 2
    assert 0.5 < data["matched_ratio"]["selu"] < 2
    assert all(r < 1e-6 for r in data["small_ratio"].values())
    assert data["variances"]["tanh/zeros"] == [0.0] * 10
    for row in data["symmetry"]:
        spread = row["max spread between units' weights"]
        if row["initializer"] == "zeros":
            assert spread == 0.0  # the hidden units stay identical
        else:
            assert spread > 0.1
    sigmoid_zero = data["symmetry"][0]
    assert sigmoid_zero["hidden activation"] == "sigmoid"
    assert sigmoid_zero["largest weight change"] > 0  # they learned, all alike


def test_activation_race_uses_the_course_threshold(results):
    result = results["activation-race"]
    data = result.data
    epochs = data["epochs"]
    relu, tanh = epochs["4/relu/0.25"], epochs["4/tanh/0.25"]
    assert math.isfinite(relu) and math.isfinite(tanh)
    # The stricter threshold is reached later than the course's 25%.
    assert epochs["4/relu/0.05"] >= relu and epochs["4/tanh/0.05"] >= tanh
    assert epochs["4/sigmoid/0.25"] > relu
    assert data["course_speedup"] == pytest.approx(tanh / relu)
    assert result.held == (data["course_speedup"] >= 2)
    # Each network at its fastest rate from the grid.
    assert {data["rates"]["4/relu/0.25"], data["rates"]["4/tanh/0.25"]} <= {0.1, 0.3}
    # A threshold never reached is said in words, not as "inf".
    assert "inf" not in result.summary
    if not math.isfinite(epochs["4/sigmoid/0.25"]):
        assert "did not reach 25% in 10 epochs" in result.summary
    text = result.report_path.read_text(encoding="utf-8")
    assert "002_1711308be637cbdf.txt" in text and "25% training error rate six times" in text


def test_optimizers_beat_plain_sgd(results):
    final = results["optimizers"].data["final_loss"]
    assert set(final) == {"SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "L-BFGS"}
    for name in ("momentum", "Nesterov", "Adam", "L-BFGS"):
        assert final[name] < final["SGD"]


def test_zero_centred_inputs(results):
    rows = {(r["hidden"], r["inputs"]): r for r in results["zero-centred"].data["rows"]}
    raw, std = "raw (all ≥ 0)", "standardized"
    assert rows["sigmoid", raw]["same-sign examples, layer 1 %"] == 100
    assert rows["tanh", std]["same-sign examples, layer 1 %"] < 5
    assert rows["sigmoid", std]["same-sign examples, layer 2 %"] == 100  # sigmoid > 0
    assert rows["tanh", std]["same-sign examples, layer 2 %"] < 5
    final = results["zero-centred"].data["final_loss"]
    assert final[f"tanh/{std}"] < final[f"sigmoid/{raw}"]
    assert final[f"tanh/{std}"] < final[f"tanh/{raw}"]


def test_schedules_are_tested_on_stochastic_sgd(results):
    result = results["learning-rate-schedules"]
    rows = {(r["batch size"], r["schedule"]): r for r in result.table}
    names = {"constant", "step", "exponential", "linear", "cosine", "constant α₀/100"}
    assert {k for _, k in rows} == names
    assert {b for b, _ in rows} == {1, 16}  # single samples and mini-batches
    for batch in (1, 16):
        constant = rows[batch, "constant"]
        assert constant["final rate"] == pytest.approx(constant["initial rate"])
        for name in ("step", "exponential", "linear", "cosine"):
            row = rows[batch, name]
            assert row["initial rate"] == constant["initial rate"]
            assert row["final rate"] <= 0.05 * row["initial rate"]
            # The loss of a decayed run barely moves at the end; the constant rate's does.
            assert row["fluctuation (last 10%)"] < 0.2 * constant["fluctuation (last 10%)"]
        for row in (rows[batch, k] for k in names):
            assert row["distance to optimum"] >= 0 and np.isfinite(row["final loss"])
            # Noisy targets: the best full-batch fit is far from interpolating them.
            assert row["final loss"] > 0.5 * 0.3**2
    wins = result.data["wins"]
    assert result.held == all(all(w.values()) for w in wins.values())
    text = result.report_path.read_text(encoding="utf-8")
    assert "001_f636fab45e5b4fde.txt" in text and "tornar essas versões mais comportadas" in text


def test_polish_reaches_the_full_batch_optimum():
    from mlplab.experiments import schedules
    from mlplab.experiments._common import function_data, standardize
    from mlplab.network import mlp

    X, y = function_data("sine", 64, 0.3, 0)
    X, Y = standardize(X), y.reshape(-1, 1)
    net = mlp((1, 4, 1), "tanh", random_state=0)
    before = float(np.mean((net.predict(X) - Y) ** 2))
    after = schedules.polish(net, X, Y, max_iter=2000)
    assert after < before
    assert after == pytest.approx(float(np.mean((net.predict(X) - Y) ** 2)))
    _, grads = net.loss_and_gradients(X, Y, "squared_error")
    assert max(float(np.abs(g).max()) for g in grads) < 1e-4  # a stationary point


def test_universal_approximation_grid(results):
    result = results["universal-approximation"]
    data = result.data
    assert len(data["dense"]) == len(data["cv"]) == 4 * 2 * 2  # functions × depths × widths
    assert len(data["raw"]) == 4 * 2
    best = data["best"]
    assert best["square"][1] < 0.01 and best["sine"][1] < 0.01
    values = [*data["dense"].values(), *data["cv"].values(), *data["raw"].values()]
    assert all(np.isfinite(v) and v >= 0 for v in values)
    # Standardizing the target is what lets 1/x on [1, 100] be fitted closely.
    assert data["dense"]["reciprocal/1/8"] < data["raw"]["reciprocal/1/8"]
    text = result.report_path.read_text(encoding="utf-8")
    assert "001_f636fab45e5b4fde.txt" in text and "dense grid" in text


def test_converged_width():
    from mlplab.experiments.universal_approximation import converged_width

    assert converged_width({1: 1.0, 2: 0.1, 4: 0.06, 8: 0.05}) == 2
    assert converged_width({1: 1.0, 2: 0.1, 4: 0.01, 8: 0.06}) == 4
    assert converged_width({1: 1.0, 2: 0.1, 4: 0.01}) is None  # still improving
    # Below the floor, L-BFGS's tolerance decides: a tenfold "gain" there does not count.
    assert converged_width({1: 1.0, 2: 5e-6, 4: 5e-7, 8: 1e-6}) == 2
    assert converged_width({1: 1.0, 2: 5e-6, 4: 5e-7}, floor=0.0) is None


def test_digits_grid_search(results):
    data = results["digits-grid"].data
    assert set(data["cv_accuracy"]) == {"(32,)", "(32, 32)"}
    assert data["best_cv_accuracy"] == max(data["cv_accuracy"].values())
    assert data["test_accuracy"] > 0.7
    names = [p.name for p in results["digits-grid"].figures]
    assert names == ["digits_grid.png", "digits_confusion_matrix.png"]


# -- the documentation generated from the results (scripts/lab_docs.py) ---------------------
ROOT = Path(__file__).resolve().parents[1]


def _lab_docs():
    spec = importlib.util.spec_from_file_location("lab_docs", ROOT / "scripts" / "lab_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_are_rendered_from_the_recorded_results():
    lab_docs = _lab_docs()
    records = lab_docs.load_results()
    assert records, "docs/lab_results.json is missing: run scripts/lab_docs.py"
    assert set(records) <= set(experiments.names())
    for record in records.values():
        assert not record["quick"] and record["seed"] == 0, "the docs quote full-mode runs"
        for name in record["figures"]:
            assert (ROOT / "docs" / "figures" / name).is_file()
    # docs/lab.md and the README's tour are exactly what the script renders from them.
    assert (ROOT / "docs" / "lab.md").read_text(encoding="utf-8") == lab_docs.render_lab(records)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert lab_docs.replace_tour(readme, lab_docs.render_tour(records)) == readme


def test_docs_render_any_run(results):
    lab_docs = _lab_docs()
    records = {}
    for name, result in results.items():
        record = lab_docs.result_record(result)
        assert json.loads(json.dumps(record)) == record  # JSON-safe as it is
        records[name] = lab_docs._restore(record)
    page = lab_docs.render_lab(records)
    tour = lab_docs.render_tour(records)
    for result in results.values():
        assert f"`{result.name}`" in page and result.summary.replace("|", "\\|") in page
        assert result.claim in page
        assert f"**{result.title}**" in tour
    assert "quick-mode run" in page and "quick-mode run" in tour
    assert "None" not in tour
