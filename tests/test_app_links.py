"""One link builder for every app: the design travels in the query the designer's share link writes."""
import re
from html import unescape

import pytest

pytest.importorskip("ipywidgets")

from pressbook import presets  # noqa: E402
from pressbook.apps.common import app_link, designer_link  # noqa: E402
from pressbook.apps.designer.query import design_from_query  # noqa: E402


def _query(html: str) -> str:
    return unescape(re.search(r'href="[a-z_]+\.ipynb\?([^"]*)"', html).group(1))


@pytest.mark.parametrize("name", ["three-step", "co-press", "doux2020"])
def test_links_carry_the_design(name):
    d = presets.preset(name)
    d.steps[0].pressure = 333.0
    d.title = "Group <3> & co"
    link = designer_link(d)
    assert link.startswith('<a class="pb-app-link pb-link-designer" href="designer.ipynb?') and 'target="_blank"' in link
    back, problems = design_from_query(_query(link))
    assert problems == [] and back.to_dict() == d.to_dict()
    card = app_link("protocol_card", d, "Make its bench card")
    assert 'href="protocol_card.ipynb?' in card and ">Make its bench card</a>" in card
    assert design_from_query(_query(card))[0].to_dict() == d.to_dict()
    assert "<3>" not in link  # the title is escaped in the page


def test_every_app_links_with_the_same_builder():
    """choose_goal, the optimiser and the process map carry their design to the designer."""
    from pressbook.apps.explore import OptimiserApp, ProcessMapApp
    from pressbook.apps.teaching.goal import GoalChooser
    from pressbook.teaching.goals import recommend

    goal = GoalChooser()
    goal.choice.value = "integrity"
    rec = goal.recommendation.value
    best = design_from_query(_query(re.search(r'<a class="pb-app-link pb-link-designer"[^>]*>', rec).group(0)))[0]
    assert best.to_dict() == recommend("integrity", goal.scored).best.design.to_dict()
    assert "pb-link-protocol_card" in rec
    opt = OptimiserApp(n=300)
    d = design_from_query(_query(opt.text.value))[0]
    assert [s.pressure for s in d.steps] == pytest.approx([s.pressure for s in opt.result.design.steps])
    pm = ProcessMapApp(n=11)
    d = design_from_query(_query(pm.text.value))[0]
    assert d.steps[0].pressure == pytest.approx(pm.best.data["x"][0]) and d.steps[1].pressure == pytest.approx(
        pm.best.data["y"][0])
