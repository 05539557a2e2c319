"""End-to-end tests of the playground page in a real headless Chromium (Debian's package).

One server and one browser for the module; every test opens its own tab (its own session).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

import uvicorn  # noqa: E402

from mlplab.playground.app import create_app  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGS = ("en", "pt", "es")


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(max_sessions=64)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/", app
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(server, browser):
    """open_page(query="", width=1280, height=800) -> a ready page; closed after the test."""
    url, _ = server
    pages = []

    def _open(query: str = "", width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on(
            "console",
            lambda m: page.errors.append(m.text) if m.type == "error" else None,
        )
        page.goto(url + query)
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        pages.append((context, page))
        return page

    yield _open
    for context, page in pages:
        # Refused requests are logged by the browser; anything else is a bug of the page.
        assert not [e for e in page.errors if "Failed to load resource" not in e], page.errors
        context.close()


def state(page) -> dict:
    return json.loads(page.evaluate("JSON.stringify(window.__playground.state)"))


def settle(page) -> dict:
    """Wait until nothing is on its way to the server; return the state."""
    page.wait_for_function("() => window.__playground.idle()")
    return state(page)


def picture(page, selector: str) -> str:
    """A canvas's picture as a PNG data URL (equal pictures, equal strings)."""
    return page.evaluate("(sel) => document.querySelector(sel).toDataURL()", selector)


def pixels(page, selector: str) -> list[int]:
    """The RGBA bytes of a (small) canvas."""
    return page.evaluate(
        """(sel) => {
          const c = document.querySelector(sel);
          return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
        }""",
        selector,
    )


# Every control's value against the server's configuration.
CONTROLS_VS_STATE = """() => {
  const s = window.__playground.state.config, $ = (id) => document.getElementById(id), out = [];
  const eq = (name, shown, truth) => {
    if (String(shown) !== String(truth)) out.push([name, shown, truth]);
  };
  for (const id of ["optimizer", "schedule", "initializer", "regularization", "problem"]) {
    eq(id, $(id).value, s[id]);
  }
  for (const id of ["learning_rate", "reg_rate", "dropout", "momentum", "decay_epochs",
                    "n_classes"]) {
    eq(id, Number($(id).value), s[id]);
  }
  eq("batch_norm", $("batch_norm").checked, s.batch_norm);
  eq("train_ratio", Number($("train_ratio").value), Math.round(s.train_ratio * 100));
  eq("noise", Number($("noise").value), Math.round(s.noise * 100));
  eq("batch_size", Number($("batch_size").value), s.batch_size);
  eq("n_samples", Number($("n_samples").value), s.n_samples);
  const tiles = [...document.querySelectorAll(".dataset.selected")].map((b) => b.dataset.name);
  eq("dataset", tiles.join(","), s.dataset);
  const feats = [...document.querySelectorAll(".feature.selected")].map((b) => b.dataset.name);
  eq("features", feats.join(","), s.features.join(","));
  eq("layers", $("n-layers").textContent, s.hidden.length);
  const acts = [...document.querySelectorAll(".layer-activation")].map((e) => e.value);
  eq("activations", acts.join(","), s.activations.join(","));
  const units = document.querySelectorAll('canvas.node[data-col="1"]').length;
  if (s.hidden.length) eq("units", units, s.hidden[0]);
  return out;
}"""


def assert_controls_match(page):
    settle(page)
    assert page.evaluate(CONTROLS_VS_STATE) == []


