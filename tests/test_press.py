"""Press helper: pressure <-> load for a die, gauge readings. Expected values are hand calculations."""
import math
import subprocess
import sys

import pytest

from pressbook.errors import InvalidInputError
from pressbook.lab.press import die_area_mm2, gauge_reading, load_to_pressure, pressure_to_load
from pressbook.units import Q_

G = 9.80665                       # standard gravity, m/s2 (tonne-force = 1000 kg * g)
AREA_10 = math.pi * 5.0 ** 2      # mm2 of a 10 mm die = 78.54 mm2
SHORT_TON_N = 2000 * 0.45359237 * G  # short ton-force, 8896.44 N
LBF_N = 0.45359237 * G               # 4.44822 N


def test_die_area():
    assert die_area_mm2(10.0) == pytest.approx(78.5398, abs=1e-4)


def test_two_tonne_force_on_10_mm_is_249_7_MPa():
    # 2 * 1000 kg * 9.80665 m/s2 = 19613.3 N over 78.54 mm2
    assert load_to_pressure(2.0, 10.0, "tf") == pytest.approx(2000 * G / AREA_10)
    assert load_to_pressure(2.0, 10.0, "tf") == pytest.approx(249.7, abs=0.05)
    assert load_to_pressure("2 tf", "10 mm") == pytest.approx(249.7, abs=0.05)
    assert load_to_pressure(Q_(2, "metric_ton_force"), Q_(1, "cm")) == pytest.approx(249.7, abs=0.05)


def test_300_MPa_on_10_mm_is_about_2_40_tonne_force():
    newton = 300.0 * AREA_10   # MPa * mm2 = N: 23562 N
    assert pressure_to_load(300.0, 10.0, "N") == pytest.approx(newton)
    assert pressure_to_load(300.0, 10.0, "kN") == pytest.approx(newton / 1e3)
    assert pressure_to_load(300.0, 10.0, "kN") == pytest.approx(23.56, abs=0.005)
    assert pressure_to_load(300.0, 10.0, "tf") == pytest.approx(newton / (1000 * G))
    assert pressure_to_load(300.0, 10.0, "tf") == pytest.approx(2.40, abs=0.005)
    assert pressure_to_load("0.3 GPa", "10 mm", "tf") == pytest.approx(2.40, abs=0.005)


def test_short_ton_force_and_lbf():
    newton = 300.0 * AREA_10
    assert pressure_to_load(300.0, 10.0, "tonf") == pytest.approx(newton / SHORT_TON_N)
    assert pressure_to_load(300.0, 10.0, "tonf") == pytest.approx(2.648, abs=0.001)
    assert pressure_to_load(300.0, 10.0, "lbf") == pytest.approx(newton / LBF_N)
    assert pressure_to_load(300.0, 10.0, "lbf") == pytest.approx(5297, abs=1)
    assert load_to_pressure(5297.0, 10.0, "lbf") == pytest.approx(300.0, abs=0.1)
    # pint's own names are accepted too
    assert pressure_to_load(300.0, 10.0, "pound_force") == pytest.approx(newton / LBF_N)


@pytest.mark.parametrize("unit", ["kN", "tf", "tonf", "lbf", "N"])
@pytest.mark.parametrize("pressure, diameter", [(10.0, 10.0), (300.0, 10.0), (370.0, 13.0), (1000.0, 6.0)])
def test_round_trip(unit, pressure, diameter):
    load = pressure_to_load(pressure, diameter, unit)
    assert load_to_pressure(load, diameter, unit) == pytest.approx(pressure, rel=1e-12)


def test_gauge_readings_by_hand():
    # 300 MPa on 10 mm = 23562 N; a 50 mm ram (1963.5 mm2) needs 12 MPa oil pressure = 120 bar = 1740 psi
    assert gauge_reading(300.0, 10.0, ram_diameter=50.0, unit="MPa") == pytest.approx(300.0 * (10 / 50) ** 2)
    assert gauge_reading(300.0, 10.0, ram_diameter=50.0, unit="bar") == pytest.approx(120.0)
    assert gauge_reading(300.0, 10.0, ram_diameter=50.0, unit="psi") == pytest.approx(12e6 / 6894.757293168, rel=1e-9)
    # ram area 20 cm2 = 2000 mm2: 23562 N / 2000 mm2 = 11.78 MPa
    assert gauge_reading(300.0, 10.0, ram_area=20.0, unit="MPa") == pytest.approx(300.0 * AREA_10 / 2000.0)
    assert gauge_reading("300 MPa", "10 mm", ram_area="20 cm^2", unit="MPa") == pytest.approx(300.0 * AREA_10 / 2000.0)


def test_bad_press_inputs():
    with pytest.raises(InvalidInputError, match="load unit: got 'kg'; allowed: kN, tf, tonf, lbf, N"):
        pressure_to_load(300.0, 10.0, "kg")
    with pytest.raises(InvalidInputError, match="gauge unit"):
        gauge_reading(300.0, 10.0, ram_diameter=50.0, unit="atm-ish")
    with pytest.raises(InvalidInputError, match="ram: got None; allowed: a ram diameter"):
        gauge_reading(300.0, 10.0)
    with pytest.raises(InvalidInputError, match="die diameter"):
        pressure_to_load(300.0, 0.0)
    with pytest.raises(InvalidInputError, match="die diameter"):
        load_to_pressure(2.0, -10.0, "tf")
    with pytest.raises(InvalidInputError, match="ram area"):
        gauge_reading(300.0, 10.0, ram_diameter=0.0)
    with pytest.raises(InvalidInputError, match="pressure: got '3 tf'.*not a force"):
        pressure_to_load("3 tf", 10.0)
    with pytest.raises(InvalidInputError, match="load: got '300 MPa'.*not a pressure"):
        load_to_pressure("300 MPa", 10.0)
    with pytest.raises(InvalidInputError, match="load: got True"):
        load_to_pressure(True, 10.0, "tf")
    with pytest.raises(InvalidInputError, match="load: got nan; allowed: a finite load"):
        load_to_pressure(float("nan"), 10.0, "tf")
    with pytest.raises(InvalidInputError, match="pressure: got inf; allowed: a finite pressure"):
        pressure_to_load("1e999 MPa", 10.0)
    with pytest.raises(InvalidInputError, match="load: got 'a number of 401 digits'"):
        load_to_pressure(10 ** 400, 10.0, "kN")


def test_cli_load_prints_every_unit():
    r = subprocess.run([sys.executable, "-m", "pressbook.cli", "load", "300 MPa", "10 mm", "--ram-diameter", "50 mm"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "23.562 kN" in out and "2.403 tf" in out and "2.648 tonf" in out and "lbf" in out
    assert "120.0 bar (gauge)" in out
