"""The pellet log app's logic without a browser: two people saving the same pellet, bad values kept in
the form, the protocol card's "Log this pellet" link, and the log switched off."""
from __future__ import annotations

import html
import re
import urllib.parse

from pressbook import presets
from pressbook.apps.designer.query import decode_design
from pressbook.apps.lablog import LabLogApp, lab_log_app
from pressbook.apps.onboarding import ProtocolCardApp


def test_two_people_save_the_same_pellet_the_second_is_told_and_keeps_the_form(tmp_path):
    db = tmp_path / "lab.sqlite"
    first, second = LabLogApp(db), LabLogApp(db)
    rec = first.log_pellet()
    second.refresh(select=rec["uid"])
    second.show_pellet()
    first.measure["ejected_density"].value = "0.84"
    first.save()
    second.measure["ejected_density"].value = "0.91"
    second.notes.value = "measured twice"
    second._save()
    assert "nothing was saved" in second.save_message.value and "version 2" in second.save_message.value
    assert second.measure["ejected_density"].value == "0.91" and second.notes.value == "measured twice"
    assert first.log.get(rec["uid"])["ejected_density"] == 0.84
    second.show_pellet()                      # reload, then save again
    second.measure["ejected_density"].value = "0.91"
    second._save()
    assert "Saved pellet" in second.save_message.value
    assert first.log.get(rec["uid"])["ejected_density"] == 0.91


def test_a_bad_value_is_a_message_and_nothing_is_saved(tmp_path):
    app = LabLogApp(tmp_path / "lab.sqlite")
    rec = app.log_pellet()
    app.measure["conductivity_mS_cm"].value = "2 ohm"
    app._save()
    assert "Ionic conductivity: 2 Ω is not allowed" in app.save_message.value  # words, not the field's name
    assert "conductivity_mS_cm" not in app.save_message.value and "Traceback" not in app.save_message.value
    assert app.log.get(rec["uid"])["version"] == 1
    app.recal_lot.options = ["nope"]
    app._guard(app.recal_message, app.recalibrate)
    assert "lot" in app.recal_message.value


def test_the_protocol_card_links_its_design_to_the_log(tmp_path, monkeypatch):
    card = ProtocolCardApp()
    href = re.search(r'class="pbl-log-link" href="([^"]+)"', card.downloads.value).group(1)
    assert href.startswith("lab_log.ipynb?design=")
    design = decode_design(urllib.parse.parse_qs(href.split("?", 1)[1])["design"][0])
    assert design.to_toml() == presets.three_step().to_toml()
    app = LabLogApp(tmp_path / "lab.sqlite", design=design)
    assert app.source.value == "__link__" and app.log_pellet()["design_toml"] == design.to_toml()
    monkeypatch.setenv("PRESSBOOK_LOG", "off")
    assert "pbl-log-link" not in ProtocolCardApp().downloads.value
    assert "The pellet log is off" in lab_log_app(tmp_path / "x.sqlite").value


def test_the_designer_logs_its_current_design_with_the_form_of_the_log(tmp_path, monkeypatch):
    """The designer's panel and the log app share one form and one code path (PelletForm.log)."""
    from pressbook.apps.designer.app import build_designer
    from pressbook.apps.pellet_form import PelletForm
    from pressbook.lab.lablog import open_log

    monkeypatch.setenv("PRESSBOOK_DB", str(tmp_path / "lab.sqlite"))
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    designer = build_designer("preset=three-step")
    panel = designer.children[-1]
    assert isinstance(panel.form, PelletForm) and isinstance(LabLogApp(tmp_path / "lab.sqlite").form, PelletForm)
    assert panel.form.operator.value == "ana"
    designer.state.set_field("steps.1.pressure", 250.0)
    panel.form.lot.value, panel.form.die.value, panel.form.supplier.value = "L-7", "10 mm #3", "NEI"
    panel.form.o2.value = "0.4"
    rec = panel.log_pellet()
    assert "Logged pellet" in panel.message.value and "lab_log.ipynb" in panel.next_step.value
    stored = open_log(tmp_path / "lab.sqlite").get(rec["uid"])
    assert stored["design_toml"] == designer.state.design.to_toml() and stored["lot"] == "L-7"
    assert stored["die"] == "10 mm #3" and stored["glovebox"] == {"o2_ppm": 0.4} and stored["operator"] == "ana"
    assert stored["pred_density"] == designer.state.outcome.layer(stored["subject_layer"]).ejected_density
    assert stored["pressbook_version"] and len(stored["library_version"]) == 16

    panel.form.pressed_on.value = "29.11.2026"                  # bad input: a message naming the field
    assert panel.log_pellet() is None
    assert panel.message.value == "Pressed on: 29.11.2026 is not allowed; use a date YYYY-MM-DD"
    panel.form.pressed_on.value = "2026-11-29"
    designer.state.set_field("steps.1.pressure", -5.0)           # a design with errors is not logged
    assert panel.log_pellet() is None and "errors" in panel.message.value
    assert open_log(tmp_path / "lab.sqlite").count() == 1