def test_spiral_trains_and_the_url_reproduces_the_config(open_page):
    page = open_page()
    page.click("[data-testid=dataset-spiral]")
    page.click("[data-testid=add-layer]")
    page.click("[data-testid=add-layer]")
    page.wait_for_function("() => window.__playground.state.config.hidden.length === 4")
    page.select_option("[data-testid=activation-0]", "relu")
    page.wait_for_function(
        "() => window.__playground.state.config.activations[0] === 'relu' && "
        "window.__playground.state.config.dataset === 'spiral'"
    )
    initial = settle(page)
    assert initial["epoch"] == 0
    test_loss0 = initial["metrics"]["test_loss"]

    page.click("[data-testid=play]")
    page.wait_for_function("() => window.__playground.state.epoch >= 100", timeout=30_000)
    # Epochs per second are shown while training.
    page.wait_for_function("() => /\\d/.test(document.getElementById('eps').textContent)")
    assert "epochs/s" in page.text_content("[data-testid=eps]")
    page.click("[data-testid=play]")  # pause
    page.wait_for_function("() => !window.__playground.state.playing")
    final = settle(page)
    assert int(page.text_content("[data-testid=epoch]")) == final["epoch"] >= 100
    assert final["metrics"]["test_loss"] < test_loss0
    assert float(page.text_content("[data-testid=test-loss]")) == pytest.approx(
        final["metrics"]["test_loss"], abs=1e-3
    )
    assert page.text_content("[data-testid=eps]").strip() == ""  # paused: no rate
    assert page.locator("#diagnostics .diag:not(.head)").count() == 5

    # A copied URL gives the same configuration (and the same initial weights) back.
    url = page.url
    assert "ds=spiral" in url and "a=relu" in url
    other = open_page(url.split("/", 3)[3])
    again = settle(other)
    assert again["config"] == final["config"] and again["epoch"] == 0
    assert again["weights"] == initial["weights"]
    assert other.input_value("[data-testid=activation-0]") == "relu"
    # Each tab has its own session: the first is still where it was.
    assert state(page)["epoch"] == final["epoch"]


def test_thumbnails_redraw_after_step_and_reset_while_paused(open_page):
    page = open_page("?ds=xor&h=3&a=tanh&lr=0.3")
    node = "[data-testid=node-1-0]"
    before = pixels(page, node)
    page.click("[data-testid=step]")
    page.wait_for_function("() => window.__playground.state.epoch === 1")
    page.wait_for_timeout(100)
    after_step = pixels(page, node)
    assert after_step != before  # the neuron's picture follows the new weights
    page.click("[data-testid=step]")
    page.wait_for_function("() => window.__playground.state.epoch === 2")
    page.click("[data-testid=reset]")
    page.wait_for_function("() => window.__playground.state.epoch === 0")
    page.wait_for_timeout(100)
    assert pixels(page, node) == before  # back to the seeded initial weights
    # and the poll, seeing no new revision, leaves it alone
    page.wait_for_timeout(600)
    assert pixels(page, node) == before


def test_an_invalid_value_is_shown_at_its_field_and_never_resent(open_page):
    page = open_page("?opt=momentum")
    posted: list[dict] = []
    page.on(
        "request",
        lambda r: (
            posted.append(json.loads(r.post_data))
            if r.method == "POST" and r.url.endswith("/config")
            else None
        ),
    )
    page.fill("[data-testid=momentum]", "5")
    page.press("[data-testid=momentum]", "Enter")
    error = page.locator("[data-testid=error-momentum]")
    error.wait_for()
    assert "0.999" in error.text_content()
    assert page.input_value("[data-testid=momentum]") == "0.9"  # the server's value
    page.click("[data-testid=dataset-xor]")
    page.wait_for_function("() => window.__playground.state.config.dataset === 'xor'")
    page.click("[data-testid=add-layer]")
    page.wait_for_function("() => window.__playground.state.config.hidden.length === 3")
    page.select_option("[data-testid=schedule]", "step")
    page.wait_for_function("() => window.__playground.state.config.schedule === 'step'")
    page.fill("[data-testid=decay-epochs]", "0")
    page.press("[data-testid=decay-epochs]", "Enter")
    page.locator("[data-testid=error-decay_epochs]").wait_for()
    assert_controls_match(page)
    assert all(p["momentum"] <= 0.999 and p["decay_epochs"] >= 1 for p in posted), posted


