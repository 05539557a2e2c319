"""Take the screenshots of docs/playground.md with Playwright and Debian's Chromium.

Not a test (pytest does not collect it): run ``python tests/playground_screenshots.py``
from the repository root to write ``docs/figures/playground_*.png`` again.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mlplab.playground.app import create_app  # noqa: E402

OUT = ROOT / "docs" / "figures"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def serve() -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(max_sessions=64), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/", srv


def union(page, *selectors: str, pad: int = 6) -> dict[str, float]:
    boxes = [page.locator(s).first.bounding_box() for s in selectors]
    x0 = min(b["x"] for b in boxes) - pad
    y0 = min(b["y"] for b in boxes) - pad
    x1 = max(b["x"] + b["width"] for b in boxes) + pad
    y1 = max(b["y"] + b["height"] for b in boxes) + pad
    return {"x": max(0, x0), "y": max(0, y0), "width": x1 - max(0, x0), "height": y1 - max(0, y0)}


def main() -> None:
    url, srv = serve()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def open_page(query: str, width: int = 1280, height: int = 800):
            ctx = browser.new_context(viewport={"width": width, "height": height})
            page = ctx.new_page()
            page.goto(url + query)
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_timeout(300)
            return page

        def train(page, epochs: int) -> None:
            page.click("[data-testid=play]")
            page.wait_for_function(
                f"() => window.__playground.state.epoch >= {epochs}", timeout=60000
            )
            # a screenshot while playing shows the epochs per second
            page.wait_for_timeout(400)

        def pause(page) -> None:
            page.click("[data-testid=play]")
            page.wait_for_function("() => !window.__playground.state.playing")
            page.wait_for_timeout(300)

        # 1. The whole page while a spiral trains (epochs per second in the header).
        page = open_page("?ds=spiral&h=8,8,6&a=relu,relu,tanh&f=x1,x2,sinx1,sinx2&opt=adam&lr=0.01")
        train(page, 150)
        page.screenshot(path=OUT / "playground_overview.png")
        page.screenshot(
            path=OUT / "playground_epochs_per_second.png",
            clip=union(page, ".run", ".counter", "[data-field=learning_rate]"),
        )
        pause(page)

        # 2. Hovering a neuron shows its map in the big heatmap.
        page.hover("[data-testid=node-2-1]")
        page.wait_for_function("() => window.__playground.hoverMap !== null")
        page.wait_for_timeout(200)
        page.screenshot(
            path=OUT / "playground_hover_neuron.png",
            clip=union(page, "#network", "#plot", ".legend"),
        )

        # 3. Discretized output, with the legend and the axes.
        page.mouse.move(2, 2)
        page.check("[data-testid=discretize]")
        page.wait_for_timeout(200)
        page.screenshot(
            path=OUT / "playground_discretize.png",
            clip=union(page, "#output-col h2", "#plot", ".legend", ".checks"),
        )
        page.context.close()

        # 4. Problem type independent of the data: regression on the circle.
        page = open_page(
            "?ds=circle&problem=regression&h=6,4&a=tanh,tanh&f=x1,x2,x1sq,x2sq&opt=adam&lr=0.03"
        )
        train(page, 60)
        pause(page)
        page.screenshot(
            path=OUT / "playground_problem_type.png",
            clip=union(page, "[data-field=problem]", "#plot", ".legend", ".small"),
        )
        page.context.close()

        # 5. Clicking a weight edits it.
        page = open_page("?ds=xor&h=4&a=tanh&f=x1,x2")
        page.click("[data-testid=link-0-0-1]", force=True)
        page.fill("[data-testid=editor-value]", "2.5")
        page.wait_for_timeout(100)
        page.screenshot(
            path=OUT / "playground_edit_weight.png", clip=union(page, "#network", "#editor")
        )
        page.context.close()

        # 6. A refused value is shown at its control; nothing else changes.
        page = open_page("?opt=momentum")
        page.fill("[data-testid=momentum]", "5")
        page.press("[data-testid=momentum]", "Enter")
        page.locator("[data-testid=error-momentum]").wait_for()
        page.screenshot(
            path=OUT / "playground_field_error.png",
            clip=union(
                page, ".run", "[data-field=schedule]", "[data-testid=error-momentum]", pad=10
            ),
        )
        page.context.close()

        # 7. Classroom mode: the chooser, and the page it gives.
        page = open_page("?ds=xor&h=4,2&a=tanh,tanh")
        page.click("[data-testid=classroom-open]")
        for key in (
            "optimizer",
            "regularization",
            "upload",
            "initializer",
            "dropout",
            "batch_norm",
            "diagnostics",
            "exports",
        ):
            page.check(f"[data-testid=hide-{key}]")
        page.wait_for_timeout(200)
        page.screenshot(
            path=OUT / "playground_classroom_dialog.png", clip=union(page, "#classroom")
        )
        page.click("[data-testid=classroom-close]")
        page.wait_for_timeout(200)
        page.screenshot(path=OUT / "playground_classroom.png")
        page.context.close()

        # 8. An upload: three classes, its own tile, softmax outputs in class colours.
        rows = ["x1;x2;label"]
        for i in range(240):
            k = i % 3
            cx, cy = [(-3, -2.5), (3, -1), (-0.5, 3.5)][k]
            dx, dy = ((i * 37) % 17) / 8 - 1, ((i * 53) % 13) / 6 - 1
            rows.append(f"{cx + dx:.3f};{cy + dy:.3f};{k + 1}")
        page = open_page("?h=5,4&a=relu,tanh&opt=adam&lr=0.03")
        page.set_input_files(
            "[data-testid=upload]",
            files=[
                {
                    "name": "three_blobs.csv",
                    "mimeType": "text/csv",
                    "buffer": ("\n".join(rows) + "\n").encode(),
                }
            ],
        )
        page.wait_for_function("() => window.__playground.state.config.dataset === 'upload'")
        train(page, 40)
        pause(page)
        page.screenshot(
            path=OUT / "playground_upload.png",
            clip=union(page, "#data-col", "#network-col .layers-head", "#network", "#plot"),
        )
        page.context.close()

        # 9. Portuguese at 1024 px: the output map stays on screen.
        page = open_page(
            "?ds=spiral&nc=3&h=6,6&a=relu,relu&opt=nesterov&sch=cosine&reg=l2&rr=0.001&lang=pt",
            1024,
            768,
        )
        page.screenshot(path=OUT / "playground_1024_pt.png")
        page.context.close()

        # 10. Outputs that overflow are clamped, with a notice.
        page = open_page("?h=4,4&a=exponential,exponential&f=x1,x2,x1sq,x2sq")
        page.screenshot(
            path=OUT / "playground_overflow_notice.png",
            clip={"x": 0, "y": 60, "width": 1280, "height": 40},
        )
        page.context.close()
        browser.close()
    srv.should_exit = True


if __name__ == "__main__":
    main()
