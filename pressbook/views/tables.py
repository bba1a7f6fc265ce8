"""Summary, risk and difference tables as HTML text (pure; shown in ipywidgets.HTML)."""
from __future__ import annotations

from html import escape

from .columns import LEVEL_COLOURS, diff_rows, fmt, risk_rows, summary_rows
from .words import plain_units

UNIT_TEXT = {"um": "µm", "ohm cm2": "Ω·cm²", "ohm": "Ω", "mS/cm": "mS/cm", "%": "%", "": "", "score 0-1": "(0-1)"}


def _unit(u: str) -> str:
    return escape(UNIT_TEXT.get(u, u))


def summary_html(outcome) -> str:
    """Table of the summary quantities with units; each value cell carries data-key for tests."""
    body = "".join(
        f'<tr><td>{escape(q)}</td><td class="pb-num" data-key="{escape(k)}">{fmt(v, d)}</td><td>{_unit(u)}</td></tr>'
        for k, q, v, u, d in summary_rows(outcome))
    title = escape(outcome.design.title or "design")
    return (f'<table class="pb-table"><caption>Summary: {title}</caption>'
            f"<thead><tr><th>quantity</th><th>value</th><th>unit</th></tr></thead><tbody>{body}</tbody></table>"
            f'<p class="pb-circuit">Equivalent circuit: <code>{escape(outcome.impedance.circuit)}</code></p>')


def risks_html(outcome) -> str:
    """Every risk with its level (in words and colour), its reason, threshold and source."""
    items = []
    for level, name, subject, score, reason, threshold, source in risk_rows(outcome):
        colour = LEVEL_COLOURS.get(level, "#000000")
        items.append(
            f'<li class="pb-risk pb-risk-{escape(level)}">'
            f'<span class="pb-badge" style="background:{colour};border-color:{colour}">{escape(level.upper())}</span> '
            f"<b>{escape(name)}</b> ({escape(subject)}, score {score:.2f}): {escape(plain_units(reason))}"
            f'<br><small>threshold: {escape(plain_units(threshold))}; source: {escape(source)}</small></li>')
    return '<div class="pb-risk-panel"><b>Risks</b> (worst first)<ul>' + "".join(items) + "</ul></div>"


def diff_html(a, b) -> str:
    """A vs B (the current design): values and the change B - A."""
    body = "".join(
        f'<tr><td>{escape(q)}</td><td class="pb-num">{fmt(va, d)}</td><td class="pb-num">{fmt(vb, d)}</td>'
        f'<td class="pb-num">{"" if dv is None else ("+" if dv > 0 else "") + fmt(dv, d)}</td><td>{_unit(u)}</td></tr>'
        for q, va, vb, dv, u, d in diff_rows(a, b))
    return (f'<table class="pb-table pb-diff-table"><caption>A: {escape(a.design.title or "pinned")} &nbsp;vs&nbsp; '
            f'B: {escape(b.design.title or "current")}</caption>'
            "<thead><tr><th>quantity</th><th>A</th><th>B</th><th>B − A</th><th>unit</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


STYLE = """<style>
.pb-table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
.pb-table caption { text-align: left; font-weight: bold; padding: 2px 0; }
.pb-table td, .pb-table th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
.pb-table td.pb-num { text-align: right; font-variant-numeric: tabular-nums; }
.pb-risk-panel ul { padding-left: 18px; margin: 4px 0; font-size: 13px; }
.pb-risk { margin-bottom: 4px; }
.pb-badge { border: 2px solid; border-radius: 3px; padding: 0 4px; font-weight: bold; font-size: 11px; color: #000; }  /* the level's hue as the fill: black text 5.4-9.3:1 on it */
.pb-error { color: #B3290A; font-size: 13px; }
.pb-note { color: #1F3A5F; font-size: 13px; border-left: 3px solid #0072B2; padding-left: 6px; }
.pb-hint { color: #555; font-size: 12px; }
a.pb-download-link, a.pb-link-a { margin-right: 12px; }  /* colour, underline: the apps' one link style */
.pb-section > .widget-html-content h3, .pb-h { margin: 6px 0 2px 0; }
</style>"""
