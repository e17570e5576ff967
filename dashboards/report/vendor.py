"""The vendored chart library: Apache ECharts, checked against its recorded version and sha256
before it is inlined, so a changed or damaged copy never reaches a report unnoticed.

Fetched with `npm pack echarts@6.1.0`; `dist/echarts.min.js`, `LICENSE`, `NOTICE` and
`licenses/LICENSE-d3` are copied unchanged into `vendor/`. To upgrade: copy the new files, then
update ECHARTS_VERSION and ECHARTS_SHA256 below.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from dashboards.report.errors import ReportError

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
ECHARTS_FILE = "echarts.min.js"
ECHARTS_VERSION = "6.1.0"
ECHARTS_SHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"
LICENSE_FILES = ("LICENSE", "NOTICE", "LICENSE-d3")


def echarts_source(vendor_dir: Path = VENDOR_DIR) -> str:
    """The checked text of echarts.min.js (ReportError if missing, changed or another version)."""
    path = vendor_dir / ECHARTS_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"vendored chart library {path} cannot be read ({exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != ECHARTS_SHA256:
        raise ReportError(
            f"vendored chart library {path} has sha256 {digest}, expected {ECHARTS_SHA256} "
            f"(ECharts {ECHARTS_VERSION}): restore the file or record the new version in "
            "dashboards/report/vendor.py"
        )
    text = data.decode("utf-8")
    if f'version:"{ECHARTS_VERSION}"' not in text:
        raise ReportError(f"vendored chart library {path} is not ECharts {ECHARTS_VERSION}")
    return text


def license_notice(vendor_dir: Path = VENDOR_DIR) -> str:
    """The NOTICE text shipped with ECharts (shown in the report's footer)."""
    return (vendor_dir / "NOTICE").read_text(encoding="utf-8").strip()
