"""Widgets of notebooks/compaction_explorer.ipynb. Numbers from pressbook.teaching.compaction."""
from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ...models import compaction as cp
from ...teaching import certainty as U
from ...teaching import compaction as C
from ...teaching.text import num, pct
from ...views.words import plain_units
from .. import common
from .plots import Chart
from .poe import PredictObserveExplain
from .ui import OKABE_ITO, PALETTE, Broken, Message, clamp, guarded, safe, slider, table

P_GRID = np.linspace(5.0, 600.0, 120)
TOOLTIPS = [("material", "@label"), ("pressure", "@x{0} MPa"), ("relative density", "@y{0.000}"),
            ("state", "@state"), ("source", "@source"), ("DOI", "@doi")]
MARKERS = {"under_load": "circle", "released_in_die": "square", "released": "triangle"}
#: line patterns of the materials, in their order (with the colours: told apart without colour vision)
DASHES = ["solid", "dashed", "dotted", "dotdash", "dashdot", [12, 4, 2, 4], [2, 6], [8, 3, 2, 3, 2, 3]]


def _colour(key: str) -> str:
    return PALETTE[list(C.MATERIALS).index(key) % len(PALETTE)]


def _points_data(points):
    return {"x": [p.pressure for p in points], "y": [p.density for p in points],
            "label": [p.label for p in points], "state": [C.STATE_LABELS.get(p.state, p.state) for p in points],
            "source": [p.source for p in points], "doi": [p.doi or "–" for p in points],
            "marker": [MARKERS.get(p.state, "circle") for p in points]}


def _readout(css: str) -> w.HTML:
    h = w.HTML("")
    h.add_class("pb-readout")
    h.add_class(css)
    return h


def explorer():
    """The explorer; if it cannot be built, a stand-in whose sections are friendly messages."""
    try:
        return Explorer()
    except Exception as exc:  # noqa: BLE001 - a page never shows a traceback
        return Broken(exc)


