"""The onboarding apps' logic without a browser: inputs -> card / fits; errors -> messages, never exceptions."""
import base64
import datetime
import re
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("jupyter_bokeh")

from pressbook.apps.onboarding import CalibrateApp, ProtocolCardApp, download_link  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"


def upload(name, data):
    return ({"name": name, "type": "text/plain", "size": len(data), "last_modified": datetime.datetime(2026, 1, 1),
             "content": memoryview(data)},)


def decode_link(html_text, mime):
    m = re.search(rf'href="data:{re.escape(mime)};base64,([^"]+)"', html_text)
    assert m, html_text[:200]
    return base64.b64decode(m.group(1)).decode("utf-8")


def test_protocol_card_app_default_and_downloads():
    app = ProtocolCardApp()
    assert app.message.layout.display == "none"
    assert "2.40 tf" in app.card.value
    page = decode_link(app.downloads.value, "text/html")
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    rows = decode_link(app.downloads.value, "text/csv").splitlines()
    assert rows[0].startswith("step,") and len(rows) == 4


def test_protocol_card_app_refusal_is_a_message():
    app = ProtocolCardApp()
    app.capacity.value = 2.0
    assert "cannot do this design" in app.message.value and "press capacity" in app.message.value
    assert app.card.value == "" and app.downloads.value == ""
    app.capacity.value = 15.0
    assert app.message.layout.display == "none" and app.card.value


def test_protocol_card_app_gauge_and_upload():
    app = ProtocolCardApp()
    app.gauge_unit.value = "bar"
    assert app.ram_diameter.layout.display == "" and "120 bar" in app.card.value
    app.upload.value = upload("broken.toml", b"title = [")
    assert "not valid TOML" in app.message.value
    app.upload.value = upload("three.toml", (DATA / "three_step_design.toml").read_bytes())
    assert app.source.value == "__upload__" and app.message.layout.display == "none" and app.card.value
    app.upload.value = upload("huge.toml", b"#" * 1_000_001)
    assert "MB" in app.message.value


def test_calibrate_app_sample_fit_and_download():
    app = CalibrateApp(DATA)
    app.sample.value = "compaction_thickness.csv"
    assert app.message.layout.display == "none"
    assert "Fitted compaction_thickness.csv" in app.status.value
    assert len(app.src_data.data["x"]) == 11 and len(app.src_fit.data["x"]) == len(app.src_lib.data["x"])
    assert app.fig_sigma.layout.display == ""
    toml = decode_link(app.downloads.value, "application/toml")
    assert "fitted to user data compaction_thickness.csv" in toml
    first = app.cal
    app.upload.value = upload("bad.csv", b"pressure,thickness_um\n1,2\n")
    assert "no unit in the header" in app.message.value and "previous result is kept" in app.message.value
    assert app.cal is first  # nothing changed


def test_calibrate_app_impedance():
    app = CalibrateApp(DATA)
    app.eis_sample.value = "eis_three_step.csv"
    assert app.eis_message.layout.display == "none" and "R0-p(R1,CPE1)-p(R2,CPE2)" in app.eis_table.value
    assert len(app.src_zd.data["x"]) == len(app.src_zfit.data["x"]) > 10
    app.eis_upload.value = upload("x.csv", b"\x00\x01binary")
    assert "binary" in app.eis_message.value


def test_download_link_escapes_the_name():
    link = download_link("a,b\n", 'x"><script>.csv', "text/csv", "<b>")
    assert "<script>" not in link and "&lt;b&gt;" in link


def test_calibrate_app_names_the_material_after_the_data():
    """The glass sample's comment names Li3PS4: it is compared with, and saved as, Li3PS4 (calibrated)."""
    app = CalibrateApp(DATA)
    app.sample.value = "compaction_density_semicolon.csv"
    assert app.material.value == "Li3PS4" and app.cal.material_id == "Li3PS4 (calibrated)"
    assert '["Li3PS4 (calibrated)"]' in decode_link(app.downloads.value, "application/toml")
    app.sample.value = "compaction_thickness.csv"
    assert app.material.value == "Li6PS5Cl" and app.cal.material_id == "Li6PS5Cl (calibrated)"
    app.material.value = "Li10GeP2S12"  # a file naming none keeps the user's choice
    app.upload.value = upload("plain.csv", (DATA / "compaction_thickness.csv").read_bytes().split(b"\n", 1)[1])
    assert app.material.value == "Li10GeP2S12"