def test_the_designer_has_no_log_panel_on_a_class_server(monkeypatch):
    from pressbook.apps.designer.app import build_designer

    monkeypatch.setenv("PRESSBOOK_LOG", "off")
    panel = build_designer("preset=three-step").children[-1]
    assert not panel.enabled and panel.children == () and panel.layout.display == "none"


def test_the_designer_logs_nothing_for_an_unknown_visitor_of_a_voila_server(tmp_path, monkeypatch):
    """Issue 27 item 9 in the designer: on an anonymous Voila server every visitor would log as the server's
    user, under any operator's name. The panel says it is read-only, and a click sent by a crafted page writes
    nothing; ana's pellet stays as it was. A person set up for the server logs as that person."""
    from pressbook.apps.designer.app import build_designer
    from pressbook.lab.lablog import open_log

    db = tmp_path / "lab.sqlite"
    rec = open_log(db, user="ana").add(presets.three_step(), lot="A1")
    monkeypatch.setenv("PRESSBOOK_DB", str(db))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("VOILA_BASE_URL", "/")      # what Voila puts into every kernel's environment
    panel = build_designer("preset=three-step").children[-1]
    assert panel.read_only and panel.button.disabled and all(box.disabled for box in panel.form.boxes)
    assert "Read-only: this page does not know who you are" in panel.children[1].value
    panel.form.operator.value = "ana"
    assert panel.log_pellet() is None               # what a click sent by a hostile page runs
    assert "Read-only" in panel.message.value and panel.next_step.value == ""
    log = open_log(db, user="ana")
    assert log.count() == 1 and log.get(rec["uid"])["version"] == 1

    monkeypatch.setenv("PRESSBOOK_LOG_USER", "cy")  # the server set up for one named person
    panel = build_designer("preset=three-step").children[-1]
    assert not panel.read_only and not panel.button.disabled and panel.children[1].value == ""
    mine = panel.log_pellet()
    assert mine["owner"] == "cy" and open_log(db).count() == 2


def _file(name: str, content: bytes) -> tuple:
    import datetime as dt

    return ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
             "last_modified": dt.datetime.now(dt.timezone.utc)},)