class Explorer:
    """The explorer's sections share one material selection (set in the density section)."""

    def __init__(self):
        self.msg = Message()
        self.boxes = {k: w.Checkbox(value=k in ("Li3PS4", "Li6PS5Cl", "Li5.5PS4.5Cl1.5", "NCM622"),
                                    description=C.label(k), indent=False, layout=w.Layout(width="330px"))
                      for k in C.MATERIALS}
        for k, b in self.boxes.items():
            b.add_class(f"pb-material-{k.replace('.', '_').replace('+', '_')}")
        self.state = w.ToggleButtons(options=[("under load", "under_load"), ("released (in the die)", "released_in_die")],
                                     value="under_load", description="density")
        self.state.add_class("pb-state")
        self.density_chart = Chart("Relative density vs pressure (lines: model; symbols: published)",
                                   "pressing pressure (MPa)", "relative density (–)", width=720, height=420,
                                   y_range=(0.35, 1.0), legend="below")
        self.heckel_chart = Chart("Heckel plot", "pressing pressure (MPa)", "ln(1/(1 − D))", width=470, height=340)
        self.kawakita_chart = Chart("Kawakita plot", "pressing pressure (MPa)", "P / C (MPa)", width=470, height=340)
        for i, k in enumerate(C.MATERIALS):
            col, dash = _colour(k), DASHES[i % len(DASHES)]  # a line pattern too: colour is never the only cue
            short = k
            self.density_chart.line(k, short, col, dash=dash)
            self.density_chart.scatter(k + ":pts", "", col, size=9, fill=False, tooltips=TOOLTIPS, marker="marker",
                                       extra={"label": [], "state": [], "source": [], "doi": [], "marker": []},
                                      name=f"{k} published points")
            self.heckel_chart.line(k, short, col, dash=dash)
            self.heckel_chart.scatter(k + ":pts", "", col, size=8, fill=False, tooltips=TOOLTIPS, marker="marker",
                                      extra={"label": [], "state": [], "source": [], "doi": [], "marker": []},
                                      name=f"{k} published points")
            self.kawakita_chart.line(k, short, col, dash=dash)
        self.params = w.HTML("")
        self.params.add_class("pb-params")
        self.fits = w.HTML("")
        self.fits.add_class("pb-fits")
        for b in self.boxes.values():
            b.observe(self._update_selection, names="value")
        self.state.observe(self._update_selection, names="value")
        self._update_selection()

    # ------------------------------------------------------------ density + transforms
    def selected(self) -> list[str]:
        return [k for k, b in self.boxes.items() if b.value]

    def _update_selection(self, _=None):
        safe(self.msg)(self._draw)()

    def _draw(self):
        state = self.state.value if self.state.value in C.STATES else "under_load"
        sel = self.selected()
        rows, fit_rows = [], []
        for k in C.MATERIALS:
            on = k in sel
            for chart in (self.density_chart, self.heckel_chart, self.kawakita_chart):
                chart.show(k, on)
            self.density_chart.show(k + ":pts", on)
            self.heckel_chart.show(k + ":pts", on)
            if not on:
                continue
            D = C.density(k, P_GRID, state=state)
            pts = C.points_for(k, C.matching_states(state))
            data = _points_data(pts)
            self.density_chart.set(k, P_GRID, D)
            self.density_chart.set(k + ":pts", data["x"], data["y"],
                                   **{c: data[c] for c in ("label", "state", "source", "doi", "marker")})
            # Heckel and Kawakita: under-load density (the form both laws describe)
            Dl = C.density(k, P_GRID)
            self.heckel_chart.set(k, P_GRID, C.heckel(Dl))
            hp = C.points_for(k, ("under_load",))
            hd = _points_data(hp)
            self.heckel_chart.set(k + ":pts", hd["x"], C.heckel(hd["y"]) if hp else [],
                                  **{c: hd[c] for c in ("label", "state", "source", "doi", "marker")})
            D0 = C.fill_density(k)
            mask = P_GRID >= 50
            self.kawakita_chart.set(k, P_GRID[mask], C.kawakita(P_GRID[mask], Dl[mask], D0))
            m = C.material(k)
            a, inv_b = C.fit_kawakita(P_GRID[mask], Dl[mask], D0)
            n_pts = len(C.points_for(k, None))
            rows.append([f'<span style="color:{_colour(k)}">■</span> {html.escape(C.label(k))}',
                         num(m["yield_pressure"], ".0f", "MPa"), num(m["heckel_intercept"], ".2f"), f"{D0:.2f}",
                         num(C.pressure_for_density(k, 0.85), ".0f", "MPa"),
                         html.escape(_provenance(m, "yield_pressure")),
                         str(n_pts) if n_pts else "none in the vendored tables"])
            fit_rows.append([html.escape(C.label(k)), num(m["yield_pressure"], ".0f", "MPa"), num(a, ".3f"),
                             num(inv_b, ".0f", "MPa")])
        self.params.value = (table(["material", "Heckel P_y", "Heckel A", "fill density D₀", "P for D = 0.85 (under load)",
                                    "source of P_y", "published points"], rows) if rows
                             else "<i>Tick at least one material.</i>")
        self.fits.value = (table(["material", "Heckel P_y (slope⁻¹)", "Kawakita a (max. volume reduction)",
                                  "Kawakita 1/b"], fit_rows) if fit_rows else "")

    @guarded
    def density_section(self) -> w.Widget:
        grid = w.GridBox(list(self.boxes.values()), layout=w.Layout(grid_template_columns="repeat(3, 340px)"))
        note = w.HTML("<i>Symbols: published measurements (hover for the source and DOI): circles under load, "
                      "squares released in the die, triangles ejected pellets (compare them with the released curves). Li3InCl6 is compared with a "
                      "binder-containing Li3YBrCl6 film (no pure halide pellet curve in the tables); no cold-pressed "
                      "LLZO curve is available.</i>")
        return w.VBox([grid, self.state, self.density_chart.widget(), note, self.params, self.msg])

    @guarded
    def transforms_section(self) -> w.Widget:
        return w.VBox([w.HBox([self.heckel_chart.widget(), self.kawakita_chart.widget()]), self.fits])

    # ------------------------------------------------------------ springback
    @guarded
    def springback_section(self) -> w.Widget:
        msg = Message()
        mat = w.Dropdown(options=[(C.label(k), k) for k in C.MATERIALS], value="Li5.5PS4.5Cl1.5",
                         description="material", style={"description_width": "230px"}, layout=w.Layout(width="640px"))
        common.named(mat, "material for springback")
        P = slider("maximum pressure", 300.0, 10.0, 600.0, 10.0, "MPa", css="pb-spring-pressure")
        readout = _readout("pb-spring-readout")
        chart = Chart("Under load vs released", "pressing pressure (MPa)", "relative density (–)", width=620,
                      height=360, legend="below")
        chart.line("load", "model, under load", OKABE_ITO["blue"])
        chart.line("rel", "model, released in the die", OKABE_ITO["orange"], dash="dashed")
        chart.scatter("pload", "published, under load", OKABE_ITO["blue"], fill=False, tooltips=TOOLTIPS,
                      extra={"label": [], "state": [], "source": [], "doi": []})
        chart.scatter("prel", "published, released", OKABE_ITO["orange"], marker="square", fill=False,
                      tooltips=TOOLTIPS, extra={"label": [], "state": [], "source": [], "doi": []})
        chart.scatter("now", "", OKABE_ITO["vermillion"], size=11)

        @safe(msg)
        def curves(_=None):
            k = mat.value if mat.value in C.MATERIALS else "Li5.5PS4.5Cl1.5"
            chart.set("load", P_GRID, C.density(k, P_GRID))
            chart.set("rel", P_GRID, C.density(k, P_GRID, state="released_in_die"))
            for key, states in (("pload", ("under_load",)), ("prel", ("released_in_die", "released"))):
                d = _points_data(C.points_for(k, states))
                chart.set(key, d["x"], d["y"], **{c: d[c] for c in ("label", "state", "source", "doi")})
            point()

        @safe(msg)
        def point(_=None):
            k = mat.value if mat.value in C.MATERIALS else "Li5.5PS4.5Cl1.5"
            p = clamp(P.value, 10.0, 600.0, 300.0)
            Dl = float(C.density(k, [p])[0])
            Dr = float(C.density(k, [p], state="released_in_die")[0])
            e = float(C.springback(k, [p])[0])
            chart.set("now", [p, p], [Dl, Dr])
            M = C.material(k)["compact_modulus"]
            readout.value = (f"Pressed at <b>{p:.0f} MPa</b>: relative density {Dl:.3f} under load, <b>{Dr:.3f}</b> "
                             f"released; the compact springs back by <b>{pct(e, 2)}</b> of its thickness "
                             f"(strain = P / M, compact modulus M = {M:g} GPa). A 700 µm separator grows by "
                             f"{700 * e:.0f} µm; a neighbour with a different M grows by a different amount, which "
                             f"loads the interface between them.")

        mat.observe(curves, names="value")
        P.observe(point, names="value")
        curves()
        observe = w.VBox([mat, P, readout, chart.widget(), msg])

        def explain() -> str:
            k = mat.value if mat.value in C.MATERIALS else "Li5.5PS4.5Cl1.5"
            return C.explain_springback(k, clamp(P.value, 10.0, 600.0, 300.0))
        return PredictObserveExplain("springback", "", C.q_springback_predict(), observe, explain,
                                     part="springback")

    # ------------------------------------------------------------ friction
    @guarded
    def friction_section(self) -> w.Widget:
        msg = Message()
        H = slider("stack height", 3.0, 0.2, 12.0, 0.1, "mm", css="pb-fric-height", fmt=".1f")
        D = slider("die diameter", 10.0, 5.0, 25.0, 1.0, "mm", css="pb-fric-die")
        mu = slider("wall friction μ", cp.FRICTION["mu"], 0.05, 0.6, 0.05, "–", css="pb-fric-mu", fmt=".2f")
        readout = _readout("pb-fric-readout")
        chart = Chart("Axial pressure through the stack (Janssen–Walker)", "depth below the moving punch (mm)",
                      "pressure / applied pressure (–)", width=620, height=340, y_range=(0, 1.05),
                      legend="below")
        chart.line("single", "single-acting (top punch moves)", OKABE_ITO["blue"])
        chart.line("double", "double-acting (both punches move)", OKABE_ITO["orange"], dash="dashed")
        typical = C.compact_height_mm("Li6PS5Cl", 80.0, 10.0, 300.0)

        @safe(msg)
        def update(_=None):
            h = clamp(H.value, 0.2, 12.0, 3.0)
            d = clamp(D.value, 5.0, 25.0, 10.0)
            m = clamp(mu.value, 0.05, 0.6, 0.25)
            z = np.linspace(0.0, h, 60)
            s = C.stack_pressure_profile(z, d, mu=m)
            dd = C.stack_pressure_profile(z, d, double=True, height_mm=h, mu=m)
            chart.set("single", z, s)
            chart.set("double", z, dd)
            t = float(C.stack_pressure_profile([typical], 10.0, mu=m)[0])
            readout.value = (f"A <b>{h:.1f} mm</b> stack in a <b>{d:.0f} mm</b> die (μ = {m:.2f}, K = "
                             f"{cp.FRICTION['K']:g}): the bottom sees <b>{pct(s[-1])}</b> of the applied pressure with "
                             f"one moving punch, <b>{pct(dd.min())}</b> at its middle with two. At 450 MPa applied that is "
                             f"{450 * s[-1]:.0f} MPa at the bottom. For comparison, an 80 mg Li6PS5Cl separator pressed "
                             f"at 300 MPa is {typical:.2f} mm thick: {pct(1 - t, 1)} lost across it. μ and K are "
                             f"estimates (no measured value for these powders).")

        for s_ in (H, D, mu):
            s_.observe(update, names="value")
        update()
        return w.VBox([H, D, mu, readout, chart.widget(), msg])

    # ------------------------------------------------------------ hot pressing
    @guarded
    def hot_section(self) -> w.Widget:
        msg = Message()
        options = [(C.label(k), k) for k in ("Li3PS4", "Li6PS5Cl", "Li5.5PS4.5Cl1.5", "Li3InCl6", "LLZO")]
        mat = w.Dropdown(options=options, value="Li3PS4", description="material", style={"description_width": "230px"},
                         layout=w.Layout(width="640px"))
        common.named(mat, "material for hot pressing")
        T = slider("pressing temperature", 25.0, 25.0, 250.0, 5.0, "°C", css="pb-hot-temperature")
        readout = _readout("pb-hot-readout")
        chart = Chart("Warm and hot pressing (under load)", "pressing pressure (MPa)", "relative density (–)",
                      width=620, height=360, y_range=(0.35, 1.0), legend="below")
        chart.line("cold", "25 °C", OKABE_ITO["sky"], dash="dashed")
        chart.line("hot", "at the chosen temperature", OKABE_ITO["vermillion"])
        chart.scatter("pts", "published hot-pressed pellet", OKABE_ITO["black"], marker="diamond", size=12,
                      fill=False, tooltips=TOOLTIPS + [("temperature", "@temp °C")],
                      extra={"label": [], "state": [], "source": [], "doi": [], "temp": []})

        @safe(msg)
        def update(_=None):
            k = mat.value if mat.value in C.MATERIALS else "Li3PS4"
            t = clamp(T.value, 25.0, 250.0, 25.0)
            chart.set("cold", P_GRID, C.density(k, P_GRID))
            chart.set("hot", P_GRID, C.density(k, P_GRID, temperature=t))
            hot = [p for p in C.points_for(k, None, room_temperature=False) if p.temperature != "25"]
            d = _points_data(hot)
            chart.set("pts", d["x"], d["y"], **{c: d[c] for c in ("label", "state", "source", "doi")},
                      temp=[p.temperature for p in hot])
            m = C.material(k)
            Py = float(cp.yield_pressure_at(m["yield_pressure"], m["softening_temperature"], t))
            p25, pT = C.pressure_for_density(k, 0.85), C.pressure_for_density(k, 0.85, temperature=t)

            def versus(x, x25):  # the 25 °C value beside, only when it differs as shown
                return f" instead of {num(x25, '.0f', 'MPa')} at 25 °C" if f"{x:.0f}" != f"{x25:.0f}" else (
                    " as at 25 °C" if t > 25.5 else "")

            readout.value = (f"{html.escape(C.label(k))} at <b>{t:.0f} °C</b>: yield pressure {num(Py, '.0f', 'MPa')}"
                             f"{versus(Py, m['yield_pressure'])}; 85 % density under load needs "
                             f"<b>{num(pT, '.0f', 'MPa')}</b>{versus(pT, p25)}. "
                             f"Softening: P_y(T) = P_y·exp(−(T − 25 °C)/T_s), "
                             f"T_s = {m['softening_temperature']:g} K ({html.escape(_provenance(m, 'softening_temperature'))}).")

        mat.observe(update, names="value")
        T.observe(update, names="value")
        update()
        return w.VBox([mat, T, readout, chart.widget(), msg])

    # ------------------------------------------------------------ how sure is the model?
    @guarded
    def certainty_section(self) -> w.Widget:
        """Predict whether another laboratory's measured conductivity is inside the model's 90 % band; observe the
        band and how a laboratory's own pellets narrow it (pressbook.teaching.certainty)."""
        msg = Message()
        m = U.MINNMANN_2021
        n = slider("own pellets measured", 0.0, 0.0, float(U.MAX_OWN_PELLETS), 1.0, "count", css="pb-band-pellets")
        readout = _readout("pb-band-readout")
        chart = Chart(f"{m.material} pellet under {m.stack:g} MPa stack: the model's 90 % bands",
                      "ionic conductivity (mS/cm)", "", width=620, height=260, y_range=(0.4, 2.6), legend="below")
        chart.fig.yaxis.visible = False
        chart.line("new", "90 % band, a new laboratory", OKABE_ITO["blue"], width=10)
        chart.line("own", "90 % band, after your own pellets", OKABE_ITO["orange"], width=10)
        chart.scatter("measured", f"measured by {m.who}", OKABE_ITO["vermillion"], marker="diamond", size=14)
        chart.scatter("predicted", "model, nominal", OKABE_ITO["black"], size=8, fill=False)

        @safe(msg)
        def update(_=None):
            k = int(round(clamp(n.value, 0.0, float(U.MAX_OWN_PELLETS), 0.0)))
            pellets = f"{k} pellet{'s' if k != 1 else ''}"
            lo, hi = U.band(m)
            pred = U.predicted(m)
            chart.set("new", [lo, hi], [2.0, 2.0])
            chart.set("measured", [m.conductivity, m.conductivity], [2.0, 1.0])
            chart.set("predicted", [pred], [2.0])
            if k > 0:
                lo2, hi2 = U.band(m, U.own_laboratory(k, m))
                chart.set("own", [lo2, hi2], [1.0, 1.0])
                own = (f"After <b>{pellets}</b> of your own measured like it: "
                       f"<b>{lo2:.2f}-{hi2:.2f} mS/cm</b> for your next pellet.")
            else:
                chart.set("own", [], [])
                own = "Your laboratory has measured no pellets yet: move the slider."
            # the figure in words: its rows are bands, not y values (Chart.describe would read out 1 and 2)
            chart.text.say(f"{chart.fig.title.text}: a new laboratory {lo:.2f} to {hi:.2f} mS/cm, the model's nominal "
                           f"value {pred:.2f} mS/cm; measured by {m.who} {m.conductivity:.2f} mS/cm"
                           + (f"; after {pellets} of your own {lo2:.2f} to {hi2:.2f} mS/cm." if k > 0 else "."))
            readout.value = (f"The model expects {num(pred, '.2f', 'mS/cm')}, most likely between "
                             f"<b>{lo:.2f} and {hi:.2f} mS/cm</b> (90 % band, a new laboratory); "
                             f"{html.escape(m.who)} measured <b>{num(m.conductivity, '.2f', 'mS/cm')}</b>. {own}")

        observe = w.VBox([n, readout, chart.widget(), msg])  # the widget first: building it describes the chart
        n.observe(update, names="value")
        update()

        def explain() -> str:
            return U.explain_band(int(round(clamp(n.value, 0.0, float(U.MAX_OWN_PELLETS), 0.0))), m)
        part = PredictObserveExplain("band", "", U.q_band_predict(m), observe, explain, part="how sure")
        part.observe_intro.value = ("<b>Observe:</b> the model's band, the value the other laboratory measured, and "
                                    "what pellets measured in your own laboratory change.")
        return part


def _provenance(m, key) -> str:
    p = m.params.get(key)
    if p is None:
        return "–"
    return plain_units(p.provenance)  # the library's "degC", "um": °C, µm on the page; whole, never cut short
