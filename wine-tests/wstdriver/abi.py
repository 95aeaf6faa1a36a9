"""Exit codes and worker states, read from the C sources that define them.

The scenarios check the inspector's exit codes and the worker states that a
region publishes. Both are defined once, in C: the status table in
src/common/status.c and enum wst_worker_state in include/winstrument/region.h.
This module parses those two places at import, so a case never carries a
copy that could drift.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _exit_codes():
    text = (ROOT / "src/common/status.c").read_text()
    rows = re.findall(r'\[WST_\w+\]\s*=\s*\{"([a-z-]+)",\s*"[^"]*",\s*(\d+)\}', text)
    if not rows:
        raise RuntimeError("no status table found in src/common/status.c")
    return {name: int(code) for name, code in rows}


def _worker_states():
    text = (ROOT / "include/winstrument/region.h").read_text()
    body = re.search(r"enum wst_worker_state\s*\{(.*?)\};", text, re.S)
    if not body:
        raise RuntimeError("no enum wst_worker_state in include/winstrument/region.h")
    rows = re.findall(r"WST_WORKER_(\w+)\s*=\s*(\d+)", body.group(1))
    return {name.lower().replace("_", "-"): int(value) for name, value in rows}


EXIT = _exit_codes()            # {"no-process": 3, ...}: wst-inspect's exit code per status
WORKER_STATE = _worker_states()  # {"pipe-failed": 5, ...}: header.worker_state values