def test_a_refused_server_change_reverts_the_controls(open_page, server):
    """A value only the server checks (a negative seed) refuses the whole change."""
    page = open_page("?ds=circle&h=2,2&a=tanh,tanh")
    # Changes the page holds but has not sent yet, one of them refused by the server.
    page.evaluate(
        "() => { const p = window.__playground; p.config.hidden = [4, 4, 4];"
        " p.config.activations = ['relu', 'relu', 'relu']; p.config.seed = -5; }"
    )
    page.click("[data-testid=dataset-xor]")
    page.locator("[data-testid=error-seed]").wait_for()
    s = settle(page)
    assert s["config"]["dataset"] == "circle" and s["config"]["hidden"] == [2, 2]
    assert_controls_match(page)
    # The next change works (nothing refused is sent again).
    page.click("[data-testid=dataset-moons]")
    page.wait_for_function("() => window.__playground.state.config.dataset === 'moons'")
    assert_controls_match(page)


def test_a_bad_value_in_the_url_keeps_the_rest(open_page):
    page = open_page("?ds=xor&opt=momentum&mom=5&h=3&a=relu&seed=" + "9" * 5000)
    s = settle(page)
    assert s["config"]["dataset"] == "xor" and s["config"]["hidden"] == [3]
    assert s["config"]["momentum"] == 0.9 and s["config"]["seed"] == 1
    page.locator("[data-testid=error-momentum]").wait_for()
    page.locator("[data-testid=error-seed]").wait_for()
    assert_controls_match(page)
    assert "mom=0.9" in page.url


def test_an_evicted_tab_starts_again_from_what_it_shows(open_page, server):
    _, app = server
    page = open_page("?ds=moons&h=3&a=relu&lr=0.1")
    page.click("[data-testid=step]")
    page.wait_for_function("() => window.__playground.state.epoch === 1")
    sid = page.evaluate("window.__playground.sid")
    app.state.manager.delete(sid)  # what the session cap does to the least recently polled
    page.wait_for_function("() => window.__playground.state.epoch === 0", timeout=10_000)
    assert sid in app.state.manager.sessions
    s = settle(page)
    assert s["config"]["dataset"] == "moons" and s["config"]["hidden"] == [3]
    assert "forgotten" in page.text_content("[data-testid=notice]")
    assert_controls_match(page)


def test_controls_meant_to_be_hidden_are_hidden(open_page):
    page = open_page("?ds=circle&opt=sgd&sch=constant")
    for box in ("#momentum-box", "#decay-box", "#classes-box", "#reg-rate-box"):
        assert not page.is_visible(box), box
    page.select_option("[data-testid=optimizer]", "nesterov")
    page.select_option("[data-testid=schedule]", "cosine")
    page.select_option("[data-testid=regularization]", "l2")
    page.click("[data-testid=dataset-spiral]")
    page.wait_for_function("() => window.__playground.state.config.dataset === 'spiral'")
    for box in ("#momentum-box", "#decay-box", "#classes-box", "#reg-rate-box"):
        assert page.is_visible(box), box
    page.select_option("[data-testid=n-classes]", "3")
    page.wait_for_function("() => window.__playground.state.n_classes === 3")
    assert len(state(page)["neurons"][-1]) == 3  # three softmax outputs drawn
    assert page.locator('canvas.node[data-col="3"]').count() == 3


def test_momentum_zero_is_zero(open_page):
    page = open_page("?opt=momentum&mom=0.5")
    page.fill("[data-testid=momentum]", "0")
    page.press("[data-testid=momentum]", "Enter")
    page.wait_for_function("() => window.__playground.state.config.momentum === 0")
    assert page.input_value("[data-testid=momentum]") == "0"
    assert "mom=0&" in page.url + "&"


def test_batch_norm_with_batch_size_one_is_refused_and_explained(open_page):
    page = open_page("?bs=1")
    page.click("[data-testid=batch-norm]")
    error = page.locator("[data-testid=error-batch_norm]")
    error.wait_for()
    assert "2" in error.text_content()
    assert not page.is_checked("[data-testid=batch-norm]")
    assert settle(page)["config"]["batch_norm"] is False
    # With batch norm on, the batch-size slider stops at 2.
    page.fill("[data-testid=batch-size]", "5")
    page.dispatch_event("[data-testid=batch-size]", "input")
    page.wait_for_function("() => window.__playground.state.config.batch_size === 5")
    page.check("[data-testid=batch-norm]")
    page.wait_for_function("() => window.__playground.state.config.batch_norm === true")
    assert page.get_attribute("[data-testid=batch-size]", "min") == "2"
    assert_controls_match(page)


