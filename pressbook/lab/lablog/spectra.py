"""Raw impedance files of a logged pellet: read with maintained readers, checked with Kramers-Kronig
(impedance.py's linKK), fitted with the circuit pressbook predicted for the pellet.

Readers: a CSV with units in its headers (``pressbook.lab.spectrum.read_spectrum``), else impedance.py's
instrument readers (``impedance.preprocessing.readFile``: BioLogic .mpt text, Gamry .DTA, Autolab,
Parstat, ZPlot, VersaStudio, PowerSuite, CH Instruments); binary BioLogic .mpr files with galvani's
``MPRfile`` (columns freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm of a PEIS/GEIS run; the first loop of several).
impedance.py needs pandas; galvani is in the ``lab`` extra (without it an .mpr file is refused with the reason).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from ..measurements import CalibrationDataError
from ..spectrum import ImpedanceFit, Spectrum, fit_spectrum, read_spectrum

INSTRUMENTS = {".mpt": "biologic", ".dta": "gamry", ".z": "zplot", ".par": "versastudio"}
KK_LIMIT = 0.01   # largest linKK residual (fraction of |Z|) of a valid spectrum (about 1 %)


def read_raw_spectrum(name: str, content: bytes) -> Spectrum:
    """A Spectrum from an uploaded file's name and bytes; CalibrationDataError names what is wrong."""
    ext = os.path.splitext(name.lower())[1]
    if ext == ".mpr":
        f, Z = _read_mpr(name, content)
        return _spectrum(name, f, Z)
    if ext in (".csv", ".txt", ""):
        return read_spectrum(content, name)
    if ext not in INSTRUMENTS:
        raise CalibrationDataError(f"{name}: unknown kind of file '{ext}'; allowed: .csv, .mpr, " + ", ".join(INSTRUMENTS))
    from impedance import preprocessing

    with tempfile.NamedTemporaryFile(suffix=ext) as tmp:
        tmp.write(content)
        tmp.flush()
        try:
            f, Z = preprocessing.readFile(tmp.name, instrument=INSTRUMENTS[ext])
        except Exception as exc:  # noqa: BLE001 - the readers raise many kinds on foreign files
            raise CalibrationDataError(f"{name}: not a readable {INSTRUMENTS[ext]} spectrum ({type(exc).__name__}); "
                                       "allowed: the instrument's exported impedance file") from None
    return _spectrum(name, f, Z)


def _spectrum(name: str, f, Z) -> Spectrum:
    f, Z = np.asarray(f, float), np.asarray(Z, complex)
    if f.size < 10 or np.any(f <= 0) or not np.all(np.isfinite(Z)):
        raise CalibrationDataError(f"{name}: {f.size} usable points; allowed: at least 10 with frequencies above 0 Hz")
    order = np.argsort(-f)
    return Spectrum(f[order], Z.real[order], Z.imag[order])


MPR_COLUMNS = ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm")


def _read_mpr(name: str, content: bytes):
    """Frequencies (Hz) and Z (ohm) of a BioLogic .mpr impedance run, read by galvani (first loop only)."""
    import io

    try:
        from galvani.BioLogic import MPRfile
    except ImportError:
        raise CalibrationDataError(f"{name}: reading BioLogic .mpr files needs galvani (pip install "
                                   "'pressbook[lab]'); allowed now: export it as text (.mpt) from EC-Lab") from None
    try:
        mpr = MPRfile(io.BytesIO(bytes(content)))
    except Exception as exc:  # noqa: BLE001 - galvani raises ValueError, AssertionError, OSError, NotImplementedError
        raise CalibrationDataError(f"{name}: not a readable BioLogic .mpr file ({type(exc).__name__}: "
                                   f"{str(exc)[:120]}); allowed: an .mpr file of an impedance run (PEIS or GEIS) "
                                   "saved by EC-Lab, or its text export (.mpt)") from None
    fields = mpr.dtype.names or ()
    missing = [c for c in MPR_COLUMNS if c not in fields]
    if missing:
        raise CalibrationDataError(f"{name}: a BioLogic .mpr file without impedance columns ({', '.join(missing)} "
                                   "missing); allowed: the .mpr file of an impedance run (PEIS or GEIS)")
    data = mpr.data
    loops = getattr(mpr, "loop_index", None)
    if loops is not None and len(loops) > 1 and loops[1] > loops[0]:
        data = data[int(loops[0]):int(loops[1])]   # a run of several spectra: the first one
    f = np.asarray(data["freq/Hz"], float)
    Z = np.asarray(data["Re(Z)/Ohm"], float) - 1j * np.asarray(data["-Im(Z)/Ohm"], float)
    keep = f > 0   # EC-Lab writes rows without a frequency (waits, OCV points) into some runs
    return f[keep], Z[keep]


def kramers_kronig(spectrum: Spectrum) -> dict:
    """impedance.py's linKK (Schoenleber 2014) with a fixed number of RC elements M = min(40, points / 2):
    M, mu, and the largest residual (real and imaginary, as a fraction of |Z|); ``valid`` when it is below
    KK_LIMIT. (linKK's automatic choice, stop when mu < c, stops at M = 4 for a CPE arc: far from a fit.)"""
    import contextlib
    import io

    from impedance.validation import linKK

    n_rc = int(min(40, max(5, spectrum.frequency.size // 2)))
    # impedance.py 1.7.1 builds its circuit as text from numpy scalars and evaluates it: numpy 2 writes
    # them as np.float64(...), which that text cannot hold; the 1.25 print style writes plain numbers
    with np.printoptions(legacy="1.25"), contextlib.redirect_stdout(io.StringIO()):  # linKK prints each M
        M, mu, _Z_fit, res_real, res_imag = linKK(spectrum.frequency, spectrum.z, c=0.0, max_M=n_rc, add_cap=True)
    worst = float(max(np.max(np.abs(res_real)), np.max(np.abs(res_imag))))
    return {"M": int(M), "mu": float(mu), "max_residual": worst, "valid": worst < KK_LIMIT}


def fit_logged_spectrum(record: dict, name: str, content: bytes) -> tuple[dict, ImpedanceFit]:
    """Kramers-Kronig check, then the fit of the circuit predicted for ``record`` (its ``predicted``)."""
    spectrum = read_raw_spectrum(name, content)
    kk = kramers_kronig(spectrum)
    imp = record["predicted"]["impedance"]
    return kk, fit_spectrum(spectrum, imp["circuit"], imp["parameters"])
