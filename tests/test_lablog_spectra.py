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
    ("eis.mpr", b"BIO-LOGIC MODULAR FILE\x1a", "export it as text"),
    ("eis.xlsx", b"PK\x03\x04", "unknown kind of file"),
    ("table.csv", b"pressure_MPa,thickness_um\n1,2\n", "z_real"),
    ("eis.mpt", b"not an EC-Lab file\n", "not a readable biologic spectrum"),
])
def test_files_that_are_not_spectra_are_refused(name, content, words):
    with pytest.raises(CalibrationDataError, match=words):
        read_raw_spectrum(name, content)
