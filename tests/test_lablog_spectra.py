"""Raw impedance files of a logged pellet: read, Kramers-Kronig check (impedance.py linKK), fitted with
the predicted circuit; files that are not spectra are refused with the reason."""
from __future__ import annotations

import numpy as np
import pytest

from pressbook import presets
from pressbook.lab.lablog import open_log
from pressbook.lab.lablog.spectra import fit_logged_spectrum, kramers_kronig, read_raw_spectrum
from pressbook.lab.measurements import CalibrationDataError
from pressbook.lab.spectrum import circuit_impedance

pytest.importorskip("impedance")


def _mpr(columns: dict[int, np.ndarray], date: bytes = b"11/29/26") -> bytes:
    """A BioLogic .mpr file laid out as galvani 0.5.0 reads it (magic, a "VMP Set" module, a version-2 "VMP
    data" module: point count, column ids, zero padding to byte 405, then the records). EC-Lab files
    themselves cannot be shipped here: galvani's and yadg's test files are not in their PyPI packages."""
    import struct

    def module(short: bytes, long: bytes, version: int, data: bytes) -> bytes:
        return (b"MODULE" + short.ljust(10) + long.ljust(25) + struct.pack("<II", len(data), version) + date + data)

    types = {32: "<f4", 37: "<f4", 38: "<f4", 4: "<f8", 6: "<f4"}
    dtype = np.dtype([(str(cid), types[cid]) for cid in columns])
    rows = np.zeros(len(next(iter(columns.values()))), dtype=dtype)
    for cid, values in columns.items():
        rows[str(cid)] = values
    head = struct.pack("<IB", rows.size, len(columns)) + struct.pack(f"<{len(columns)}H", *columns)
    data = head.ljust(405, b"\0") + rows.tobytes()
    return (b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\0" * 4 + module(b"VMP Set", b"VMP settings", 0, b"\0" * 64)
            + module(b"VMP data", b"VMP data", 2, data))


def test_a_biologic_mpr_impedance_run_is_read_with_galvani():
    pytest.importorskip("galvani")
    f = np.logspace(6, -1, 40)
    Z = circuit_impedance("R0-p(R1,CPE1)", [100.0, 1000.0, 1e-6, 0.9], f)
    content = _mpr({4: np.arange(f.size, dtype=float), 32: f, 37: Z.real, 38: -Z.imag})
    spectrum = read_raw_spectrum("pellet-3_PEIS_C01.mpr", content)
    assert np.allclose(spectrum.frequency, f, rtol=1e-6)                  # float32 in the file
    assert np.allclose(spectrum.z, Z, rtol=1e-5)                          # -Im(Z) turned back into Im(Z)
    assert np.all(spectrum.z_imag < 0) and kramers_kronig(spectrum)["valid"]


def test_an_mpr_file_that_is_not_an_impedance_run_is_refused():
    pytest.importorskip("galvani")
    cycling = _mpr({4: np.arange(20.0), 6: np.linspace(3.0, 4.2, 20)})      # time and Ewe: a charge, no EIS
    with pytest.raises(CalibrationDataError, match=r"without impedance columns \(freq/Hz"):
        read_raw_spectrum("charge.mpr", cycling)
    good = _mpr({32: np.logspace(5, 0, 20), 37: np.full(20, 50.0), 38: np.full(20, 1.0)})
    with pytest.raises(CalibrationDataError, match="not a readable BioLogic .mpr file"):
        read_raw_spectrum("cut.mpr", good[:-30])                           # a truncated upload


def _csv(f, Z) -> bytes:
    return ("frequency_Hz,z_real_ohm,-z_imag_ohm\n" + "".join(f"{float(a)!r},{float(z.real)!r},{float(-z.imag)!r}\n" for a, z in zip(f, Z))
            ).encode()


def test_a_measured_spectrum_passes_kk_and_fits_the_predicted_circuit(tmp_path):
    log = open_log(tmp_path / "a.sqlite", user="ana")
    rec = log.add(presets.three_step())
    imp = rec["predicted"]["impedance"]
    true = np.array(imp["parameters"], float) * np.where(np.arange(len(imp["parameters"])) == 0, 1.3, 1.0)
    f = np.logspace(6, -1, 60)
    rng = np.random.default_rng(3)
    Z = circuit_impedance(imp["circuit"], true, f) * (1 + rng.normal(0, 0.002, f.size))
    log.attach(rec["uid"], "eis.csv", _csv(f, Z))
    kk, fit = fit_logged_spectrum(rec, "eis.csv", log.raw_file(rec["uid"], "eis.csv"))
    assert kk["valid"] and kk["max_residual"] < 0.01
    assert fit.circuit == imp["circuit"] and fit.values[0] == pytest.approx(true[0], rel=0.03)


def test_kk_flags_a_drifting_spectrum():
    f = np.logspace(6, -1, 60)
    Z = circuit_impedance("R0-p(R1,CPE1)", [100.0, 1000.0, 1e-6, 0.9], f)
    drift = Z * (1 + 0.3 * np.linspace(0, 1, f.size) ** 2)       # the cell changed during the sweep
    spectrum = read_raw_spectrum("d.csv", _csv(f, drift))
    assert not kramers_kronig(spectrum)["valid"]
    assert kramers_kronig(read_raw_spectrum("ok.csv", _csv(f, Z)))["valid"]


@pytest.mark.parametrize("name,content,words", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    ("eis.mpr", b"BIO-LOGIC MODULAR FILE\x1a", "not a readable BioLogic .mpr file"),
    ("eis.xlsx", b"PK\x03\x04", "unknown kind of file"),
    ("table.csv", b"pressure_MPa,thickness_um\n1,2\n", "z_real"),
    ("eis.mpt", b"not an EC-Lab file\n", "not a readable biologic spectrum"),
])
def test_files_that_are_not_spectra_are_refused(name, content, words):
    with pytest.raises(CalibrationDataError, match=words):
        read_raw_spectrum(name, content)


@pytest.mark.parametrize("name, valid", [("eis_three_step.csv", True), ("eis_fails_kk_on_purpose.csv", False)])
def test_the_shipped_samples_pass_and_fail_the_kramers_kronig_check_as_named(name, valid):
    """Issue 26: the bundled spectrum passes the check (the sample a lab member tries first); the one named
    so fails it (a cell drifting while measured)."""
    from pathlib import Path

    from pressbook.lab.lablog.spectra import KK_LIMIT, kramers_kronig, read_raw_spectrum

    path = Path(__file__).resolve().parents[1] / "notebooks" / "data" / name
    kk = kramers_kronig(read_raw_spectrum(name, path.read_bytes()))
    assert kk["valid"] is valid and (kk["max_residual"] < KK_LIMIT) is valid
