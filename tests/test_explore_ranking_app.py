"""The optimiser app's pessimistic ranking control (issue 24, item 3), driven through its widgets (no browser)."""
import re
from html import unescape

import pytest

pytest.importorskip("ipywidgets")

from pressbook import bands  # noqa: E402
from pressbook.apps.explore import OptimiserApp  # noqa: E402


def _cells(table_html: str) -> list[list[str]]:
    return [[unescape(c) for c in re.findall(r"<td>([^<]*)</td>", row)]
            for row in re.findall(r"<tr>(<td>.*?)</tr>", table_html)]


@pytest.fixture(scope="module")
def app():
    return OptimiserApp(n=300)


def test_the_control_ranks_pessimistically_and_shows_the_bands(app):
    assert app.result.ranking == "nominal" and "95th percentile over the" not in app.table.value
    assert "pbx-ranking" in app.ranking._dom_classes
    app.ranking.value = "pessimistic"  # re-runs the optimiser
    r = app.result
    assert r.ranking == "pessimistic" and r.shortlist and app.message.value == ""
    page = unescape(app.table.value)
    assert f"90 % band {r.asr_band[0]:.4g}-{r.asr_band[1]:.4g}, 95th percentile {r.asr_p95:.4g}" in page
    rows = [c for c in _cells(app.table.value) if len(c) == 3 + len(r.shortlist[0].values) + 1]
    assert [row[0] for row in rows] == [str(k) for k in range(1, len(r.shortlist) + 1)]
    for row, c in zip(rows, r.shortlist):
        assert row[-3:] == [f"{c.nominal:.4g}", f"{c.band[0]:.4g}-{c.band[1]:.4g}", f"{c.pessimistic:.4g}"]
    assert r.asr_p95 == pytest.approx(bands.bands(r.design, validate=False).quantile("total_asr", 95))
    assert "Ranked pessimistically" in unescape(app.text.value)
    app.ranking.value = "nominal"
    assert app.result.ranking == "nominal" and not app.result.shortlist


def test_pessimistic_with_the_conductivity_objective_says_why_it_ranks_nominally(app):
    app.ranking.value = "pessimistic"
    app.objective.value = "conductivity"
    assert app.result.ranking == "nominal" and app.message.value == ""
    assert "applies to the lowest total ASR only" in unescape(app.text.value)
    app.objective.value = "total_asr"
    assert app.result.ranking == "pessimistic"
