"""Test helper (not shipped): open a report in the system's headless Chromium through Playwright,
with every request other than the report file itself blocked and counted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser")
PAGES = ("copilot", "spend", "dora", "velocity", "data")


def chromium_path() -> str:
    """The system Chromium (Debian package `chromium`); a missing browser says what to install."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "no Chromium on PATH: the report tests need the system browser "
        "(`apt-get update && apt-get install -y chromium`); never `playwright install`"
    )


@dataclass
class Session:
    """An open page and what it did: blocked requests, console errors, page errors."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def show(self, page_id: str) -> None:
        """Click a tab and wait until the page is drawn."""
        before = int(self.page.get_attribute("body", "data-rendered") or 0)
        self.page.click(f"#tabs button[data-page='{page_id}']")
        self.page.wait_for_function(
            f"Number(document.body.getAttribute('data-rendered')) > {before}"
        )

    def rerender(self, action: Any) -> None:
        """Run an action that changes a filter and wait for the page to be drawn again."""
        before = int(self.page.get_attribute("body", "data-rendered") or 0)
        action()
        self.page.wait_for_function(
            f"Number(document.body.getAttribute('data-rendered')) > {before}"
        )

    def cards(self) -> dict[str, str]:
        """data-card id → data-value of every card on the current page."""
        result: dict[str, str] = self.page.eval_on_selector_all(
            "[data-card]",
            "els => Object.fromEntries(els.map(e => [e.dataset.card, e.dataset.value]))",
        )
        return result

    def panels(self) -> list[dict[str, Any]]:
        """For every chart panel: id, rows, empty flag, whether it holds an SVG or a table."""
        result: list[dict[str, Any]] = self.page.eval_on_selector_all(
            "[data-chart]",
            """els => els.map(e => ({
                id: e.dataset.chart, rows: Number(e.dataset.rows), empty: !!e.dataset.empty,
                svg: e.querySelectorAll('.chart svg path, .chart svg rect').length,
                table: e.querySelectorAll('table.data tbody tr').length}))""",
        )
        return result


@contextmanager
def open_report(path: Path, width: int = 1400, height: int = 1000) -> Iterator[Session]:
    """Open `path` in headless Chromium; every request but the file itself is aborted and kept."""
    from playwright.sync_api import sync_playwright

    url = path.resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, accept_downloads=True
            )
            page = context.new_page()
            session = Session(page)

            def route(r: Any) -> None:
                if r.request.url == url:
                    r.continue_()
                else:
                    session.blocked.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page.on("request", lambda req: None)
            page.on(
                "console",
                lambda msg: (
                    session.errors.append(f"console {msg.type}: {msg.text}")
                    if msg.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda exc: session.errors.append(f"page error: {exc}"))
            page.goto(url)
            page.wait_for_function("Number(document.body.getAttribute('data-rendered')) > 0")
            yield session
        finally:
            browser.close()


def screenshot_pages(path: Path, out_dir: Path) -> list[Path]:
    """Screenshot each page of the report (full page) to out_dir/report-<page>.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with open_report(path) as session:
        for page_id in PAGES:
            session.show(page_id)
            shot = out_dir / f"report-{page_id}.png"
            session.page.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
        assert not session.errors, session.errors
        assert not session.blocked, session.blocked
    return shots


if __name__ == "__main__":  # python tests/report_browser.py REPORT.html docs/screenshots
    import sys

    for shot in screenshot_pages(Path(sys.argv[1]), Path(sys.argv[2])):
        print(shot)  # noqa: T201 - a script run by hand
