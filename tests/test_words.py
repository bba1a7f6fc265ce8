"""Plain language for the pages: field paths in words, error sentences, one spelling of units."""
import pytest

from pressbook import presets
from pressbook.errors import InvalidInputError, PressbookError
from pressbook.views.words import field_label, plain_message, plain_text, plain_units


@pytest.mark.parametrize("path, words", [
    ("steps.1.pressure", "Step 1 pressure"),
    ("steps.3.hold", "Step 3 hold time"),
    ("layers.1 (cathode).mass", "Layer 1 (cathode) mass"),
    ("layers.2.composition.NCM811", "Layer 2 composition, NCM811"),
    ("operation.stack_pressure", "Stack pressure in use"),
    ("die.rated_pressure", "Die rated pressure"),
    ("title", "Design title"),
])
def test_field_label(path, words):
    assert field_label(path) == words


def test_the_issue_example_in_words():
    d = presets.three_step()
    d.steps[0].pressure = -50.0
    with pytest.raises(InvalidInputError) as info:
        d.validate()
    assert str(info.value).startswith("steps.1.pressure: got '-50 MPa'")  # the API keeps its field path
    assert plain_message(info.value) == "Step 1 pressure: -50 MPa is not allowed; use 0.01 to 3000 MPa"


def test_units_and_paths_inside_text():
    assert plain_units("50 um at 25 degC, 5 ohm cm2 on 0.785 cm2") == "50 µm at 25 °C, 5 Ω·cm² on 0.785 cm²"
    assert plain_text("link: layers.3.thickness: got 'x'") == "link: Layer 3 thickness: got 'x'"
    assert plain_message(PressbookError("upload 'a.csv': 3.1 MB; allowed: at most 2 MB")) == \
        "upload 'a.csv': 3.1 MB; allowed: at most 2 MB"
    assert "um" not in plain_text("thickness_um 12 um").split()  # a column name keeps its spelling, the unit not


def test_output_labels_carry_units():
    from pressbook.views.words import output_title

    assert output_title("total_asr") == "total ASR (Ω·cm²)"
    assert output_title("worst_risk") == "worst risk score (0-1)"
    assert output_title("risk: SE cracking (separator)") == "SE cracking (separator) risk score (0-1)"
    assert output_title("porosity: separator") == "porosity of separator (fraction 0-1)"


def _texts(widget) -> str:
    out, stack = [], [widget]
    while stack:
        x = stack.pop()
        out += [v for v in (getattr(x, "value", None), getattr(x, "description", None)) if isinstance(v, str)]
        out += [str(o) for o in getattr(x, "options", ()) or ()]
        stack.extend(getattr(x, "children", ()))
    return "\n".join(out)


def test_pages_say_units_and_places_plainly():
    """Issue 26, item 7: °C and µm on the pages (not the library's degC, um), no "242 MPa instead of 242 MPa",
    a preset menu without Markdown or a sentence cut at a line end, the model runs on the server."""
    import json
    import re
    from pathlib import Path

    from pressbook.apps.common import find_widgets
    from pressbook.apps.designer.panels import _doc
    from pressbook.apps.teaching import explorer, why
    from pressbook.presets import PRESETS

    ex = explorer.Explorer()
    hot = ex.hot_section()
    text = _texts(hot)
    assert "degC" not in text and not re.search(r"\d um\b", text)
    assert not re.search(r"(\d+\s*MPa)</b> instead of \1", text), text
    assert not re.search(r"(\d+\s*MPa) (instead of|\(vs) \1", text), text  # the yield pressure at 25 °C too
    assert "…" not in text and "...)" not in text  # the softening's provenance whole
    [slider] = find_widgets(hot, "pb-hot-temperature")
    slider.value = slider.max
    assert re.search(r"MPa</b> instead of \d+\s*MPa at 25 °C", _texts(hot))
    for name in PRESETS:
        label = _doc(name)
        assert "*" not in label and not re.search(r"\d um\b", label) and label.endswith((".", ")")), label
    assert not re.search(r"\d um\b", _texts(why.part_failures()))
    index = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "index.ipynb").read_text())
    start = "".join("".join(c["source"]) for c in index["cells"] if c["cell_type"] == "markdown")
    assert "in your browser" not in start and "runs the same model on the server" in start


def test_number_ranges_stay_on_one_line():
    """Issue 26 item 1: a range of numbers ("50-450 MPa" in the process map's summary, "0.48-2.1" on the protocol
    card) broke at its hyphen at 360 px; dates and version names are not ranges."""
    from pressbook.views.words import unbroken_ranges

    nowrap = '<span style="white-space: nowrap">{}</span>'
    assert unbroken_ranges("Step 1 pressure 50-450 MPa") == f"Step 1 pressure {nowrap.format('50-450')} MPa"
    assert unbroken_ranges("most likely 0.48-2.1;") == f"most likely {nowrap.format('0.48-2.1')};"
    for text in ("2026-12-07", "calibration 2026.12-v3", "Li6PS5Cl-3", "three-step"):
        assert unbroken_ranges(text) == text