def _three_class_csv(sep: str = ";") -> bytes:
    rows = ["x1;x2;label".replace(";", sep)]
    for i in range(150):
        k = i % 3
        a, b = [(-3, -3), (3, 0), (-1, 4)][k]
        rows.append(sep.join([f"{a + (i % 7) / 7:.3f}", f"{b - (i % 5) / 5:.3f}", str(k + 1)]))
    return ("\n".join(rows) + "\n").encode()


def test_upload_sets_classes_the_tile_and_class_colours(open_page):
    page = open_page()
    page.set_input_files(
        "[data-testid=upload]",
        files=[{"name": "three.csv", "mimeType": "text/csv", "buffer": _three_class_csv()}],
    )
    page.wait_for_function("() => window.__playground.state.config.dataset === 'upload'")
    s = settle(page)
    assert s["n_classes"] == 3 and s["config"]["n_classes"] == 3
    assert page.is_visible("#classes-box") and page.input_value("[data-testid=n-classes]") == "3"
    assert "selected" in page.get_attribute("[data-testid=dataset-upload]", "class")
    assert page.text_content("[data-testid=upload-name]") == "three.csv"
    assert_controls_match(page)
    # Each softmax output is drawn in its class's colour (orange, blue, green).
    last = len(s["config"]["hidden"]) + 1
    for k, channel in enumerate((0, 2, 1)):
        px = pixels(page, f"[data-testid=node-{last}-{k}]")
        r, g, b = (sum(px[c::4]) for c in range(3))
        dominant = max(range(3), key=lambda c: (r, g, b)[c] - sum((r, g, b)) / 3)
        assert dominant == channel, (k, r, g, b)


@pytest.mark.filterwarnings("ignore::mlplab.training.DivergenceWarning")
def test_the_diverged_notice_goes_away_with_new_data(open_page):
    page = open_page("?ds=reg-plane&f=x1,x2,x1sq,x2sq,x1x2&h=8,8&a=relu,relu&lr=10")
    page.click("[data-testid=play]")
    page.wait_for_function(
        "() => (window.__playground.state.notice || {}).code === 'diverged'",
        timeout=20_000,
    )
    assert page.is_visible("[data-testid=notice]")
    assert "diverged" in page.text_content("[data-testid=notice]")
    page.click("[data-testid=dataset-reg-gauss]")
    page.wait_for_function("() => window.__playground.state.config.dataset === 'reg-gauss'")
    page.wait_for_timeout(200)
    assert not page.is_visible("[data-testid=notice]")


def test_problem_type_selector(open_page):
    page = open_page("?ds=circle")
    page.select_option("[data-testid=problem]", "regression")
    page.wait_for_function("() => window.__playground.state.problem === 'regression'")
    s = settle(page)
    assert s["config"]["dataset"] == "circle" and s["loss_name"] == "squared_error"
    assert "squared error" in page.text_content("[data-testid=loss-name]")
    assert "problem=regression" in page.url
    page.click("[data-testid=dataset-xor]")  # the problem stays what was chosen
    page.wait_for_function("() => window.__playground.state.config.dataset === 'xor'")
    assert settle(page)["problem"] == "regression"


TWO_COLOUR_SHARE = """() => {
  // Share of the map's pixels that are exactly the orange or the blue end of the scale.
  const c = document.querySelector('[data-testid=heatmap]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if ((d[i] === 245 && d[i + 1] === 147 && d[i + 2] === 34)
        || (d[i] === 8 && d[i + 1] === 119 && d[i + 2] === 189)) n++;
  }
  return n / (d.length / 4);
}"""


def test_discretize_output_legend_and_axes(open_page):
    page = open_page("?ds=circle")
    assert page.evaluate(TWO_COLOUR_SHARE) < 0.2
    page.check("[data-testid=discretize]")
    assert page.evaluate(TWO_COLOUR_SHARE) > 0.6
    assert "disc=1" in page.url
    assert state(page)["heatmap"]["size"] >= 100
    ticks = page.locator("#x-axis span").all_text_contents()
    assert ticks == ["-6", "-4", "-2", "0", "2", "4", "6"]
    assert page.locator("#y-axis span").all_text_contents() == ticks
    legend = page.locator("#legend-ticks span").all_text_contents()
    assert len(legend) == 3 and "class 1" in legend[-1]
    assert page.is_visible("#legend")


