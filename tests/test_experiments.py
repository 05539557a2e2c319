"""Every experiment in quick mode: its numbers, its report and its figures."""

from __future__ import annotations

import itertools
import math
import re

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


def test_activation_race_measures_speedup(results):
    data = results["activation-race"].data
    epochs = data["epochs"]
    assert math.isfinite(epochs["relu"]) and math.isfinite(epochs["tanh"])
    assert epochs["sigmoid"] > epochs["relu"]
    assert data["speedup_relu_vs_tanh"] == pytest.approx(epochs["tanh"] / epochs["relu"])
    assert results["activation-race"].held == (data["speedup_relu_vs_tanh"] >= 2)


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


def test_schedules_decay_and_report_losses(results):
    result = results["learning-rate-schedules"]
    table = {r["schedule"]: r for r in result.table}
    assert set(table) == {"constant", "step", "exponential", "linear", "cosine"}
    assert table["constant"]["final rate"] == pytest.approx(0.2)
    for name in ("step", "exponential", "linear", "cosine"):
        assert table[name]["final rate"] < 0.02
    assert all(np.isfinite(r["final loss"]) for r in result.table)
    decayed_lower = sum(table[k]["final loss"] < table["constant"]["final loss"] for k in table)
    assert result.held == (decayed_lower == 4)


def test_universal_approximation_grid(results):
    data = results["universal-approximation"].data
    assert len(data["relative_mse"]) == 4 * 2 * 2  # functions × depths × widths
    best = data["best"]
    assert best["square"][1] < 0.01 and best["sine"][1] < 0.01
    assert all(np.isfinite(v) and v >= 0 for v in data["relative_mse"].values())


def test_digits_grid_search(results):
    data = results["digits-grid"].data
    assert set(data["cv_accuracy"]) == {"(32,)", "(32, 32)"}
    assert data["best_cv_accuracy"] == max(data["cv_accuracy"].values())
    assert data["test_accuracy"] > 0.7
