"""Widgets of notebooks/interfaces_impedance.ipynb. Numbers from pressbook.teaching.spectra (simulate)."""
from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ...teaching import spectra as S
from ...teaching.text import freq, num
from .plots import Chart
from .poe import PredictObserveExplain
from .ui import OKABE_ITO, Message, clamp, guarded, safe, slider, table

ELEMENT_COLOURS = {"R0": OKABE_ITO["green"], "R1": OKABE_ITO["orange"], "R2": OKABE_ITO["purple"],
                   "R3": OKABE_ITO["sky"], "CPEb": OKABE_ITO["black"]}


def _readout(css: str) -> w.HTML:
    h = w.HTML("")
    h.add_class("pb-readout")
    h.add_class(css)
    return h


class ImpedanceLab:
    """Sliders for the fabrication and the measurement, element toggles, Nyquist and Bode plots."""

    def __init__(self):
        self.msg = Message()
        self.se = slider("SE pre-compaction", 300.0, 50.0, 600.0, 25.0, "MPa", css="pb-imp-se")
        self.cathode = slider("cathode bonding", 450.0, 50.0, 700.0, 25.0, "MPa", css="pb-imp-cathode")
        self.anode = slider("lithium pressing", 10.0, 1.0, 50.0, 1.0, "MPa", css="pb-imp-anode")
        self.stack = slider("stack pressure (measuring)", 5.0, 0.0, 60.0, 1.0, "MPa", css="pb-imp-stack")
        self.mass = slider("separator powder", 80.0, 20.0, 150.0, 5.0, "mg", css="pb-imp-mass")
        self.keys = [e.key for e in S.elements(S.cell())]
        self.toggles = {}
        for k in self.keys:
            t = w.Checkbox(value=True, description=k, indent=False, layout=w.Layout(width="90px"))
            t.add_class(f"pb-imp-toggle-{k}")
            self.toggles[k] = t
        self.readout = _readout("pb-imp-readout")
        self.elements_html = w.HTML("")
        self.elements_html.add_class("pb-imp-elements")
        self.nyquist = Chart("Nyquist plot", "Z′ (Ω)", "−Z″ (Ω)", width=820, height=440, match_aspect=True,
                             legend="right")
        self.nyquist.line("full", "whole cell", "#999999", dash="dashed", width=2)
        self.nyquist.line("sum", "selected elements", OKABE_ITO["blue"], width=3)
        for k in self.keys:
            self.nyquist.line(k, f"{k} alone", ELEMENT_COLOURS.get(k, OKABE_ITO["sky"]), width=1.5, dash="dotted")
        self.nyquist.scatter("decades", "1 MHz … 0.1 Hz, one dot per decade", OKABE_ITO["blue"], size=6)
        self.bode_mag = Chart("Bode: magnitude", "frequency (Hz)", "|Z| (Ω)", width=440, height=300,
                              x_axis_type="log", y_axis_type="log", legend="below")
        self.bode_mag.line("full", "whole cell", "#999999", dash="dashed", width=2)
        self.bode_mag.line("sum", "selected", OKABE_ITO["blue"], width=3)
        self.bode_phase = Chart("Bode: phase", "frequency (Hz)", "−phase (°)", width=440, height=300,
                                x_axis_type="log", y_range=(-2, 92), legend="below")
        self.bode_phase.line("full", "whole cell", "#999999", dash="dashed", width=2)
        self.bode_phase.line("sum", "selected", OKABE_ITO["blue"], width=3)
        for s in (self.se, self.cathode, self.anode, self.stack, self.mass):
            s.observe(self._recompute, names="value")
        for t in self.toggles.values():
            t.observe(self._redraw, names="value")
        self.outcome = None
        self.els = None
        self._recompute()

    def _recompute(self, _=None):
        safe(self.msg)(self._compute)()

    def _redraw(self, _=None):
        safe(self.msg)(self._draw)()

    def _compute(self):
        self.outcome = S.cell(clamp(self.se.value, 50, 600, 300), clamp(self.cathode.value, 50, 700, 450),
                              clamp(self.anode.value, 1, 50, 10), clamp(self.stack.value, 0, 60, 5),
                              clamp(self.mass.value, 20, 150, 80))
        self.els = S.elements(self.outcome)
        self._draw()

    def _draw(self):
        o, els = self.outcome, self.els
        if o is None:
            return
        f = np.asarray(o.impedance.frequencies)
        chosen = [k for k, t in self.toggles.items() if t.value]
        full = S.combine(els, [e.key for e in els])
        z = S.combine(els, chosen)
        self.nyquist.set("full", full.real, -full.imag)
        self.nyquist.set("sum", z.real, -z.imag)
        dec = np.isclose(np.log10(f) % 1.0, 0.0) | np.isclose(np.log10(f) % 1.0, 1.0)
        self.nyquist.set("decades", z.real[dec], -z.imag[dec])
        for e in els:
            if e.key in self.toggles:
                on = e.key in chosen
                self.nyquist.set(e.key, e.z.real if on else [], -e.z.imag if on else [])
        mag_full, ph_full = S.bode(full)
        mag, ph = S.bode(z)
        self.bode_mag.set("full", f, mag_full)
        self.bode_mag.set("sum", f, np.where(mag > 0, mag, np.nan))
        self.bode_phase.set("full", f, ph_full)
        self.bode_phase.set("sum", f, ph if chosen else np.full(f.shape, np.nan))
        area = o.impedance.area
        rows = []
        for e in els:
            fp = e.peak_frequency
            rows.append([f'<b style="color:{ELEMENT_COLOURS.get(e.key, "#333")}">{html.escape(e.key)}</b>',
                         html.escape(e.label), num(e.resistance, ".1f", "Ω"), num(e.resistance * area, ".1f", "Ω·cm²"),
                         freq(fp), html.escape(e.origin)])
        itf = o.interface("cathode|separator")
        self.elements_html.value = (
            table(["element", "what it is", "R", "ASR", "peak frequency", "where the value comes from"], rows) +
            f"<p>Circuit (impedance.py notation): <code>{html.escape(o.impedance.circuit)}</code>. Intermixed zone at "
            f"the cathode|separator interface: {num(itf.intermixing_depth, '.1f', 'µm')} (in this model it raises the "
            f"short-circuit risk but does not change the spectrum).</p>")
        R_sel = sum(e.resistance for e in els if e.key in chosen)
        self.readout.value = (f"Selected {', '.join(chosen) if chosen else 'nothing'}: low-frequency resistance "
                              f"<b>{num(R_sel, '.1f', 'Ω')}</b> of the whole cell's "
                              f"<b>{num(o.impedance.total_resistance, '.1f', 'Ω')}</b> "
                              f"(total ASR {num(o.impedance.total_asr, '.0f', 'Ω·cm²')}, die area {area:.3f} cm²).")

    def section(self) -> w.Widget:
        sliders = w.VBox([w.HTML("<b>Fabrication</b>"), self.se, self.cathode, self.anode, self.mass,
                          w.HTML("<b>Measurement</b>"), self.stack])
        toggles = w.HBox([w.HTML("<b>Show elements:</b>&nbsp;")] + list(self.toggles.values()))
        return w.VBox([sliders, toggles, self.readout, self.nyquist.widget(),
                       w.HBox([self.bode_mag.widget(), self.bode_phase.widget()]),
                       self.elements_html, self.msg])


