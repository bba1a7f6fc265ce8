"""Reuse the browser-test fixtures (tests/browser/conftest.py) in other test folders.

A conftest.py elsewhere does::

    from serving_fixtures import *  # noqa: F401,F403  (voila, browser, page, ...)

after putting tests/ on sys.path.  The browser conftest is loaded once under a
private module name, so its fixtures are the same functions everywhere; nothing
is duplicated.  Also: `start_voila_process` for code that is not a test (the
load benchmark) and `voila_kernel_pids` / `process_memory` for memory figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_BROWSER = Path(__file__).resolve().parent / "browser"
if str(_BROWSER) not in sys.path:
    sys.path.insert(0, str(_BROWSER))

_NAME = "pressbook_tests_browser_conftest"
if _NAME in sys.modules:
    _mod = sys.modules[_NAME]
else:
    _spec = importlib.util.spec_from_file_location(_NAME, _BROWSER / "conftest.py")
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _mod
    _spec.loader.exec_module(_mod)

voila = _mod.voila
browser = _mod.browser
page = _mod.page
pytest_runtest_makereport = _mod.pytest_runtest_makereport
in_ci = _mod._in_ci
free_port = _mod._free_port
VoilaServer = _mod._Server

__all__ = ["voila", "browser", "page", "pytest_runtest_makereport", "in_ci", "free_port", "VoilaServer"]