def test_hovering_a_neuron_shows_its_map(open_page):
    page = open_page("?ds=xor&h=3&a=tanh")
    output_map = picture(page, "[data-testid=heatmap]")
    page.hover("[data-testid=node-1-1]")
    page.wait_for_function("() => window.__playground.hoverMap !== null")
    page.wait_for_timeout(50)
    assert page.is_visible("[data-testid=hover-caption]")
    assert "Layer 1" in page.text_content("[data-testid=hover-caption]")
    neuron_map = picture(page, "[data-testid=heatmap]")
    assert neuron_map != output_map
    page.hover("[data-testid=node-0-0]")  # an input: x₁
    page.wait_for_timeout(50)
    assert "x₁" in page.text_content("[data-testid=hover-caption]")
    page.mouse.move(5, 5)
    page.wait_for_timeout(50)
    assert not page.is_visible("[data-testid=hover-caption]")
    assert picture(page, "[data-testid=heatmap]") == output_map


def test_click_a_weight_or_a_bias_to_edit_it(open_page):
    page = open_page("?ds=xor&h=3&a=tanh")
    page.click("[data-testid=link-0-1-2]", force=True)
    page.locator("[data-testid=editor]").wait_for()
    page.fill("[data-testid=editor-value]", "2.5")
    page.press("[data-testid=editor-value]", "Enter")
    page.wait_for_function("() => window.__playground.state.weights[0].weights[1][2] === 2.5")
    assert not page.is_visible("[data-testid=editor]")
    page.click("[data-testid=bias-1-0]")
    page.fill("[data-testid=editor-value]", "1e9")
    page.click("[data-testid=editor-ok]")
    assert page.is_visible("#editor-error")  # refused at the field
    page.fill("[data-testid=editor-value]", "-1.5")
    page.click("[data-testid=editor-ok]")
    page.wait_for_function("() => window.__playground.state.weights[1].biases[0] === -1.5")


def test_classroom_mode_hides_the_chosen_controls(open_page):
    page = open_page("?hide=optimizer,learning_rate,upload,layers")
    for sel in ("[data-testid=optimizer]", "[data-testid=learning-rate]", "[data-testid=upload]"):
        assert not page.is_visible(sel), sel
    assert not page.is_visible("[data-testid=add-layer]")
    assert not page.is_visible("[data-testid=add-neuron-0]")
    assert page.is_visible("[data-testid=noise]")
    page.click("[data-testid=classroom-open]")
    page.check("[data-testid=hide-noise]")
    assert not page.is_visible("[data-testid=noise]")
    page.uncheck("[data-testid=hide-optimizer]")
    page.click("[data-testid=classroom-close]")
    assert page.is_visible("[data-testid=optimizer]")
    hide = page.evaluate("new URLSearchParams(location.search).get('hide')").split(",")
    assert set(hide) == {"learning_rate", "upload", "layers", "noise"}


def test_classroom_mode_keeps_the_layout(open_page):
    """Whole columns hidden leave gaps, nothing moves onto anything else."""
    hide = "optimizer,momentum,schedule,regularization,problem,dataset,features,layers,"
    hide += "activations,initializer,dropout,batch_norm,upload,diagnostics"
    page = open_page(f"?ds=xor&h=2&a=sigmoid&opt=momentum&lang=pt&hide={hide}")
    settle(page)
    assert not page.is_visible("#features-col")
    assert page.evaluate(HEADER_AND_COLUMNS) == []
    box = page.locator("[data-testid=heatmap]").bounding_box()
    network = page.locator("[data-testid=network]").bounding_box()
    assert network["x"] + network["width"] <= box["x"]


