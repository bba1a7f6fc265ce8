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
