"""The offline report in a real browser: the system's headless Chromium, driven by Playwright, with
every request other than the report file blocked and counted."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from report_browser import PAGES, chromium_path, open_report, screenshot_pages
from report_demo import config_path, db_path

from cli import main

CHART_PAGES_FILTERS = {
    "copilot": ("f-enterprise", "f-org", "f-team", "f-grain"),
    "spend": ("f-enterprise", "f-org", "f-grain"),
    "dora": ("f-enterprise", "f-org", "f-repo", "f-grain"),
    "velocity": ("f-enterprise", "f-org", "f-repo", "f-team", "f-grain"),
    "data": ("f-enterprise",),
}


NET_OF_MONTH = (
    "SELECT round(sum(net_amount), 2) FROM copilot_premium_requests "
    "WHERE org = '' AND user_login = '' AND substr(day, 1, 7) = ?"
)
ENTERPRISE_WEEKS = (
    "SELECT sum({}) FROM dora_metrics WHERE org = '' AND repo = '' AND granularity = 'week'"
)
UNDATED = {"lineage", "seat_activity", "seat_list"}
"""Charts of a state, not of dates: the lineage of metrics.db and the latest seat snapshot."""


def build(folder: Path, out: Path, *args: str) -> Path:
    """Write the report of the demo's metrics.db with `ghmc report`."""
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config_path(folder)), "report", "--out", str(out), *args])
    assert done.value.code == 0
    return out


