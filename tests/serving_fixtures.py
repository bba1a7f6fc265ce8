"""The Voila-server helpers of tests/conftest.py for code that is not collected by pytest as a conftest.

The fixtures (voila, browser, page) live in tests/conftest.py and so serve every test folder with one
session-wide browser. Modules that need the helper classes themselves (``VoilaServer``, ``free_port``,
``in_ci``) import them from here: the conftest is loaded once more under a private module name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent

_NAME = "pressbook_tests_browser_conftest"
if _NAME in sys.modules:
    _mod = sys.modules[_NAME]
else:
    _spec = importlib.util.spec_from_file_location(_NAME, _TESTS / "conftest.py")
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _mod
    _spec.loader.exec_module(_mod)

in_ci = _mod._in_ci
free_port = _mod._free_port
VoilaServer = _mod._Server

__all__ = ["in_ci", "free_port", "VoilaServer"]