@guarded
def lab_section() -> w.Widget:
    """The impedance lab (fabrication and measurement sliders, element toggles, Nyquist and Bode plots), shown
    once the student has predicted which element a loosening stack pressure moves."""
    return PredictObserveExplain("stackdrop", "", S.q_stack_drop_predict(), ImpedanceLab().section(),
                                 S.explain_stack_drop, part="the stack pressure")


@guarded
def stack_section() -> w.Widget:
    """Total ASR and lithium creep risk vs the stack pressure during measurement, for three fabrications."""
    msg = Message()
    stacks = np.arange(0.0, 61.0, 2.5)
    scales = (0.67, 1.0, 1.33)
    colours = (OKABE_ITO["sky"], OKABE_ITO["blue"], OKABE_ITO["vermillion"])
    asr = Chart("Total ASR vs stack pressure while measuring", "stack pressure during measurement (MPa)",
                "total ASR (Ω·cm²)", width=470, height=320, legend="below")
    creep = Chart("Lithium creep-short risk", "stack pressure during measurement (MPa)", "risk score (0-1)",
                  width=470, height=320, y_range=(-0.02, 1.05), legend="below")
    summary = w.HTML("")
    summary.add_class("pb-stack-summary")

    @safe(msg)
    def build():
        data = S.stack_sweep(stacks, scales)
        for s, c in zip(scales, colours):
            label = f"pressed at {300 * s:.0f} / {450 * s:.0f} MPa"
            asr.line(str(s), label, c, stacks, data[s]["total_asr"])
            creep.line(str(s), label, c, stacks, data[s]["creep"])
        summary.value = S.stack_vs_fabrication_summary()

    build()
    return w.VBox([w.HBox([asr.widget(), creep.widget()]), summary, msg])