def _visible_strings(page) -> set[str]:
    return set(
        page.evaluate(
            """() => {
          const out = [];
          const visible = (el) => el.getClientRects().length && !el.closest('[hidden]')
            && getComputedStyle(el).visibility !== 'hidden';
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const n = walker.currentNode, el = n.parentElement;
            if (el.closest('script') || !visible(el) || el.tagName === 'OPTION') continue;
            if (n.textContent.trim()) out.push(n.textContent.trim());
          }
          document.querySelectorAll('option').forEach((o) => {
            if (visible(o.parentElement)) out.push(o.textContent.trim());
          });
          document.querySelectorAll('[title], [data-tip]').forEach((el) => {
            if (!visible(el)) return;
            if (el.title) out.push(el.title.trim());
            if (el.dataset.tip) out.push(el.dataset.tip.trim());
          });
          return out;
        }"""
        )
    )


# Names that are the same in the three languages.
SAME_EVERYWHERE = {
    "mlplab", "English", "Português", "Español", "SGD", "Nesterov", "AdaGrad", "RMSProp", "Adam",
    "L1", "L2", "R²", "Dropout", "Softmax", "Softmin", "Tanh", "Log-softmax", "Leaky ReLU",
    "Linear", "Normal", "Glorot normal", "He normal", "LeCun normal", "Zeros", "Classes", "Error",
    "Python", "Constante", "Mish", "Sinc", "Softplus", "Softsign", "Sparsemax", "Squareplus",
    "Swish", "sin x₁", "sin x₂",
}  # fmt: skip


@pytest.mark.parametrize("lang", ["pt", "es"])
def test_every_visible_string_is_translated(open_page, lang):
    query = "?ds=spiral&nc=3&opt=momentum&sch=step&reg=l2&h=4,3&a=relu,tanh"
    english = _visible_strings(open_page(query + "&lang=en"))
    page = open_page(query + f"&lang={lang}")
    # A server error too, by its code.
    page.set_input_files(
        "[data-testid=upload]",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"1,2\n3,4\n"}],
    )
    page.locator("[data-testid=error-upload]").wait_for()
    other = _visible_strings(page)
    import re

    def wordy(s: str) -> bool:
        return bool(re.search(r"[A-Za-z]{3,}", s)) and s not in SAME_EVERYWHERE

    untranslated = sorted(s for s in other & english if wordy(s))
    # Activation names of the ReLU family are names, not words.
    untranslated = [
        s for s in untranslated if not re.fullmatch(r"[A-Za-z0-9 ]*[A-Z]{2,}[A-Za-z0-9 ]*", s)
    ]
    assert untranslated == [], untranslated
    error = page.text_content("[data-testid=error-upload]")
    assert error and "columns" not in error and "3" in error


def _table() -> dict[str, dict[str, str]]:
    from mlplab.playground.app import STATIC

    return json.loads((STATIC / "messages.json").read_text(encoding="utf-8"))


def test_the_language_menu_switches_every_string(open_page):
    """Each language of messages.json, chosen in the menu: labels, titles, option names."""
    table = _table()
    page = open_page("?ds=xor&opt=momentum")
    menu = page.eval_on_selector_all(
        "[data-testid=lang] option", "os => os.map(o => [o.value, o.textContent])"
    )
    assert menu == [[lang, name] for lang, name in table["language_name"].items()]
    for lang in ("pt", "es", "en"):
        page.select_option("[data-testid=lang]", lang)
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.text_content("[data-i18n=optimizer]") == table["optimizer"][lang]
        assert page.text_content("[data-i18n=which_dataset]") == table["which_dataset"][lang]
        assert page.get_attribute("[data-testid=reset]", "title") == table["reset"][lang]
        label = page.eval_on_selector("[data-testid=optimizer]", "s => s.selectedOptions[0].text")
        assert label == table["opt-momentum"][lang]
    # The choice is remembered: a link without lang= opens in the last language chosen.
    page.select_option("[data-testid=lang]", "es")
    page.goto(page.url)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    assert page.text_content("[data-i18n=optimizer]") == table["optimizer"]["es"]


