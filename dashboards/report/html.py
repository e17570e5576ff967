"""Assemble the report: one HTML file with its styles, script, chart library and data inlined.

The page names no external resource and its Content-Security-Policy forbids fetching any, so it
opens offline in any current browser. Nothing time-dependent enters it: the same metrics.db gives
the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dashboards.report.vendor import ECHARTS_VERSION, echarts_source, license_notice

ASSETS = Path(__file__).resolve().parent / "assets"
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)


def inline_script(text: str) -> str:
    """Text made safe inside <script>…</script> (no closing tag or comment opener)."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def data_json(payload: dict[str, Any]) -> str:
    """The report's data as JSON for an inline <script type="application/json">."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return inline_script(text)


def render(payload: dict[str, Any], title: str) -> str:
    """The whole HTML page."""
    template = (ASSETS / "page.html").read_text(encoding="utf-8")
    parts = {
        "{{title}}": _escape(title),
        "{{csp}}": CSP,
        "{{css}}": (ASSETS / "report.css").read_text(encoding="utf-8"),
        "{{echarts_version}}": ECHARTS_VERSION,
        "{{notice}}": _escape(license_notice()),
        "{{data}}": data_json(payload),
        "{{echarts}}": inline_script(echarts_source()),
        "{{script}}": inline_script((ASSETS / "report.js").read_text(encoding="utf-8")),
    }
    out = template
    for key in ("{{title}}", "{{csp}}", "{{css}}", "{{echarts_version}}", "{{notice}}"):
        out = out.replace(key, parts[key])
    # the large parts last, so no placeholder text inside them is ever replaced
    head, rest = out.split("{{data}}", 1)
    mid, tail = rest.split("{{echarts}}", 1)
    before, after = tail.split("{{script}}", 1)
    return "".join(
        [head, parts["{{data}}"], mid, parts["{{echarts}}"], before, parts["{{script}}"], after]
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
