"""The command line, run as a user would: `python -m pressbook.cli simulate FILE [--json]`."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pressbook import presets
from pressbook.units import ureg

ISSUE_EXAMPLE = (Path(__file__).resolve().parent / "issue2_example.toml").read_text(encoding="utf-8")


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "pressbook.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(r, *parts):
    assert r.returncode != 0
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pressbook: error: ")
    assert "Traceback" not in r.stderr
    for p in parts:
        assert p in lines[0], (p, lines[0])
    return lines[0]


@pytest.fixture()
def example(tmp_path):
    path = tmp_path / "design.toml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")
    return path


def test_simulate_prints_a_summary_with_units(example):
    r = run("simulate", example)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "NCM811 | Li6PS5Cl | Li, three-step" in out
    for name in ("cathode", "separator", "anode", "cathode|separator", "separator|anode"):
        assert name in out
    for unit in ("um", "mS/cm", "ohm cm2", "ohm", "%", "MPa"):
        assert unit in out
    assert "risks:" in out and "circuit R0-" in out


def test_simulate_json_has_the_contract_keys(example):
    r = run("simulate", example, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [l["name"] for l in data["layers"]] == ["cathode", "separator", "anode"]
    for l in data["layers"]:
        assert {"relative_density", "porosity", "thickness", "ionic_conductivity"} <= set(l)
        assert isinstance(l["relative_density"], float) and isinstance(l["porosity"], float)
        assert set(l["thickness"]) == {"magnitude", "units"}
    assert data["layers"][1]["ionic_conductivity"]["magnitude"] > 0
    assert data["layers"][2]["ionic_conductivity"] is None  # lithium is not an ion conductor layer
    assert [i["name"] for i in data["interfaces"]] == ["cathode|separator", "separator|anode"]
    for i in data["interfaces"]:
        assert {"contact_fraction", "asr", "intermixing_depth"} <= set(i)
        ureg.Quantity(i["asr"]["magnitude"], i["asr"]["units"]).to("ohm*cm^2")
    assert data["risks"]
    for k in data["risks"]:
        assert {"name", "score", "level", "reason"} <= set(k)
        assert 0 <= k["score"] <= 1 and k["level"] in ("low", "medium", "high")
    imp = data["impedance"]
    assert {"total_asr", "total_resistance", "circuit"} <= set(imp)
    assert ureg.Quantity(imp["total_asr"]["magnitude"], imp["total_asr"]["units"]).to("ohm*cm^2").magnitude > 0
    assert imp["circuit"] == "R0-p(R1,CPE1)-p(R2,CPE2)"
    assert [h["step"] for h in data["history"]] == [1, 2, 3]
    assert data["history"][0]["pressure"] == {"magnitude": 300.0, "units": "MPa"}
    assert data["history"][0]["hold"] == {"magnitude": 120.0, "units": "s"}


def test_simulate_json_file_and_preset(tmp_path):
    path = tmp_path / "d.json"
    presets.symmetric_li().save(path)
    r = run("simulate", path, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["title"] == presets.symmetric_li().title
    r = run("simulate", "preset:doux2020")
    assert r.returncode == 0 and "Doux 2020" in r.stdout


def test_every_preset_through_the_cli(capsys):
    from pressbook.cli import main

    assert main(["presets", "--toml"]) == 0
    listing = capsys.readouterr().out
    for name in presets.PRESETS:
        assert name in listing
        assert main(["simulate", f"preset:{name}", "--json"]) == 0, name
        json.loads(capsys.readouterr().out)


def test_errors_are_one_line_without_traceback_in_a_real_process(tmp_path):
    assert_one_line_error(run("simulate", tmp_path / "missing.toml"), "design file", "missing.toml", "cannot read")
    bad = tmp_path / "bad.toml"
    bad.write_text(ISSUE_EXAMPLE.replace('"450 MPa"', '"450 mm"'), encoding="utf-8")
    assert_one_line_error(run("simulate", bad, "--json"), "steps.2.pressure", "'450 mm'", "allowed: a pressure")
    assert_one_line_error(run("load", "3 tf", "10 mm"), "pressure", "'3 tf'", "not a force")


class _Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


def run_in_process(capsys, *args):
    from pressbook.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return _Result(code, out, err)


def test_errors_are_one_line(tmp_path, capsys):
    r = lambda *a: run_in_process(capsys, *a)  # noqa: E731
    assert_one_line_error(r("simulate", tmp_path), "design file", "is a directory; allowed: a regular file")
    assert_one_line_error(r("simulate", tmp_path / "missing.toml"), "design file", "cannot read")
    bad = tmp_path / "bad.toml"
    bad.write_text("title = \n[die", encoding="utf-8")
    assert_one_line_error(r("simulate", bad), "design file", "not valid TOML")
    bad.write_bytes(b"\xff\xfe\x00\x01garbage")
    assert_one_line_error(r("simulate", bad), "design file", "not UTF-8")
    assert_one_line_error(r("simulate", "preset:nope"), "preset", "'nope'", "three-step")
    bad.write_text('title = "x"\n[die]\ndiameter = "10 mm"\n[die]\n', encoding="utf-8")
    assert_one_line_error(r("simulate", bad), "design file", "not valid TOML")


# ------------------------------------------------------------------ hostile files and absurd values (issue 14)


def test_simulate_refuses_devices_fifos_symlinks_and_huge_files_at_once(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "huge.toml").write_bytes(b"#" * 2_000_001)
    cases = {"/dev/zero": "is a device", tmp_path / "pipe.toml": "is a FIFO", tmp_path / "zero.toml": "is a device",
             tmp_path / "huge.toml": "has 2000001 bytes; allowed: at most 1000000 bytes"}
    for path, message in cases.items():
        r = run("simulate", path, timeout=20)  # reading /dev/zero or opening the FIFO would never end
        assert r.returncode == 2
        assert_one_line_error(r, "design file", message)


def test_simulate_a_surrogate_title_prints_without_a_traceback_even_on_an_ascii_terminal(tmp_path):
    data = presets.symmetric_li().to_dict()
    data["title"] = "a\ud800b"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # json.dumps escapes it: "a\\ud800b"
    import os

    for extra in ([], ["--json"]):
        r = subprocess.run([sys.executable, "-m", "pressbook.cli", "simulate", str(path), *extra],
                           capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONIOENCODING="ascii"))
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        assert "a\\ufffdb" in r.stdout


@pytest.mark.parametrize("pressure, diameter, field, shown, allowed", [
    ("-300 MPa", "10 mm", "pressure", "'-300 MPa'", "0.01 to 3000 MPa"),
    ("0 MPa", "10 mm", "pressure", "'0 MPa'", "0.01 to 3000 MPa"),
    ("1e9 MPa", "10 mm", "pressure", "'1000000000 MPa'", "0.01 to 3000 MPa"),
    ("inf MPa", "10 mm", "pressure", "MPa", "0.01 to 3000 MPa"),
    ("300 MPa", "1e308 mm", "diameter", "'1e+308 mm'", "1 to 100 mm"),
    ("300 MPa", "0 mm", "diameter", "'0 mm'", "1 to 100 mm"),
])
def test_load_refuses_nonsense_with_field_value_and_range(pressure, diameter, field, shown, allowed):
    r = run("load", pressure, diameter)
    assert r.returncode == 2
    line = assert_one_line_error(r, f"{field}: got ", shown, f"allowed: {allowed}")
    assert "inf kN" not in line


def test_load_refuses_an_absurd_ram_diameter_and_still_answers_sensible_input():
    r = run("load", "300 MPa", "10 mm", "--ram-diameter", "1e400 mm")
    assert r.returncode == 2
    assert_one_line_error(r, "--ram-diameter", "allowed: 1 to 1000 mm")
    r = run("load", "300 MPa", "10 mm", "--ram-diameter", "50 mm")
    assert r.returncode == 0 and "23.562 kN" in r.stdout and "bar (gauge)" in r.stdout


def test_simulate_with_a_laboratorys_materials_file(tmp_path):
    """`pressbook simulate --bands --materials FILE`: the file's [laboratory] table makes the bands that
    laboratory's (JSON says whose); a bad table is a message naming the field, not a traceback."""
    good = tmp_path / "lot7.toml"
    good.write_text('[laboratory]\nname = "our lab, lot 7"\nlot = "7"\nshift = 0.3\nsd = 0.04\nn_pellets = 24\n')
    run = lambda *a: subprocess.run([sys.executable, "-m", "pressbook.cli", "simulate", "preset:three-step", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = run("--json", "--bands", "--materials", str(good))
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["bands"]["laboratory"] == "our lab, lot 7" and d["bands"]["laboratory_pellets"] == 24
    new = json.loads(run("--json", "--bands").stdout)
    assert new["bands"]["laboratory"] == "a new laboratory" and new["bands"]["laboratory_lot"] is None
    sep = lambda j: next(l for l in j["layers"] if l["name"] == "separator")["ionic_conductivity"]["band"]  # noqa: E731
    assert sep(d)[0] > sep(new)[0] and sep(d)[1] - sep(d)[0] < sep(new)[1] - sep(new)[0]
    bad = tmp_path / "bad.toml"
    bad.write_text('[laboratory]\nname = "x"\nshift = 0.3\nsd = -1\n')
    out = run("--bands", "--materials", str(bad))
    assert out.returncode != 0 and "[laboratory].sd: got -1" in out.stderr and "Traceback" not in out.stderr
