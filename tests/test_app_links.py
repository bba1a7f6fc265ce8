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


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _settable(design) -> None:
    """Every step of ``design`` as a person sets it: pressure on the gauge, hold on a timer."""
    from pressbook.units import gauge_pressure, timer_seconds

    for s in design.steps:
        assert s.pressure == gauge_pressure(s.pressure) and s.hold == timer_seconds(s.hold), (s.pressure, s.hold)


def test_links_carry_the_rounded_protocol_the_page_shows():
    """Issue 16: the design the optimiser, the process map and choose_goal open in the designer is the protocol
    their page writes, pressures as set on the gauge and holds as set on a timer (not the search's raw floats)."""
    from pressbook import simulate
    from pressbook.apps.explore import OptimiserApp, ProcessMapApp
    from pressbook.apps.teaching.goal import GoalChooser
    from pressbook.units import format_duration

    opt = OptimiserApp(n=300)
    d = design_from_query(_query(opt.text.value))[0]
    _settable(d)
    assert d.to_dict() == opt.result.design.to_dict()
    rows = re.findall(r"<tr><td>(\d+)</td><td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td></tr>",
                      opt.table.value)
    assert rows == [(str(k), f"{s.pressure:g} MPa", format_duration(s.hold)) for k, s in enumerate(d.steps, 1)]
    words = _plain(opt.text.value)
    for k, s in enumerate(d.steps, 1):
        assert f"step {k} ({'+'.join(s.add)}) {s.pressure:g} MPa, {format_duration(s.hold)}" in words

    pm = ProcessMapApp(n=21)  # a grid of 18.75 MPa steps: 87.5, 106.25, ... MPa
    d = design_from_query(_query(pm.text.value))[0]
    _settable(d)
    p1, p2 = d.steps[0].pressure, d.steps[1].pressure
    words = _plain(pm.text.value)
    asr = simulate(d).impedance.total_asr
    assert f"{asr:.4g} Ω·cm² at Step 1 pressure = {p1:g} MPa, Step 2 pressure = {p2:g} MPa" in words
    assert (pm.best.data["x"], pm.best.data["y"]) == ([p1], [p2])  # the star marks the same procedure

    goal = GoalChooser()
    for choice in ("transport", "integrity"):
        goal.choice.value = choice
        rec = goal.recommendation.value
        d = design_from_query(_query(re.search(r'<a class="pb-app-link pb-link-designer"[^>]*>', rec).group(0)))[0]
        _settable(d)
        words = _plain(rec)
        for k, s in enumerate(d.steps, 1):
            assert f"Step {k}: add {', '.join(s.add)} at {s.pressure:g} MPa for {format_duration(s.hold)}" in words


def test_a_link_names_the_design_by_its_title():
    """Issue 26: a design of its own title (choose_goal's recommendations) travels whole, never as a preset it
    merely resembles; a preset with changed numbers keeps its preset name, and its own title."""
    from pressbook.apps.teaching.goal import GoalChooser
    from pressbook.presets import PRESETS, preset

    goal = GoalChooser()
    for _label, key in goal.choice.options:
        goal.choice.value = key
        href = _query(re.search(r'<a class="pb-app-link pb-link-designer"[^>]*>', goal.recommendation.value).group(0))
        back = design_from_query(href)[0]
        own = back.title not in {preset(n).title for n in PRESETS}
        assert href.startswith("design=") if own else href.startswith("preset="), (back.title, href)
    gentle = presets.preset("under-pressed")
    gentle.title = "gentle 200/350/5"
    query = unescape(_query(designer_link(gentle)))
    assert query.startswith("design=") and "preset=" not in query
    assert design_from_query(query)[0].title == "gentle 200/350/5"
    edited = presets.preset("three-step")
    edited.steps[1].pressure += 20
    query = _query(designer_link(edited))
    assert query.startswith("preset=three-step&") and "title=" not in query
    assert design_from_query(query)[0].to_dict() == edited.to_dict()
