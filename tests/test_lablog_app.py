"""The pellet log app's logic without a browser: two people saving the same pellet, bad values kept in
the form, the protocol card's "Log this pellet" link, and the log switched off."""
from __future__ import annotations

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
    assert "conductivity_mS_cm: got" in app.save_message.value and "Traceback" not in app.save_message.value
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
