"""pressbook.views.describe: the figures' text alternatives say the numbers the figures draw."""
import re
from pathlib import Path

import numpy as np
import pytest

from pressbook.explore.optimise import optimise
from pressbook.explore.process_map import process_map
from pressbook.explore.sensitivity import tornado
from pressbook.explore.uncertainty import band, monte_carlo
from pressbook.presets import preset
from pressbook.simulate import simulate
from pressbook.views import columns as col
from pressbook.views import describe


def test_designer_texts_follow_the_columns():
    out = simulate(preset("three-step"))
    curves, points = col.compaction_columns(out, None)
    text = describe.compaction_text(points)
    assert f"{points['layer'][0]} {points['density'][0]:.3f} at {points['pressure'][0]:.0f} MPa" in text
    xs = col.cross_section_columns(out, 0.0, "")
    stack = describe.stack_text(xs["layers"], xs["interfaces"])
    for name, quality in zip(xs["interfaces"]["name"], xs["interfaces"]["quality"]):
        assert f"{name.replace('|', ' to ')} {quality}" in stack  # the contact class in words, not colour only
    imp = col.impedance_columns(out)
    freq = [float(f) for f in imp["freq"]]
    total = float(imp["z_real"][freq.index(min(freq))])
    assert f"{total:.0f} ohm in total" in describe.impedance_text(imp)
    assert "History through the steps" in describe.history_text(col.history_columns(out)[1])


def test_texts_change_with_the_data_and_handle_empty_and_bad_values():
    assert describe.compaction_text({}) == "Compaction: no steps to show."
    assert describe.impedance_text({"z_real": [float("nan")], "minus_z_imag": [1.0], "freq": [1.0]}) \
        == "Impedance: no spectrum to show."
    a = describe.impedance_text({"z_real": [31.0, 100.0, 165.0], "minus_z_imag": [0.0, 40.0, 0.0],
                                 "freq": [1e6, 1e3, 0.1]})
    assert a == ("Impedance from 1e+06 Hz to 0.1 Hz: starts at 31 ohm (separator), reaches 165 ohm in total; "
                 "largest -Z'' 40 ohm at 1e+03 Hz.")
    s = describe.series_text("Voids", "pressure (MPa)", "porosity (%)",
                             {"LPSCl": ([10, 100, 700], [40, 20, float("nan")]), "empty": ([], [])})
    assert s == "Voids, porosity (%) against pressure (MPa): LPSCl: 2 points, 40 at 10 to 20 at 100."
    assert describe.bars_text("ASR", "Ω·cm²", ["one step", "two steps"], ["12", "8"]) == "ASR (Ω·cm²): one step 12; two steps 8."


# ---------------------------------------------------------------- the design-space tools and the calibration
DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"
SE, CATHODE = "SE pre-compaction pressure", "cathode bonding pressure"


@pytest.fixture(scope="module")
def three():
    return preset("three-step")


def test_process_map_text_names_the_window_and_its_lowest_asr(three):
    m = process_map(three, n=15, level=0.33)
    alt = describe.process_map_alternative(m.x, m.y, m.total_asr, m.feasible, m.total_asr, "total ASR", "Ω·cm²",
                                           SE, CATHODE, 0.33)
    best = m.best
    assert best is not None
    # the star is the feasible point of lowest ASR: no feasible point is lower
    assert best["total_asr"] <= m.total_asr[m.feasible].min()
    x, y = best[m.x_path], best[m.y_path]
    assert f"lowest total ASR in it {best['total_asr']:.3g} Ω·cm² at {x:.0f} and {y:.0f} MPa" in alt.text
    assert f"{100 * m.feasible.mean():.0f} % of the map" in alt.text
    assert f"from {np.nanmin(m.total_asr):.3g} to {np.nanmax(m.total_asr):.3g} Ω·cm²" in alt.text
    assert alt.rows[-1] == ("lowest total ASR in the window (Ω·cm²)", f"{best['total_asr']:.3g}", f"{x:.0f} MPa",
                            f"{y:.0f} MPa")
    # a higher risk level widens the window: the text follows
    wider = describe.process_map_alternative(m.x, m.y, m.total_asr, m.worst_risk <= 0.6, m.total_asr, "total ASR",
                                             "Ω·cm²", SE, CATHODE, 0.6)
    share = re.search(r"(\d+) % of the map", wider.text)
    assert wider.text != alt.text and int(share.group(1)) > round(100 * m.feasible.mean())
    none = describe.process_map_alternative(m.x, m.y, m.total_asr, m.worst_risk <= -1, m.total_asr, "total ASR",
                                            "Ω·cm²", SE, CATHODE, 0.0)
    assert "No point of the map is feasible at risk level 0.00." in none.text