def test_a_photo_is_attached_on_save_shown_as_a_thumbnail_and_a_fake_one_refused(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    app = LabLogApp(tmp_path / "lab.sqlite")
    rec = app.log_pellet()
    app.measure["thickness_um"].value = "0.61 mm"
    app.photo.value = _file("virus.png", b"MZ\x90\x00 an executable")
    app._save()
    assert app.save_message.value == ("Photo virus.png: a file that is not a PNG or JPEG image is not allowed; "
                                      "use a PNG or JPEG photo")
    assert app.log.get(rec["uid"])["version"] == 1 and app.measure["thickness_um"].value == "0.61 mm"
    app.photo.value = _file("big.jpg", b"\xff\xd8\xff" + bytes(9_000_000))
    app._save()
    assert "9.0 MB; allowed: at most 8 MB" in app.save_message.value and app.log.raw_files(rec["uid"]) == []
    app.photo.value = _file("pellet.png", png)
    app._save()
    assert "Photo pellet.png added" in app.save_message.value and app.photo.value == ()
    assert [(f["name"], f["kind"]) for f in app.log.raw_files(rec["uid"])] == [("pellet.png", "photo")]
    assert app.log.get(rec["uid"])["thickness_um"] == 610.0
    view = app.files_view.value
    assert "<img class='pbl-thumb' src='data:image/png;base64," in view and 'download="pellet.png"' in view


def test_the_lab_figures_have_text_alternatives_that_follow_the_data(tmp_path):
    app = LabLogApp(tmp_path / "lab.sqlite")
    assert "no pellet has a measured density" in app.parity_text.value
    rec = app.log_pellet()
    app.refresh(select=rec["uid"])
    app.show_pellet()
    app.measure["ejected_density"].value = "83 %"
    app._save()
    assert "of 1 pellet:" in app.parity_text.value and "0.830" in app.parity_text.value
    assert "centre 0.830" in app.chart_text.value


def _page_text(widget) -> str:
    """Every text the app's widgets put on the page (HTML values, descriptions, placeholders, options)."""
    out, stack = [], [widget]
    while stack:
        x = stack.pop()
        for attr in ("value", "description", "placeholder", "tooltip"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(v)
        out += [str(o) for o in getattr(x, "options", ()) or ()]
        stack.extend(getattr(x, "children", ()))
    return html.unescape("\n".join(out))


def test_the_whole_pellet_is_measured_and_units_stay_after_saving(tmp_path):
    """Issue 26: the thickness asked for is the whole pellet's, compared with the predicted pellet (the sum of
    the predicted layers), and the saved values come back with their units."""
    from pressbook.lab.lablog.records import predicted_pellet_um

    app = LabLogApp(tmp_path / "lab.sqlite")
    rec = app.log_pellet()
    layers = rec["predicted"]["layers"]
    pellet = predicted_pellet_um(rec)
    assert pellet == sum(l["thickness_um"] for l in layers.values()) and pellet > rec["pred_thickness_um"]
    box = app.measure["thickness_um"]
    assert box.description == "Whole pellet thickness" and f"predicted {pellet:.0f} µm" in box.placeholder
    assert f"whole pellet <span class='pbl-pred-pellet'>{pellet:.4g} µm</span>" in app.record_view.value
    measured = round(pellet) + 25
    box.value = f"{measured / 1000:g} mm"
    app.measure["conductivity_temperature_C"].value = "25"
    app.measure["stack_pressure_MPa"].value = "50 bar"
    app.measure["conductivity_mS_cm"].value = "2.1"
    app._save()
    assert "Saved pellet" in app.save_message.value
    assert box.value == f"{measured:g} µm"
    assert app.measure["conductivity_temperature_C"].value == "25 °C"
    assert app.measure["stack_pressure_MPa"].value == "5 MPa"
    assert app.measure["conductivity_mS_cm"].value == "2.1 mS/cm"
    diff = measured - pellet
    assert f"{abs(diff):.0f} µm ({100 * abs(diff) / pellet:.1f} %) {'thicker' if diff > 0 else 'thinner'}" \
        in app.record_view.value
    app._save()  # saving again what the form shows (units included) changes nothing
    assert app.log.get(rec["uid"])["thickness_um"] == measured


def test_the_page_names_no_database_and_exports_the_log(tmp_path):
    from pressbook.lab.lablog.exchange import read_package

    db = tmp_path / "lab.sqlite"
    app = LabLogApp(db)
    app.log_pellet()
    app.form.lot.value = "L-7"
    app.log_pellet()
    text = _page_text(app.widget)
    assert "this computer's log" in text
    for word in ("PRESSBOOK", "sqlite", str(tmp_path), "postgresql", "://"):
        assert word not in text, word
    data = app.export()
    records, _files = read_package(data)
    assert len(records) == 2 and 'download="pellets.zip"' in app.export_view.value
    app.filter_lot.value = "L-7"
    app.export_anonymous.value = True
    records, _files = read_package(app.export())
    assert [r["record"]["lot"] for r in records] == ["L-7"] and records[0]["record"]["operator"] == "person-1"
    assert 'download="pellets_L-7.zip"' in app.export_view.value


def test_control_chart_limits_inside_its_range_and_whole_pellet_ticks(tmp_path):
    from pressbook.apps.lablog import chart_y_range
    from pressbook.lab.lablog.stats import control_chart

    app = LabLogApp(tmp_path / "lab.sqlite")
    for k in range(6):
        rec = app.log_pellet()
        app.log.update(rec["uid"], rec["version"], ejected_density=0.80 + 0.01 * (k % 3))
    app.refresh()
    chart = control_chart(app.table)
    lo, hi = app.chart_range.start, app.chart_range.end
    assert (lo, hi) == chart_y_range(chart)
    assert lo < chart["lcl"] < chart["centre"] < chart["ucl"] < hi
    assert lo < min(chart["value"]) and max(chart["value"]) < hi
    assert app.chart_range is app.chart_fig.y_range and app.chart_fig.xaxis[0].ticker.min_interval == 1
    assert chart_y_range({"value": [], "ucl": float("nan"), "lcl": float("nan")}) == (0.5, 1.0)


def test_an_anonymous_voila_page_is_read_only_and_says_why(tmp_path, monkeypatch):
    """Issue 27 item 9: on a Voila server without log-in every visitor is the server's user, so the page
    may change nothing, even when a crafted message clicks a disabled button; a known user edits again."""
    from pressbook.lab.lablog import open_log

    db = tmp_path / "lab.sqlite"
    rec = open_log(db, user="ana").add(presets.three_step(), lot="A1")
    monkeypatch.setenv("VOILA_BASE_URL", "/")      # what Voila puts into every kernel's environment
    app = LabLogApp(db)
    assert "Read-only: this page does not know who you are" in app.read_only_note.value
    assert "logged as" not in app.widget.children[1].value and "read-only" in app.widget.children[1].value
    assert app.save_button.disabled and app.log_button.disabled and app.photo.disabled
    assert all(box.disabled for box in app.form.boxes)
    app.pellet.value = rec["uid"]
    app.measure["ejected_density"].value = "0.5"
    app._save()                                      # what a click sent by a hostile page would run
    assert "Read-only" in app.save_message.value
    app._guard(app.log_message, app.log_pellet)
    assert "Read-only" in app.log_message.value
    log = open_log(db, user="ana")
    assert log.get(rec["uid"])["version"] == 1 and log.count() == 1
    assert app.export()[:2] == b"PK"                 # reading and exporting still work

    for variable, user in (("JUPYTERHUB_USER", "bo"), ("PRESSBOOK_LOG_USER", "cy")):
        with monkeypatch.context() as m:
            m.setenv(variable, user)
            known = LabLogApp(db)
            assert known.read_only_note.value == "" and not known.save_button.disabled
            assert f"logged as <b>{user}</b>" in known.widget.children[1].value
            mine = known.log_pellet()
            assert mine["owner"] == user
            known.pellet.value = rec["uid"]
            known.measure["ejected_density"].value = "0.5"
            known._save()                            # ana's pellet: refused by the owner rule, not read-only
            assert "only its owner (ana)" in known.save_message.value

    monkeypatch.delenv("VOILA_BASE_URL")            # in JupyterLab the person runs the kernel: their OS user
    assert not LabLogApp(db).save_button.disabled


def test_a_log_that_cannot_open_hides_its_address_in_a_voila_page(tmp_path, monkeypatch):
    secret = tmp_path / "secret-folder"
    secret.write_text("a file where the database's folder should be")
    monkeypatch.setenv("PRESSBOOK_DB", str(secret / "pellets.sqlite"))
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    page = lab_log_app()
    assert "cannot be opened on this server (error id" in page.value
    assert "secret-folder" not in page.value and "sqlite" not in page.value and "PRESSBOOK" not in page.value
    monkeypatch.delenv("VOILA_BASE_URL")            # elsewhere the person is told where and why
    assert "secret-folder" in lab_log_app().value


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def _upload_message(content: bytes, name: str = "pellet.jpg") -> dict:
    """A FileUpload's message as the page sends it (the file's bytes in a buffer)."""
    import datetime as dt

    value = [{"name": name, "type": "image/jpeg", "size": len(content),
              "last_modified": dt.datetime(2026, 12, 7).timestamp() * 1000}]
    return {"content": {"data": {"method": "update", "state": {"value": value}, "buffer_paths": [["value", 0, "content"]]}},
            "buffers": [memoryview(content)]}


def test_a_4_mb_phone_photo_is_kept_and_a_too_large_one_is_never_saved_silently(tmp_path, monkeypatch):
    """Issue 27 item 8: the kernel guard dropped a 4 MB photo (its 3 MB message cap) while the page said
    "Saved". The photo upload may now bring 8 MB; a larger file is refused and the save says so."""
    from pressbook.apps.kernel_guard import MAX_WIDGET_MESSAGE_BYTES, refused_for

    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    app = LabLogApp(tmp_path / "lab.sqlite")
    rec = app.log_pellet()
    photo = JPEG + b"\x00" * (4_000_000 - len(JPEG))
    message = _upload_message(photo)
    assert len(photo) > MAX_WIDGET_MESSAGE_BYTES and not refused_for(app.photo, message)
    assert refused_for(app.notes, message)            # other widgets keep the 3 MB cap
    app.photo.set_state({"value": [{**message["content"]["data"]["state"]["value"][0], "content": photo}]})
    app.measure["ejected_density"].value = "0.84"
    app._save()
    assert "Saved pellet" in app.save_message.value and "Photo pellet.jpg added" in app.save_message.value
    assert [(f["name"], f["size"]) for f in app.log.raw_files(rec["uid"])] == [("pellet.jpg", 4_000_000)]

    too_big = _upload_message(JPEG + b"\x00" * 9_000_000)
    assert refused_for(app.photo, too_big)            # what the guard does with it: dropped, and the app is told
    assert "did not reach the server: a photo may be at most 8 MB" in app.save_message.value
    app.measure["ejected_density"].value = "0.85"
    app._save()
    assert "Nothing was saved" in app.save_message.value and "Saved pellet" not in app.save_message.value
    assert app.log.get(rec["uid"])["ejected_density"] == 0.84 and len(app.log.raw_files(rec["uid"])) == 1


def test_the_spectrum_fit_on_save_has_the_calibration_apps_time_limit(tmp_path, monkeypatch):
    """Issue 27 item 8: a 10,000-row spectrum took 88 s on save; now the fit stops at the calibration app's
    limit with its message, and the file is kept."""
    import numpy as np

    from pressbook.apps import lablog, onboarding

    assert lablog.SIMULATE_LIMIT_S == onboarding.SIMULATE_LIMIT_S and lablog.FIT_HINT is onboarding.FIT_HINT
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    app = LabLogApp(tmp_path / "lab.sqlite")
    rec = app.log_pellet()
    f = np.logspace(6, -1, 10_000)
    z = 48 + 84 / (1 + (2j * np.pi * f * 84 * 5e-6) ** 0.85) + 53 / (1 + (2j * np.pi * f * 53 * 1.3e-4) ** 0.85)
    rows = "\n".join(f"{a:.6g},{b.real:.6g},{-b.imag:.6g}" for a, b in zip(f, z))
    content = ("frequency_Hz,z_real_ohm,-z_imag_ohm\n" + rows).encode()
    app.spectrum.set_state({"value": [{"name": "long.csv", "type": "text/csv", "size": len(content),
                                       "last_modified": 0, "content": content}]})
    app._save()
    said = app.save_message.value
    assert "Saved pellet" in said and "The file long.csv is kept but was not fitted" in said
    assert f"The spectrum fit took longer than {onboarding.SIMULATE_LIMIT_S:g} s and was stopped" in said
    assert "fewer rows" in said and [f["name"] for f in app.log.raw_files(rec["uid"])] == ["long.csv"]