def test_the_page_waits_for_slow_messages(server, browser):
    """messages.json arriving after everything else: the page still starts in its language."""
    url, _ = server
    table = _table()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def slow(route):
            time.sleep(1.0)
            route.continue_()

        page.route("**/static/messages.json", slow)
        page.goto(url + "?ds=xor&lang=pt")
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        assert page.text_content("[data-i18n=optimizer]") == table["optimizer"]["pt"]
        assert page.get_attribute("[data-testid=play]", "title") == table["play"]["pt"]
        assert errors == []
    finally:
        context.close()


def test_messages_that_cannot_load_are_reported(server, browser):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.route("**/static/messages.json", lambda route: route.fulfill(status=500, body="no"))
        page.goto(url + "?ds=xor&lang=pt")
        notice = page.locator("[data-testid=notice]")
        notice.wait_for(timeout=15_000)
        assert "messages.json" in notice.text_content()
        # The page never started training without its strings.
        assert page.get_attribute("body", "data-ready") is None
    finally:
        context.close()


HEADER_AND_COLUMNS = """() => {
  const sel = ['header .brand', 'header .run button', 'header .counter', 'header .ctl > span',
    'header .ctl > select', 'header .ctl > input', 'header .tools > *', 'main h2', 'main h3',
    'main .hint', 'main .dataset', 'main .feature', 'main .row > span', 'main .row > output',
    'main input', 'main select', 'main button:not(.bias)', 'main canvas', 'main .units',
    'main .metrics', 'main .legend-ticks span', 'main .axis span', 'main .check',
    'main .small', 'main .upload-name', '.field-error'];
  const visible = (el) => el.getClientRects().length && !el.closest('[hidden]')
    && getComputedStyle(el).visibility !== 'hidden' && getComputedStyle(el).opacity !== '0';
  const els = [...new Set(document.querySelectorAll(sel.join(',')))].filter(visible);
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '')
    + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '')
    + ' "' + (e.textContent || '').trim().slice(0, 20) + '"';
  const out = [];
  const boxes = els.map((e) => [e, e.getBoundingClientRect()]);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 1 && h > 1) out.push(name(a) + ' / ' + name(b));
  }
  return out;
}"""

HEADER_ROWS = """() => {
  const header = document.querySelector('header');
  const kids = [...header.children].filter((e) => e.getClientRects().length && !e.hidden);
  const r = kids.map((e) => e.getBoundingClientRect());
  return { minBottom: Math.min(...r.map((b) => b.bottom)),
           maxTop: Math.max(...r.map((b) => b.top)), right: Math.max(...r.map((b) => b.right)),
           height: header.getBoundingClientRect().height };
}"""

# Text wider than its own box spills over its neighbours without their boxes meeting.
OVERFLOWS = """() => [...document.querySelectorAll(
    'header .ctl > span, header .counter, main h2, main h3, main .hint, main .row-head, '
    + 'main button, main .check, main .units, main .file-button, .diag span')]
  .filter((e) => e.getClientRects().length && !e.closest('[hidden]'))
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .map((e) => (e.id || e.className) + ' "' + e.textContent.trim().slice(0, 30) + '"')"""

BUSY = "?ds=spiral&nc=3&opt=nesterov&sch=cosine&reg=l2&rr=0.01&h=8,8,8,8&a=relu,tanh,elu,sigmoid"


@pytest.mark.parametrize("lang", LANGS)
def test_layout_at_1280(open_page, lang):
    page = open_page(f"{BUSY}&lang={lang}", 1280, 800)
    settle(page)
    rows = page.evaluate(HEADER_ROWS)
    assert rows["maxTop"] < rows["minBottom"], rows  # one row: every item shares a band
    assert rows["right"] <= 1280 and rows["height"] < 90, rows
    assert page.evaluate(HEADER_AND_COLUMNS) == []
    assert page.evaluate(OVERFLOWS) == []


@pytest.mark.parametrize("lang", LANGS)
def test_layout_at_1024_keeps_the_output_map_on_screen(open_page, lang):
    page = open_page(f"{BUSY}&lang={lang}", 1024, 768)
    settle(page)
    box = page.locator("[data-testid=heatmap]").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1024, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert page.evaluate(HEADER_AND_COLUMNS) == []
    assert page.evaluate(OVERFLOWS) == []
