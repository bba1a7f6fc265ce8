"""pressbook.views.describe: the figures' text alternatives say the numbers the figures draw."""
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
