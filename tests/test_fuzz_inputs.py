"""Property tests (hypothesis) of the other doors user input comes through: the URL query parser, the
calibration CSV reader, the spectrum CSV reader and the circuit-string parser.

Every generated input must end in a PressbookError with a message, or a valid result: never another
exception, never evaluation of the text. The designer's design files and the CLI are fuzzed in
test_fuzz.py. Counts are printed (run with -s) and written to test-artifacts/fuzz-inputs-counts.json.
"""
from __future__ import annotations

import json
import os
import urllib.parse
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressbook import simulate
from pressbook.apps.designer.query import design_from_query
from pressbook.errors import PressbookError
from pressbook.lab.calibrate import calibrate_compaction
from pressbook.lab.measurements import read_csv
from pressbook.lab.spectrum import parse_circuit, read_spectrum

N = int(os.environ.get("PRESSBOOK_FUZZ_EXAMPLES", "250"))
SETTINGS = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS: Counter = Counter()

KEYS = ["preset", "design", "die.diameter", "layers.1.mass", "layers.2.thickness", "layers.3.material",
        "steps.1.pressure", "steps.2.hold", "steps.3.temperature", "steps.1.add", "operation.stack_pressure",
        "operation.temperature", "steps.9.pressure", "layers.0.mass", "title"]
VALUES = st.one_of(
    st.sampled_from(["300MPa", "2.4tf", "35kN", "450", "-1MPa", "nan", "inf", "1e308MPa", "300 mm", "2min",
                     "three-step", "co-press", "nope", "Li6PS5Cl", "NCM811 0.7, Li6PS5Cl 0.3", "1 m**9**9**9",
                     "0x10", "__import__('os')", "", "µm", "separator,anode"]),
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _check_design(design) -> None:
    simulate(design)  # a design handed back must be valid and simulate


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(KEYS) | st.text(max_size=20), VALUES), max_size=6))
def test_query_parser(pairs):
    query = urllib.parse.urlencode(pairs)
    COUNTS["query: key=value pairs"] += 1
    try:
        design, problems = design_from_query(query)
    except PressbookError:
        COUNTS["query: refused"] += 1
        return
    assert all(isinstance(p, str) and p for p in problems)
    _check_design(design)


@SETTINGS
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_query_parser_on_raw_text(text):
    COUNTS["query: raw text"] += 1
    try:
        design, _ = design_from_query(text)
    except PressbookError:
        return
    _check_design(design)


HEADERS = ["pressure_MPa", "pressure [MPa]", "P/MPa", "thickness_um", "thickness [mm]", "relative density",
           "relative density [%]", "conductivity [mS/cm]", "load_kN", "pressure", "x", "", "pressure [m]"]
CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                  st.sampled_from(["", "abc", "1,5", "1e999", "--", "NaN", "300 MPa"]), st.text(max_size=8))


@st.composite
def csv_text(draw):
    cols = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=4))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(cols), max_size=len(cols)), max_size=12))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    return "\n".join([sep.join(cols)] + [sep.join(r) for r in rows])


@SETTINGS
@given(csv_text() | st.text(max_size=400) | st.binary(max_size=400))
def test_calibration_csv(data):
    COUNTS["calibration CSV"] += 1
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    try:
        read_csv(raw, "fuzz.csv")
        cal = calibrate_compaction(raw, "Li6PS5Cl", filename="fuzz.csv", mass=100.0, diameter=10.0)
    except PressbookError:
        COUNTS["calibration CSV: refused"] += 1
        return
    COUNTS["calibration CSV: fitted"] += 1
    assert cal is not None


@SETTINGS
@given(st.lists(st.tuples(CELLS, CELLS, CELLS), max_size=15),
       st.sampled_from(["frequency_Hz,z_real_ohm,-z_imag_ohm", "f [Hz], Re(Z)/Ohm, -Im(Z)/Ohm", "a,b,c", "freq"]))
def test_spectrum_csv(rows, header):
    COUNTS["spectrum CSV"] += 1
    text = "\n".join([header] + [",".join(r) for r in rows])
    try:
        read_spectrum(text.encode("utf-8", "surrogatepass"), "fuzz.csv")
    except PressbookError:
        COUNTS["spectrum CSV: refused"] += 1


@SETTINGS
@given(st.text(alphabet="R0123456789CPEWp(),-_ LSx", max_size=40) | st.text(max_size=40))
def test_circuit_strings_are_parsed_not_evaluated(text):
    COUNTS["circuit strings"] += 1
    try:
        parse_circuit(text)
    except PressbookError:
        COUNTS["circuit strings: refused"] += 1


def teardown_module(module):
    out = Path(__file__).resolve().parents[1] / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "fuzz-inputs-counts.json").write_text(json.dumps(dict(COUNTS), indent=2))
    print("\nfuzz (query, uploads, circuits):", dict(COUNTS))
