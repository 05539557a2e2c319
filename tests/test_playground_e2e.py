"""End-to-end test of the playground page in a real headless Chromium (Debian's package)."""

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
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(max_sessions=8), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
        )
        yield context
        context.close()


def _state(page):
    return page.evaluate("JSON.stringify(window.__playground.state)")


def test_spiral_trains_and_the_url_reproduces_the_config(server, browser):
    start = time.monotonic()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)

    page.click("[data-testid=dataset-spiral]")
    page.click("[data-testid=add-layer]")
    page.click("[data-testid=add-layer]")
    page.wait_for_function("window.__playground.state.config.hidden.length === 4")
    page.select_option("[data-testid=activation-0]", "relu")
    page.wait_for_function(
        "window.__playground.state.config.activations[0] === 'relu' && "
        "window.__playground.state.config.dataset === 'spiral'"
    )
    initial = json.loads(_state(page))
    assert initial["epoch"] == 0
    test_loss0 = initial["metrics"]["test_loss"]

    page.click("[data-testid=play]")
    page.wait_for_function("window.__playground.state.epoch >= 100", timeout=30_000)
    page.click("[data-testid=play]")  # pause
    page.wait_for_function("!window.__playground.state.playing")
    shown_epoch = int(page.text_content("[data-testid=epoch]"))
    assert shown_epoch >= 100
    final = json.loads(_state(page))
    assert final["metrics"]["test_loss"] < test_loss0
    assert float(page.text_content("[data-testid=test-loss]")) < test_loss0

    # The heatmap is not blank: its pixels vary.
    variance = page.evaluate(
        """() => {
          const c = document.querySelector('[data-testid=heatmap]');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let s = 0, s2 = 0, n = 0;
          for (let i = 0; i < d.length; i += 4) {
            const v = d[i] + d[i+1] + d[i+2]; s += v; s2 += v*v; n++;
          }
          return s2 / n - (s / n) ** 2;
        }"""
    )
    assert variance > 0
    # Gradient-flow bars are drawn for the 4 hidden layers and the output.
    assert page.locator("#diagnostics .diag:not(.head)").count() == 5

    # Switch the language.
    assert page.text_content("[data-i18n=data]") == "Data"
    page.select_option("[data-testid=lang]", "pt")
    assert page.text_content("[data-i18n=data]") == "Dados"
    assert page.evaluate("document.documentElement.lang") == "pt"
    page.select_option("[data-testid=lang]", "es")
    assert page.text_content("[data-i18n=data]") == "Datos"

    # A copied URL gives the same configuration (and the same initial weights) back.
    url = page.url
    assert "ds=spiral" in url and "a=relu" in url
    other = browser.new_page()
    other.goto(url)
    other.wait_for_selector("body[data-ready='1']", timeout=15_000)
    other.wait_for_function("window.__playground.state && window.__playground.state.epoch === 0")
    again = json.loads(_state(other))
    assert again["config"] == final["config"]
    assert again["weights"] == initial["weights"]
    assert other.input_value("[data-testid=activation-0]") == "relu"
    assert other.get_attribute("[data-testid=dataset-spiral]", "class").split().count("selected")
    # Each tab has its own session: the first is still where it was.
    assert json.loads(_state(page))["epoch"] == final["epoch"]
    assert not errors, errors
    other.close()
    page.close()
    assert time.monotonic() - start < 60