@pytest.fixture(scope="module")
def report(report_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report, built from its metrics.db."""
    return build(report_demo, tmp_path_factory.mktemp("report") / "ghmc-report.html")


def sql(folder: Path, query: str, *params: Any) -> Any:
    """One value from the demo's metrics.db."""
    with closing(sqlite3.connect(db_path(folder))) as conn:
        return conn.execute(query, params).fetchone()[0]


def test_chromium_is_installed() -> None:
    """The system browser the tests drive exists (a missing one fails, saying what to install)."""
    assert Path(chromium_path()).exists()


def test_report_makes_no_request_and_no_error(report: Path) -> None:
    """Every tab opens with no network request beyond the file and no console or page error."""
    with open_report(report) as session:
        for page in PAGES:
            session.show(page)
            assert session.page.get_attribute("#page", "data-page") == page
        assert session.blocked == []
        assert session.errors == []


def test_every_chart_renders_with_data(report: Path) -> None:
    """On the demo, every chart on every page has rows and draws an SVG chart or a table."""
    with open_report(report) as session:
        for page in PAGES:
            session.show(page)
            panels = session.panels()
            assert panels, page
            for panel in panels:
                assert panel["rows"] > 0 and not panel["empty"], (page, panel)
                assert panel["svg"] > 0 or panel["table"] > 0, (page, panel)
        assert session.errors == []


def test_cards_equal_sql(report: Path, report_demo: Path) -> None:
    """The headline numbers on the cards equal the same sums over metrics.db."""
    d = report_demo
    last = sql(d, "SELECT max(day) FROM copilot_daily_metrics WHERE scope = 'enterprise'")
    with open_report(report) as session:
        copilot = session.cards()
        assert int(copilot["dau"]) == sql(d, "SELECT sum(daily_active_users) FROM "
                                          "copilot_daily_metrics WHERE scope = 'enterprise' "
                                          "AND day = ?", last)  # fmt: skip
        assert int(copilot["mau"]) == sql(d, "SELECT sum(monthly_active_users) FROM "
                                          "copilot_daily_metrics WHERE scope = 'enterprise' "
                                          "AND day = ?", last)  # fmt: skip
        acc = sql(d, "SELECT round(1000.0 * sum(code_acceptance_activity_count) / "
                  "sum(code_generation_activity_count)) / 10 FROM copilot_daily_metrics "
                  "WHERE scope = 'enterprise'")  # fmt: skip
        assert float(copilot["acc_count"]) == pytest.approx(acc)
        active = sql(d, "SELECT count(*) FROM copilot_seats s WHERE inactive_days < 30 AND "
                     "snapshot_day = (SELECT max(snapshot_day) FROM copilot_seats "
                     "WHERE enterprise_id = s.enterprise_id)")  # fmt: skip
        assert int(copilot["seats"]) == active
        session.show("spend")
        spend = session.cards()
        last_month = sql(d, "SELECT strftime('%Y-%m', max(day), 'start of month', '-1 month') "
                         "FROM copilot_premium_requests")  # fmt: skip
        net = sql(d, NET_OF_MONTH, last_month)
        assert float(spend["net_last_month"]) == pytest.approx(net, abs=0.01)
        session.show("dora")
        dora = session.cards()
        assert int(dora["deployments"]) == sql(d, ENTERPRISE_WEEKS.format("deployments"))
        assert int(dora["incidents"]) == sql(d, ENTERPRISE_WEEKS.format("incidents"))
        session.show("velocity")
        vel = session.cards()
        assert int(vel["opened"]) == sql(d, "SELECT count(*) FROM velocity_pull_requests")
        assert int(vel["merged"]) == sql(d, "SELECT count(merged_at) FROM velocity_pull_requests")
        session.show("data")
        assert int(session.cards()["runs"]) == sql(d, "SELECT count(*) FROM collection_runs")


def test_org_filter_cards_equal_sql(report: Path, report_demo: Path) -> None:
    """With an organization selected, the Copilot and DORA cards equal that org's rows."""
    d = report_demo
    org = sql(d, "SELECT min(org) FROM copilot_daily_metrics WHERE scope = 'organization'")
    last = sql(d, "SELECT max(day) FROM copilot_daily_metrics WHERE org = ?", org)
    with open_report(report) as session:
        session.rerender(lambda: session.page.select_option("#f-org", org))
        cards = session.cards()
        assert int(cards["dau"]) == sql(d, "SELECT daily_active_users FROM copilot_daily_metrics "
                                        "WHERE org = ? AND day = ?", org, last)  # fmt: skip
        session.show("dora")
        assert int(session.cards()["deployments"]) == sql(
            d, "SELECT sum(deployments) FROM dora_metrics WHERE org = ? AND repo = '' "
            "AND granularity = 'week'", org)  # fmt: skip
        assert session.errors == []


def pick_each_option(session: Any, select_id: str) -> int:
    """Select every option of a filter in turn (then the first again); return how many."""
    values = session.page.eval_on_selector_all(f"#{select_id} option", "os => os.map(o => o.value)")
    current = session.page.input_value(f"#{select_id}")
    for value in [v for v in values if v != current] + [current]:
        session.rerender(lambda v=value: session.page.select_option(f"#{select_id}", v))
        assert session.page.input_value(f"#{select_id}") == value
    return len(values)


def test_every_filter_on_every_page(report: Path) -> None:
    """Each filter of each page takes each of its values, and the page redraws without error."""
    with open_report(report) as session:
        for page, selects in CHART_PAGES_FILTERS.items():
            session.show(page)
            for select_id in selects:
                assert session.page.is_visible(f"#{select_id}"), (page, select_id)
                assert pick_each_option(session, select_id) >= 2, (page, select_id)
            for select_id in {"f-repo", "f-team"} - set(selects):
                assert not session.page.is_visible(f"#{select_id}"), (page, select_id)
            lo = session.page.input_value("#f-from")
            hi = session.page.input_value("#f-to")
            session.rerender(lambda h=hi: session.page.fill("#f-from", h[:8] + "01"))
            session.rerender(lambda h=hi: session.page.fill("#f-to", h))
            session.rerender(lambda: session.page.click("#f-reset"))
            assert session.page.input_value("#f-from") == lo
        assert session.blocked == []
        assert session.errors == []


def test_filter_without_rows_shows_empty_states(report: Path) -> None:
    """A date range with no data gives an empty-state message on every chart, never an error."""
    with open_report(report) as session:
        for page in PAGES:
            session.show(page)
            session.rerender(lambda: session.page.fill("#f-to", "2001-01-02"))
            session.rerender(lambda: session.page.fill("#f-from", "2001-01-01"))
            for panel in session.panels():
                if panel["id"] not in UNDATED:
                    assert panel["empty"] and panel["svg"] == 0, (page, panel)
            texts = session.page.eval_on_selector_all(".empty", "es => es.map(e => e.textContent)")
            assert texts and all("2001-01-01" in t for t in texts)
            session.rerender(lambda: session.page.click("#f-reset"))
        assert session.errors == []


def test_numbers_view_and_csv_download(report: Path) -> None:
    """A chart's Numbers button shows its table and CSV downloads the same numbers."""
    with open_report(report) as session:
        panel = "[data-chart='active_trend']"
        session.page.click(f"{panel} button[data-action='numbers']")
        rows = session.page.eval_on_selector_all(f"{panel} .numbers tbody tr", "rs => rs.length")
        assert rows == int(session.page.get_attribute(panel, "data-rows") or 0) > 0
        with session.page.expect_download() as info:
            session.page.click(f"{panel} button[data-action='csv']")
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert text.splitlines()[0] == "period,DAU,WAU,MAU"
        assert len(text.splitlines()) == rows + 1
        assert session.blocked == []


def test_dora_row_selects_the_lists(report: Path) -> None:
    """Clicking a repository row of the DORA table lists that repository's deployments."""
    with open_report(report) as session:
        session.show("dora")
        row = session.page.locator("[data-chart='dora_table'] tbody tr").nth(3)
        repo = row.locator("td").nth(1).text_content()
        session.rerender(row.click)
        note = session.page.text_content("[data-chart='dora_deployments'] .note") or ""
        assert f"Repository {repo}," in note
        assert session.errors == []


def test_screenshots_of_the_five_pages(report: Path, tmp_path: Path) -> None:
    """The screenshot helper (which made docs/screenshots) captures each page as a PNG."""
    shots = screenshot_pages(report, tmp_path)
    assert [s.name for s in shots] == [f"report-{p}.png" for p in PAGES]
    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000
