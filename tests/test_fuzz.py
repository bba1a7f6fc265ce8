"""Property tests: whatever a design file or dict holds, loading ends in a PressbookError or in a valid
Design whose simulate() works (and whose JSON is strict JSON) -- never in another exception.

Fast by default (about 300 examples per property, no deadline); PRESSBOOK_FUZZ_EXAMPLES=N for a longer run.
The number of inputs tried and how they ended is printed at the end of the module (and written to
test-artifacts/fuzz-counts.json).
"""
import contextlib
import copy
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressbook import Design, presets, simulate
from pressbook.cli import main as cli_main
from pressbook.errors import PressbookError
from pressbook.materials import default_library

N = int(os.environ.get("PRESSBOOK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.filter_too_much,
                                                                      HealthCheck.data_too_large])
COUNTS: dict[str, Counter] = {}
BASES = [presets.preset(name).to_dict() for name in sorted(presets.PRESETS)]
LIB = default_library()
MATERIAL_NAMES = sorted({n for m in LIB.materials.values() for n in (m.id, *m.aliases)})


@pytest.fixture(scope="module", autouse=True)
def report_counts(request):
    yield
    total = sum(sum(c.values()) for c in COUNTS.values())
    lines = [f"fuzz: {total} inputs tried"] + [
        f"  {name}: {sum(c.values())} inputs ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})"
        for name, c in sorted(COUNTS.items())]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter:
            reporter.ensure_newline()
        for line in lines:
            (reporter.write_line if reporter else print)(line)
    out = Path(__file__).resolve().parent.parent / "test-artifacts"
    try:
        out.mkdir(exist_ok=True)
        (out / "fuzz-counts.json").write_text(json.dumps({k: dict(v) for k, v in COUNTS.items()}, indent=2))
    except OSError:  # a read-only checkout: the printed lines are enough
        pass


def outcome_of(load, prop: str):
    """Run ``load()``; a PressbookError is a fine answer; a Design must be valid and simulate."""
    counter = COUNTS.setdefault(prop, Counter())
    try:
        design = load()
    except PressbookError as exc:
        counter["refused"] += 1
        assert str(exc).strip(), "an error without a message"
        return None
    assert isinstance(design, Design)
    check_valid_design(design)
    counter["valid"] += 1
    return design


def check_valid_design(design: Design) -> None:
    design.validate()
    out = simulate(design)
    data = json.loads(out.to_json())
    json.dumps(data, allow_nan=False)
    assert out.summary()
    for layer in out.layers:
        assert 0 < layer.relative_density <= 1, layer
        assert layer.thickness > 0 and math.isfinite(layer.thickness), layer
    for r in out.risks:
        assert 0 <= r.score <= 1, r
    # a valid design survives both round trips unchanged
    assert Design.from_toml(design.to_toml()) == design
    assert Design.from_json(design.to_json()) == design


# ------------------------------------------------------------------ strategies
UNITS = ["MPa", "GPa", "kPa", "Pa", "bar", "psi", "N/mm^2", "tf", "kN", "lbf", "mm", "um", "µm", "cm", "m", "s", "min",
         "h", "ms", "degC", "K", "degF", "mg", "g", "kg", "", "furlong", "MPa**2", "1/MPa", "%", "MPa MPa", "ohm"]
finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(
    st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1),
    st.floats(),  # with nan and inf
    st.sampled_from([0, -0.0, 1e-300, 1e300, 5e-324, 1e308, -1, 3000.0000001, 0.0099999, 10 ** 400, -(10 ** 30)]),
)
quantity_text = st.builds(lambda x, sep, u: f"{x!r}{sep}{u}".strip(), st.one_of(finite, st.floats(), st.integers()),
                          st.sampled_from([" ", "", "  ", "\t"]), st.sampled_from(UNITS))
long_strings = st.sampled_from(["x" * 100_000, "300 " + "M" * 10_000 + "Pa", "1" * 5000 + " MPa", "9" * 400,
                                "1e" + "9" * 50 + " MPa", "(" * 1000 + "MPa" + ")" * 1000, "m**" * 1000 + "2",
                                "1 m**9**9**9", "1 MPa**99999999999999"])
