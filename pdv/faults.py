"""Named points where a test can stop a run (crash-safety tests kill the process there).

Inert unless ``PDV_PAUSE_AT`` names the point: then the run writes the point's name to
``PDV_PAUSE_FILE`` and waits, so the test knows exactly where the SIGKILL lands.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def checkpoint(name: str) -> None:
    if os.environ.get("PDV_PAUSE_AT") != name:
        return
    Path(os.environ.get("PDV_PAUSE_FILE", "pdv-paused")).write_text(name, encoding="utf-8")
    time.sleep(float(os.environ.get("PDV_PAUSE_SECONDS", "600")))