def test_named_material():
    from pressbook.lab.measurements import named_material

    ids = ["Li6PS5Cl", "Li3PS4", "Li5.5PS4.5Cl1.5", "LLZO"]
    assert named_material(b"# a Li5.5PS4.5Cl1.5 series\npressure_MPa,x\n", ids) == "Li5.5PS4.5Cl1.5"
    assert named_material("# synthetic Li6PS5Cl-like series\np\n", ids) == "Li6PS5Cl"
    assert named_material("pressure_MPa\n# Li3PS4 after the header\n", ids) is None
    assert named_material("# xLLZOx\n", ids) is None


def test_protocol_card_app_opens_a_design_from_a_link():
    app = ProtocolCardApp(query="preset=co-press")
    assert app.source.value == "co-press" and "co-pressing" in app.card.value
    app = ProtocolCardApp(query="preset=three-step&steps.1.pressure=280MPa")
    assert app.source.value == "__upload__" and app.source.options[0][0].startswith("from the link")
    assert app.card_obj.steps[0].pressure_MPa == 280.0
    bad = ProtocolCardApp(query="preset=three-step&steps.1.pressure=lots")
    assert "Step 1 pressure" in bad.message.value and "steps.1" not in bad.message.value and bad.card.value


def test_calibration_and_spectrum_fits_are_stopped_by_the_simulation_time_limit(monkeypatch):
    import time

    import pressbook.apps.onboarding as onboarding
    import pressbook.lab.calibrate as calibrate
    import pressbook.lab.spectrum as spectrum

    def slow(*args, **kwargs):  # a fit that never ends (Python code: the alarm interrupts it)
        while True:
            time.sleep(0.01)

    app = CalibrateApp(DATA)
    app.sample.value = "compaction_thickness.csv"
    first = app.cal
    app.eis_sample.value = "eis_three_step.csv"
    monkeypatch.setattr(onboarding, "SIMULATE_LIMIT_S", 0.3)
    monkeypatch.setattr(calibrate, "calibrate_compaction", slow)
    monkeypatch.setattr(spectrum, "fit_outcome_spectrum", slow)
    app.update()
    assert "The calibration fit took longer than 0.3 s and was stopped" in app.message.value
    assert "fewer rows" in app.message.value and app.cal is first
    app.update_eis()
    assert "The spectrum fit took longer than 0.3 s" in app.eis_message.value


def test_protocol_card_app_asks_for_the_die_rating():
    """No rating is assumed (issue 26): not given until typed; a step above a typed rating is refused in one
    sentence naming the steps and the rating; a rating that cannot be read names the field."""
    from pressbook import presets

    app = ProtocolCardApp()
    assert app.die_rating.value == "" and "rated pressure not given: check your die" in app.card.value
    app.source.value = "over-pressed"
    assert app.card.value and app.message.layout.display == "none"  # nothing to check it against
    highest = max(s.pressure for s in presets.preset("over-pressed").steps)
    over = [k for k, s in enumerate(presets.preset("over-pressed").steps, 1) if s.pressure > highest / 2]
    app.die_rating.value = f"{highest / 2:g}"
    sentences = app.message.value.split(". ")
    assert app.card.value == "" and len(sentences) == 2, app.message.value
    assert sentences[1].startswith(f"Step{'s' if len(over) > 1 else ''} {' and '.join(map(str, over))} ask")
    assert f"above the die&#x27;s rating of {highest / 2:g} MPa" in sentences[1]
    assert "allowed" not in app.message.value and "more" not in app.message.value
    app.die_rating.value = "5 GPa"  # 5000 MPa: the whole design fits
    assert app.card.value and "rated pressure 5000 MPa" in app.card.value
    app.die_rating.value = "lots"
    assert "Die rated pressure: lots is not allowed" in app.message.value and app.card.value == ""
    app.die_rating.value = ""
    assert app.card.value and app.message.layout.display == "none"