weird_text = st.one_of(st.text(max_size=40), st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
                       st.sampled_from(["", " ", "\x00", "\u202e300 MPa", "３００ MPa", "300 ＭＰａ", "nan", "inf MPa",
                                        "-0 MPa", "0x1p3 MPa", "1_0 MPa", "300 MPa # c", "🔥", "None", "true"]))
material_names = st.sampled_from(MATERIAL_NAMES).flatmap(
    lambda n: st.sampled_from([n, n.lower(), n.upper(), f" {n} ", n + "x"]))
scalars = st.one_of(numbers, quantity_text, long_strings, weird_text, material_names, st.none(), st.booleans())
values = st.one_of(
    scalars,
    st.lists(st.one_of(scalars, st.text(max_size=10)), max_size=4),
    st.dictionaries(st.one_of(material_names, st.text(max_size=10)), st.one_of(numbers, st.text(max_size=5)),
                    max_size=4),
)


def paths(obj, prefix=()):
    """Every path to a value inside a nested dict/list (including containers)."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, prefix + (i,))


def get_parent(obj, path):
    for p in path[:-1]:
        obj = obj[p]
    return obj


@st.composite
def mutated_designs(draw):
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        all_paths = [p for p in paths(data) if p]
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        parent = get_parent(data, path)
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "duplicate"]))
        if op == "replace":
            parent[path[-1]] = draw(values)
        elif op == "delete":
            del parent[path[-1]]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "pressure", "hold", "material", "composition", "rated_pressure",
                                         "temperature", "add", "mass", "thickness", "pressing"]))] = draw(values)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(parent[path[-1]]))
    return data


def in_range(lo, hi, unit):
    return st.floats(lo, hi).map(lambda x: f"{x} {unit}")


@st.composite
def plausible_designs(draw):
    """Structurally valid designs with values anywhere in (and a little beyond) the allowed ranges."""
    n = draw(st.integers(min_value=1, max_value=5))
    roles = draw(st.one_of(
        st.lists(st.sampled_from(["cathode", "separator", "anode", "interlayer"]), min_size=n, max_size=n),
        st.just(["separator"] * n)))
    layers = []
    for i, role in enumerate(roles):
        layer = {"name": f"L{i}", "role": role}
        if draw(st.booleans()):
            layer["material"] = draw(st.one_of(st.sampled_from(MATERIAL_NAMES), material_names))
        else:
            k = draw(st.integers(1, 3))
            mats = draw(st.lists(st.sampled_from([m for m in LIB.ids() if not LIB.get(m).is_foil]),
                                 min_size=k, max_size=k, unique=True))
            w = draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k))
            layer["composition"] = {m: x / sum(w) for m, x in zip(mats, w)}
        if draw(st.booleans()):
            layer["mass"] = draw(st.one_of(st.floats(0.01, 10000).map(lambda x: f"{x} mg"),
                                           st.floats(1e-5, 10).map(lambda x: f"{x} g"), st.floats(0.005, 12000)))
        else:
            layer["thickness"] = draw(st.one_of(st.floats(0.1, 20000).map(lambda x: f"{x} um"),
                                                st.floats(0.05, 25000)))
        layers.append(layer)
    # add the layers in contiguous groups growing outwards from a random start
    start = draw(st.integers(0, n - 1))
    lo = hi = start
    groups = [[start]]
    while lo > 0 or hi < n - 1:
        side = draw(st.sampled_from(["lo", "hi"])) if lo > 0 and hi < n - 1 else ("lo" if lo > 0 else "hi")
        k = draw(st.integers(1, 2))
        if side == "lo":
            new = list(range(max(0, lo - k), lo))
            lo = max(0, lo - k)
        else:
            new = list(range(hi + 1, min(n - 1, hi + k) + 1))
            hi = min(n - 1, hi + k)
        if draw(st.booleans()) and groups:
            groups[-1] += new
        else:
            groups.append(new)
    steps = []
    for g in groups:
        steps.append({"add": [f"L{i}" for i in sorted(g)],
                      "pressure": draw(st.one_of(in_range(0.01, 3000, "MPa"), st.floats(0.005, 3200))),
                      "hold": draw(st.one_of(in_range(0, 86400, "s"), in_range(0, 1440, "min"))),
                      "temperature": draw(st.one_of(st.just("25 degC"), in_range(-40, 500, "degC"),
                                                    in_range(233.15, 773.15, "K"), st.floats(-45, 520)))})
        if draw(st.integers(0, 5)) == 0:
            steps.append({"add": [], "pressure": f"{draw(st.floats(0.01, 3000))} MPa"})
    die = {"diameter": draw(st.one_of(in_range(1, 100, "mm"), in_range(1, 100, "mm"), st.floats(0.9, 110))),
           "pressing": draw(st.sampled_from(["single", "double"]))}
    if draw(st.integers(0, 3)) == 0:
        die["rated_pressure"] = draw(in_range(1, 5000, "MPa"))
    return {"title": draw(st.text(max_size=50)), "die": die, "layers": layers, "steps": steps,
            "operation": {"stack_pressure": draw(st.one_of(in_range(0, 1000, "MPa"), st.floats(0, 1100))),
                          "temperature": draw(st.one_of(in_range(-40, 500, "degC"), st.floats(-45, 520)))}}


TOML_VALUES = ["", "1", "-1", "nan", "inf", "1e400", "true", "[]", "{}", '""', '"300 mm"', '"3 tf"', '"x"',
               "99999999999999999999", '"1 m**9**9**9"', "1979-05-27", '["a", 1]']


def toml_of(data):
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # None values, non-str keys: not representable in TOML
        return None


# ------------------------------------------------------------------ properties
@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_from_toml_on_random_text(text):
    outcome_of(lambda: Design.from_toml(text), "from_toml random text")


@FUZZ
@given(raw=st.binary(max_size=400))
def test_from_toml_and_json_on_random_bytes(raw):
    outcome_of(lambda: Design.from_toml(raw), "from_toml random bytes")
    outcome_of(lambda: Design.from_json(raw), "from_json random bytes")


@FUZZ
@given(data=st.data())
def test_toml_ish_text(data):
    """Valid TOML from a preset with lines dropped, duplicated or edited: near-misses of the format."""
    base = toml_of(data.draw(st.sampled_from(BASES)))
    lines = base.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "edit", "insert"]))
        if op == "drop":
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "edit" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = key + "= " + data.draw(st.sampled_from(TOML_VALUES))
        elif op == "insert":
            lines.insert(i, data.draw(st.sampled_from(["[die]", "[[steps]]", "[[layers]]", "[operation]", "x = 1",
                                                       "add = []", 'material = "LLZO"', "]", "[", '"'])))
        if not lines:
            break
    text = "\n".join(lines)
    outcome_of(lambda: Design.from_toml(text), "toml-ish text")


@FUZZ
@given(text=st.recursive(st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20)),
                         lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c, max_size=4)),
                         max_leaves=20).map(lambda o: json.dumps(o)))
def test_from_json_on_random_json(text):
    outcome_of(lambda: Design.from_json(text), "from_json random json")


@FUZZ
@given(data=mutated_designs())
def test_mutated_designs_dict_toml_json(data):
    outcome_of(lambda: Design.from_dict(copy.deepcopy(data)), "mutated design (dict)")
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):  # pragma: no cover - values are JSON types
        text = None
    if text is not None:
        outcome_of(lambda: Design.from_json(text), "mutated design (json)")
        outcome_of(lambda: Design.from_json(text.encode("utf-8")), "mutated design (json bytes)")
    toml = toml_of(data)
    if toml is not None:
        outcome_of(lambda: Design.from_toml(toml), "mutated design (toml)")


@FUZZ
@given(data=plausible_designs())
def test_plausible_designs(data):
    design = outcome_of(lambda: Design.from_dict(data), "plausible design")
    if design is not None:
        assert design == Design.from_toml(toml_of(data))


@settings(max_examples=max(30, N // 5), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(mutated_designs(), plausible_designs(), plausible_designs()))
def test_cli_equivalent_loading(data):
    """The CLI path (file on disk -> Design.load -> simulate -> print): exit 0, or one error line and exit 2."""
    counter = COUNTS.setdefault("cli (in-process)", Counter())
    toml = toml_of(data)
    if toml is None:
        return
    import io

    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("d.toml", toml), ("d.json", json.dumps(data))):
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli_main(["simulate", str(path), "--json"])
            if code == 0:
                json.loads(out.getvalue())
                assert err.getvalue() == ""
                counter["exit 0"] += 1
            else:
                assert code == 2
                lines = err.getvalue().splitlines()
                assert len(lines) == 1 and lines[0].startswith("pressbook: error: "), err.getvalue()
                counter["exit 2"] += 1
