"""The optimiser app's pessimistic ranking control (issue 24, item 3), driven through its widgets (no browser)."""
import re

import numpy as np
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


def test_the_process_map_colours_by_the_pessimistic_total_asr_on_a_coarse_grid():
    from pressbook.apps.explore import ProcessMapApp
    from pressbook.explore.process_map import pessimistic_total_asr

    pm = ProcessMapApp(n=41)  # every 2nd point: 21 x 21
    assert "total_asr_p95" in [v for _, v in pm.output.options]
    pm.output.value = "total_asr_p95"
    m = pm._map
    z = pm.image.data["image"][0]
    assert z.shape == (21, 21) and np.array_equal(z, pessimistic_total_asr(m, 95, 2)[2], equal_nan=True)
    assert np.all(z[np.isfinite(z)] > m.total_asr[::2, ::2][np.isfinite(z)])
    assert pm.image.data["dw"][0] == pytest.approx(m.x[-1] - m.x[0] + 2 * (m.x[1] - m.x[0]))
    assert "pessimistic total ASR (95th percentile)" in pm.figure.title.text and pm.message.value == ""
    assert "Process map of pessimistic total ASR (95th percentile) over" in unescape(pm.alt.value)
    pm.output.value = "total_asr"
    assert pm.image.data["image"][0].shape == (41, 41)
