"""Shared fixtures of the validation tests: the model-vs-data comparisons, computed once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import cases

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def comparisons():
    """{dataset name: cases.Comparison} for every dataset in cases.ALL."""
    return {c.name: c for c in cases.compute_all()}
