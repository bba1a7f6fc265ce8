"""Widgets of notebooks/choose_goal.ipynb. Scores and words from pressbook.teaching.goals (simulate)."""
from __future__ import annotations

import html
import math

import ipywidgets as w

from ...models import mechanics as mech
from ...teaching import goals as G
from ...teaching.text import num, pct
from ...units import format_duration
from ..common import app_link, designer_link
from .plots import Chart
from .poe import PredictObserveExplain
from .ui import OKABE_ITO, Message, guarded, level_html, safe, table


def label_offsets(xs, ys, dx_rel: float = 0.03, dy_abs: float = 0.06) -> list[float]:
    """Vertical pixel offsets for point labels: a point close to an earlier one gets its label below it."""
    out = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        near = any(abs(x - xs[j]) <= dx_rel * max(abs(x), 1e-9) and abs(y - ys[j]) <= dy_abs for j in range(i))
        out.append(-14.0 if near else 4.0)
    return out


class GoalChooser:
    def __init__(self):
        self.msg = Message()
        self.scored = G.score_all()
        self.choice = w.RadioButtons(options=[(label, key) for key, label in G.GOALS.items()], value="transport",
                                     layout=w.Layout(width="max-content"))
        self.choice.add_class("pb-goal-choice")
        self.recommendation = w.HTML("")
        self.recommendation.add_class("pb-goal-recommendation")
        self.table = w.HTML("")
        self.table.add_class("pb-goal-table")
        names = [s.name for s in self.scored]
        self.chart = Chart("Candidates: cell resistance vs worst risk", "total ASR (Ω·cm²)",
                           "worst mechanical risk score (0-1)", width=780, height=400, y_range=(-0.05, 1.1),
                           legend="below")
        self.chart.span("low", mech.LEVELS[0][0], colour=OKABE_ITO["orange"], dimension="width")
        self.chart.scatter("all", "candidate protocols", OKABE_ITO["sky"], size=12,
                           tooltips=[("protocol", "@name"), ("total ASR", "@x{0} Ω·cm²"), ("worst risk", "@y{0.00}")],
                           extra={"name": [], "dy": []})
        self.chart.scatter("best", "recommended", OKABE_ITO["vermillion"], marker="star", size=22,
                           tooltips=[("protocol", "@name")], extra={"name": []})
        from bokeh.models import LabelSet
        self.chart.fig.add_layout(LabelSet(x="x", y="y", text="name", source=self.chart.sources["all"],
                                           x_offset=8, y_offset="dy", text_font_size="10px"))
        xs = [s.total_asr for s in self.scored]
        ys = [s.worst_score for s in self.scored]
        self.chart.set("all", xs, ys, name=names, dy=label_offsets(xs, ys))
        finite = [x for x in xs if math.isfinite(x)]
        if finite:
            lo, hi = min(finite), max(finite)
            pad = 0.08 * (hi - lo or hi)
            self.chart.fig.x_range.start, self.chart.fig.x_range.end = lo - pad, hi + 3 * pad
        self.choice.observe(self._update, names="value")
        self._update()

    def _update(self, _=None):
        safe(self.msg)(self._draw)()

    def _draw(self):
        goal = self.choice.value if self.choice.value in G.GOALS else "transport"
        rec = G.recommend(goal, self.scored)
        b = rec.best
        self.chart.set("best", [b.total_asr], [b.worst_score], name=[b.name])
        steps = "; ".join(f"Step {k + 1}: add {', '.join(s.add)} at {s.pressure:g} MPa for {format_duration(s.hold)}"
                          for k, s in enumerate(b.design.steps))
        self.recommendation.value = (
            f'<div class="pb-card"><h2 class="pb-card-h">Recommended for “{html.escape(G.GOALS[goal])}”: '
            f'{html.escape(b.name)}</h2>'
            f"<p>{html.escape(b.what)}. {html.escape(steps)}; stack pressure in use "
            f"{b.design.operation.stack_pressure:g} MPa.</p>"
            "<b>Why (from the model):</b><ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in rec.reasons) + "</ul>"
            "<b>What it trades away:</b><ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in rec.tradeoffs) + "</ul>"
            f"<p>{designer_link(b.design, 'Open the recommended protocol in the designer')} · "
            f"{app_link('protocol_card', b.design, 'Make its bench card')}</p></div>")
        rows = []
        for rank, s in enumerate(rec.table, 1):
            sc = s.score(goal)
            lvl = mech.level(s.worst_score)
            rows.append([str(rank) if math.isfinite(sc) else "not eligible",
                         ("<b>" + html.escape(s.name) + "</b>") if s is b else html.escape(s.name),
                         num(s.total_asr, ".0f", "Ω·cm²"),
                         f"{level_html(lvl)} {s.worst_score:.2f} ({html.escape(s.worst_name)})",
                         pct(s.spread, 1), str(len(s.high_risks))])
        self.table.value = table(["rank for this goal", "protocol", "total ASR", "worst risk",
                                  "ASR spread (±10 % pressure, ±2 MPa stack)", "high risks"], rows)

    def section(self) -> w.Widget:
        return w.VBox([w.HTML("<b>What matters most for your experiment?</b>"), self.choice, self.recommendation,
                       self.chart.widget(),
                       w.HTML("<i>Dashed line: the border between low and medium risk.</i>"), self.table, self.msg])


@guarded
def section() -> w.Widget:
    """The goal chooser, shown once the student has predicted what the lowest-resistance recommendation gives up
    (a friendly message instead, if it cannot be built)."""
    chooser = GoalChooser()
    return PredictObserveExplain("tradeoff", "", G.q_tradeoff_predict(), chooser.section(),
                                 lambda: G.explain_tradeoff("transport", chooser.scored), part="the goal")
