"""Summary, risk and difference tables as HTML text (pure; shown in ipywidgets.HTML)."""
from __future__ import annotations

from html import escape

from .columns import LEVEL_COLOURS, diff_rows, fmt, risk_rows, summary_bands, summary_rows
from .words import plain_units

UNIT_TEXT = {"um": "µm", "ohm cm2": "Ω·cm²", "ohm": "Ω", "mS/cm": "mS/cm", "%": "%", "": "", "score 0-1": "(0-1)"}


def _unit(u: str) -> str:
    return escape(UNIT_TEXT.get(u, u))


def summary_html(outcome) -> str:
    """Table of the summary quantities with units; each value cell carries data-key for tests. With bands: a
    sentence for a student on how sure the model is, and a "90 % band" column (5-95 % of the model's draws)."""
    bands = summary_bands(outcome)

    def band(k, d):
        if k not in bands:
            return "<td></td>" if bands else ""
        lo, hi = bands[k]
        return f'<td class="pb-num pb-band" data-band="{escape(k)}">{fmt(lo, d)} – {fmt(hi, d)}</td>'

    body = "".join(
        f'<tr><td>{escape(q)}</td><td class="pb-num" data-key="{escape(k)}">{fmt(v, d)}</td>{band(k, d)}'
        f"<td>{_unit(u)}</td></tr>"
        for k, q, v, u, d in summary_rows(outcome))
    title = escape(outcome.design.title or "design")
    if bands:  # whose band it is, beside it
        title += f"; 90 % band for {escape(outcome.bands.laboratory.label)}"
    head = "<th>quantity</th><th>value</th>" + ("<th>90 % band</th>" if bands else "") + "<th>unit</th>"
    return (band_sentence(outcome) +
            f'<div class="pb-table-scroll"><table class="pb-table"><caption>Summary: {title}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
            f'<p class="pb-circuit">Equivalent circuit: <code>{escape(outcome.impedance.circuit)}</code></p>')


def band_sentence(outcome) -> str:
    """How sure the model is, in words for a student (class pb-headline; empty without bands)."""
    b = outcome.bands
    if b is None:
        return ""
    imp = outcome.impedance
    lo, hi = b.total_asr
    parts = [f"The model expects a total ASR of <b>{fmt(imp.total_asr, 0)} Ω·cm²</b>, most likely between "
             f"{fmt(lo, 0)} and {fmt(hi, 0)} Ω·cm²"]
    ses = [l for l in outcome.layers if l.ionic_conductivity is not None and l.role == "separator"] or \
          [l for l in outcome.layers if l.ionic_conductivity is not None]
    if ses:
        l = ses[0]
        slo, shi = b.layers[l.name]["ionic_conductivity"]
        parts.append(f"and a {escape(l.name)} conductivity of <b>{fmt(l.ionic_conductivity, 2)} mS/cm</b>, most likely "
                     f"between {fmt(slo, 2)} and {fmt(shi, 2)} mS/cm")
    return (f'<p class="pb-headline">{", ".join(parts)} (90 % bands, for {escape(b.laboratory.label)}). '
            + (escape(b.laboratory.level_words()) or "Laboratories pressing the same powder measure values tens of "
               "percent apart; your own pellets narrow the band (pellet log).") + "</p>")


def risks_html(outcome) -> str:
    """Every risk with its level (in words and colour), its reason, threshold and source; with bands, the share
    of the model's draws in which the risk is at least medium."""
    probs = outcome.bands.risks if outcome.bands is not None else {}
    items = []
    for level, name, subject, score, reason, threshold, source in risk_rows(outcome):
        colour = LEVEL_COLOURS.get(level, "#000000")
        p = probs.get((name, subject))
        chance = "" if p is None else f'; <span class="pb-prob">chance of at least medium {100 * p:.0f} %</span>'
        items.append(
            f'<li class="pb-risk pb-risk-{escape(level)}">'
            f'<span class="pb-badge" style="background:{colour};border-color:{colour}">{escape(level.upper())}</span> '
            f"<b>{escape(name)}</b> ({escape(subject)}, score {score:.2f}{chance}): {escape(plain_units(reason))}"
            f'<br><small>threshold: {escape(plain_units(threshold))}; source: {escape(source)}</small></li>')
    return '<div class="pb-risk-panel"><b>Risks</b> (worst first)<ul>' + "".join(items) + "</ul></div>"


def compare_names(a, b) -> tuple[str, str]:
    """Names of designs A (pinned) and B (current) that tell them apart: their titles, and when the titles are
    the same (an edited design keeps its title) each one's step pressures, or "pinned" / "as edited"."""
    name_a, name_b = a.title or "pinned", b.title or "current"
    if name_a != name_b:
        return name_a, name_b
    steps_a, steps_b = ("/".join(f"{s.pressure:.3g}" for s in d.steps) + " MPa" for d in (a, b))
    return ((f"{name_a} ({steps_a})", f"{name_b} ({steps_b})") if steps_a != steps_b else
            (f"{name_a} (pinned)", f"{name_b} (as edited)"))


def diff_html(a, b) -> str:
    """A vs B (the current design): values and the change B - A."""
    body = "".join(
        f'<tr><td>{escape(q)}</td><td class="pb-num">{fmt(va, d)}</td><td class="pb-num">{fmt(vb, d)}</td>'
        f'<td class="pb-num">{"" if dv is None else ("+" if dv > 0 else "") + fmt(dv, d)}</td><td>{_unit(u)}</td></tr>'
        for q, va, vb, dv, u, d in diff_rows(a, b))
    name_a, name_b = compare_names(a.design, b.design)
    return (f'<table class="pb-table pb-diff-table"><caption>A: {escape(name_a)} &nbsp;vs&nbsp; '
            f'B: {escape(name_b)}</caption>'
            "<thead><tr><th>quantity</th><th>A</th><th>B</th><th>B − A</th><th>unit</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


STYLE = """<style>
.pb-table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
.pb-table caption { text-align: left; font-weight: bold; padding: 2px 0; }
.pb-table td, .pb-table th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
.pb-table td.pb-num { text-align: right; font-variant-numeric: tabular-nums; }
.pb-risk-panel ul { padding-left: 18px; margin: 4px 0; font-size: 13px; }
.pb-risk { margin-bottom: 4px; }
.pb-headline { font-size: 14px; margin: 4px 0 6px 0; max-width: 60em; }
.pb-table td.pb-band { color: #333; white-space: nowrap; }
.pb-summary .widget-html-content { min-width: 0; max-width: 100%; }
.pb-table-scroll { overflow-x: auto; max-width: 100%; }  /* a phone scrolls the table, never cuts it */
.pb-badge { border: 2px solid; border-radius: 3px; padding: 0 4px; font-weight: bold; font-size: 11px; color: #000; }  /* the level's hue as the fill: black text 5.4-9.3:1 on it */
.pb-error { color: #B3290A; font-size: 13px; }
.pb-note { color: #1F3A5F; font-size: 13px; border-left: 3px solid #0072B2; padding-left: 6px; }
.pb-hint { color: #555; font-size: 12px; }
a.pb-download-link, a.pb-link-a { margin-right: 12px; }  /* colour, underline: the apps' one link style */
.pb-section > .widget-html-content h3, .pb-h { margin: 6px 0 2px 0; }
</style>"""
