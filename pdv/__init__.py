"""pdv: party-member development data pipeline."""

import os

# Set before prefect or great_expectations are imported anywhere: no telemetry, no network,
# and Prefect's state kept inside the project rather than in ~/.prefect.
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PREFECT_HOME", os.path.join(_PROJECT_ROOT, ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect's own temporary server (tests, `pdv serve` without a server) needs more than its 20 s default
# on a slow machine; `pdv run` uses a local server kept between runs instead (pdv/orchestrator.py).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# openpyxl stays on the standard library's XML (with defusedxml) although lxml is installed (python-docx
# needs it): workbooks it writes keep their bytes, and unit workbooks it opens never meet lxml.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