def test_pareto_text_follows_the_front_and_the_optimum(three):
    r = optimise(three, level=0.33, n=300, rounds=2)
    f = r.pareto
    alt = describe.pareto_alternative(list(f.worst_risk), list(f.total_asr), [r.worst_risk], [r.total_asr], 0.33)
    assert f"{len(f.total_asr)} points" in alt.text
    assert f"down to {min(f.total_asr):.3g} Ω·cm²" in alt.text  # the front's lowest ASR
    assert f"the optimum (star): {r.total_asr:.3g} Ω·cm² at worst risk {r.worst_risk:.2f}" in alt.text
    assert ("at or below the level" in alt.text) == (r.worst_risk <= 0.33)
    risks = [float(row[0]) for row in alt.rows]
    assert 2 <= len(alt.rows) <= 8 and risks == sorted(risks)
    assert alt.rows[0] == (f"{min(f.worst_risk):.2f}", f"{f.total_asr[np.argmin(f.worst_risk)]:.3g}")
    assert describe.pareto_alternative([], [], [], [], 0.33).text == "Pareto front: no procedure evaluated yet."


def test_tornado_text_puts_the_largest_swing_first(three):
    t = tornado(three, rel=0.1)
    rows = [r for r in t.table("total_asr") if r["swing"] > 1e-9]
    plotted = rows[::-1]  # the figure's order: the largest at the top, i.e. last
    alt = describe.tornado_alternative("total ASR", "Ω·cm²", rows[0]["base"], 0.1, [r["label"] for r in plotted],
                                       [r["change_low"] for r in plotted], [r["change_high"] for r in plotted])
    first = rows[0]
    assert f"largest first: {first['label']} {first['change_low']:+.3g} / {first['change_high']:+.3g} Ω·cm²" in alt.text
    assert [row[0] for row in alt.rows] == [r["label"] for r in rows]
    assert f"base {rows[0]['base']:.4g} Ω·cm²" in alt.text and "by 10 %" in alt.text
    assert "no input changes it" in describe.tornado_alternative("total ASR", "Ω·cm²", 1.0, 0.1, [], [], []).text


def test_uncertainty_texts_count_the_samples_and_read_the_band(three):
    mc = monte_carlo(three, n=200, seed=0, attribute=False)
    counts, edges = mc.histogram("total_asr", bins=40)
    alt = describe.histogram_alternative("total ASR", "Ω·cm²", counts, edges, "manual press")
    v = mc.values("total_asr")
    v = v[np.isfinite(v)]
    assert f"over {v.size} samples (manual press)" in alt.text
    assert f"from {v.min():.3g} to {v.max():.3g} Ω·cm²" in alt.text
    k = int(np.argmax(counts))
    assert f"the most samples ({counts[k]}) between {edges[k]:.3g} and {edges[k + 1]:.3g}" in alt.text
    assert sum(int(r[1]) for r in alt.rows) == v.size and len(alt.rows) <= 8
    xs = np.array([300.0, 450.0, 600.0])
    b = band(three, "steps.2.pressure", xs, n=40, seed=0, outputs=("total_asr",))["total_asr"]
    nom = band(three, "steps.2.pressure", xs, press="none", groups=(), n=1, outputs=("total_asr",))["total_asr"][50]
    alt = describe.band_alternative("total ASR", "Ω·cm²", "step 2 pressure", xs, b[5], b[50], b[95], nom)
    assert f"median {b[50][0]:.3g} to {b[50][-1]:.3g} Ω·cm²" in alt.text
    wide = int(np.argmax(b[95] - b[5]))
    assert f"widest at {xs[wide]:.0f} MPa, {b[5][wide]:.3g} to {b[95][wide]:.3g} Ω·cm²" in alt.text
    assert [row[0] for row in alt.rows] == ["300", "450", "600"]


def test_calibration_texts_measure_the_gaps_of_the_fits():
    from pressbook.lab.calibrate import calibrate_compaction
    from pressbook.lab.spectrum import circuit_impedance, fit_outcome_spectrum
    from pressbook.simulate import simulate

    cal = calibrate_compaction((DATA / "compaction_thickness.csv").read_bytes(), "Li6PS5Cl", mass=100.0,
                               diameter=10.0, hold=120.0)
    P = np.linspace(0.0, float(cal.pressure.max()) * 1.1, 120)
    alt = describe.fit_alternative("Relative density vs pressure", "pressure (MPa)", "relative density",
                                   {"x": cal.pressure, "y": cal.density_measured},
                                   {"x": P, "y": cal.predicted_density(P, "fit")},
                                   {"x": P, "y": cal.predicted_density(P, "library")})
    gap = float(re.search(r"the fit is within ([0-9.e+-]+) of them", alt.text).group(1))
    exact = np.max(np.abs(cal.predicted_density(cal.pressure, "fit") - cal.density_measured))
    assert gap == pytest.approx(exact, rel=0.05)  # the curve is read between its 120 points
    assert f"{len(cal.pressure)} measured points" in alt.text and len(alt.rows) <= 12
    out = simulate(preset("three-step"))
    fit = fit_outcome_spectrum((DATA / "eis_three_step.csv").read_bytes(), out, filename="eis.csv")
    s = fit.spectrum
    zp = circuit_impedance(out.impedance.circuit, out.impedance.parameters, s.frequency)
    alt = describe.spectrum_fit_alternative(s.frequency, {"x": s.z_real, "y": -s.z_imag},
                                            {"x": fit.z_fit.real, "y": -fit.z_fit.imag}, {"x": zp.real, "y": -zp.imag})
    measured = s.z_real + 1j * s.z_imag
    assert f"the fitted circuit is within {np.max(np.abs(fit.z_fit - measured)):.3g} ohm" in alt.text
    assert f"the predicted circuit within {np.max(np.abs(zp - measured)):.3g} ohm" in alt.text
    assert f"from {s.frequency.max():.3g} Hz to {s.frequency.min():.3g} Hz" in alt.text
    assert describe.fit_alternative("T", "x", "y", {}, {}, {}).text == "T: no data yet; choose or upload a file."


def test_pellet_log_texts_follow_the_parity_and_the_control_chart(tmp_path):
    from pressbook import presets
    from pressbook.lab.lablog import open_log
    from pressbook.lab.lablog.stats import control_chart, parity

    log = open_log(tmp_path / "lab.sqlite")
    measured = [0.80, 0.81, 0.79, 0.80, 0.95]  # the last one far off
    for k, m in enumerate(measured):
        rec = log.add(presets.se_pellet(), lot="A", pressed_on=f"2026-11-{10 + k:02d}")
        log.update(rec["uid"], rec["version"], ejected_density=m)
    t = log.table()
    par, chart = parity(t), control_chart(t)
    alt = describe.parity_alternative(par)
    errors = [m - p for m, p in zip(par["measured"], par["predicted"])]
    worst = max(range(len(errors)), key=lambda i: abs(errors[i]))
    assert f"of {par['n']} pellets" in alt.text and f"{errors[worst]:+.3f}" in alt.text
    assert str(par["uid"][worst])[:8] in alt.text and len(alt.rows) == par["n"]
    assert [float(r[2]) for r in alt.rows] == pytest.approx(list(par["measured"]), abs=5e-4)
    c = describe.control_chart_alternative(chart)
    assert f"centre {chart['centre']:.3f}" in c.text and f"{len(measured)} pellets" in c.text
    assert ("none out of control" in c.text) == (not chart["out"].any())
    one = describe.control_chart_alternative(control_chart({k: v[:1] for k, v in t.items()}))
    assert "no limits yet" in one.text and "1 pellet in" in one.text
    assert "no pellet" in describe.parity_alternative({"n": 0}).text


def test_layer_bars_say_each_layers_value_and_band():
    """The designer's per-layer bars with whiskers (issue 24): columns from Outcome.bands, in words."""
    from pressbook import presets, simulate
    from pressbook.views import columns as col
    from pressbook.views import describe

    o = simulate(presets.three_step(), bands=True)
    por, sig = col.layer_band_columns(o)
    assert por["name"] == ["cathode", "separator", "anode"] and sig["name"] == ["cathode", "separator"]
    assert (sig["low"][1], sig["high"][1]) == o.band("ionic_conductivity", "separator")
    assert por["low"][0] == pytest.approx(100 * o.band("porosity", "cathode")[0])
    alt = describe.layer_bands_alternative(por, sig, o.bands.laboratory.label)
    lo, hi = o.band("ionic_conductivity", "separator")
    assert f"separator {sig['value'][1]:.3g} mS/cm (90 % band {lo:.3g} to {hi:.3g} mS/cm)" in alt.text
    assert "a new laboratory" in alt.text and len(alt.rows) == 5
    plain = col.layer_band_columns(simulate(presets.three_step()))[1]  # no bands: the whisker is the value
    assert plain["low"] == plain["value"] == plain["high"]
