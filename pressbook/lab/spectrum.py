"""A measured impedance spectrum fitted with the equivalent circuit pressbook predicted.

Spectra come as a CSV (``frequency_Hz, z_real_ohm, -z_imag_ohm``; ``pressbook.lab.measurements``).
Circuits are strings in the notation of common fitting tools (``R0-p(R1,CPE1)-p(R2,CPE2)``); the fit
is scipy.optimize.least_squares on the complex residual, weighted by |Z|, from several starts around
the prediction. Part of ``pressbook.lab``: imports the core only.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError
from ..models import impedance as imp
from .measurements import CalibrationDataError, _need, read_csv


@dataclass
class Spectrum:
    frequency: np.ndarray   # Hz
    z_real: np.ndarray      # ohm
    z_imag: np.ndarray      # ohm, Im(Z) (negative for a capacitive arc)

    @property
    def z(self) -> np.ndarray:
        return self.z_real + 1j * self.z_imag


def read_spectrum(data, filename: str = "spectrum.csv") -> Spectrum:
    """Frequency, Z' and Z'' columns with units in the header; Z'' may be given as -Z'' (say so in the header)."""
    cols = read_csv(data, filename, wanted=("frequency", "z_real", "z_imag"))
    missing = [c for c in ("frequency", "z_real", "z_imag") if c not in cols]
    if missing:
        raise CalibrationDataError(f"{filename}: no {', '.join(missing)} column; allowed: headers such as "
                                   "frequency_Hz, z_real_ohm, z_imag_ohm (or freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm)")
    f = cols["frequency"].to("Hz")
    zr = cols["z_real"].to("ohm")
    zi = cols["z_imag"].to("ohm")
    if cols["z_imag"].negated:
        zi = -zi
    elif np.median(zi) > 0:
        raise CalibrationDataError(f"{filename}, column '{cols['z_imag'].header}': mostly positive values; a capacitive "
                                   "spectrum has Im(Z) < 0: name the column -Z'' (or -z_imag_ohm) if it holds -Im(Z)")
    if np.any(f <= 0):
        raise CalibrationDataError(f"{filename}: frequencies must be above 0 Hz")
    _need(len(f), "impedance")
    order = np.argsort(-f)
    return Spectrum(f[order], zr[order], zi[order])


_TOKEN = re.compile(r"p\((\w+),(\w+)\)|(\w+)")


def parse_circuit(circuit: str) -> list:
    """Series elements of a circuit string: R0-p(R1,CPE1)-CPE2 -> [("R",), ("p","R","CPE"), ("CPE",)]."""
    if not isinstance(circuit, str) or len(circuit) > 200:
        raise InvalidInputError("circuit", circuit, "a circuit string such as R0-p(R1,CPE1)")
    out = []
    for part in circuit.replace(" ", "").split("-"):
        m = re.fullmatch(r"p\(([A-Za-z]+)\d*,([A-Za-z]+)\d*\)", part)
        if m:
            a, b = m.group(1), m.group(2)
            if a not in ("R", "C", "CPE") or b not in ("R", "C", "CPE"):
                raise InvalidInputError("circuit", circuit, "elements R, C, CPE and p(X,Y) in series")
            out.append(("p", a, b))
            continue
        m = re.fullmatch(r"([A-Za-z]+)\d*", part)
        if not m or m.group(1) not in ("R", "C", "CPE"):
            raise InvalidInputError("circuit", circuit, "elements R, C, CPE and p(X,Y) in series")
        out.append((m.group(1),))
    return out


_NPAR = {"R": 1, "C": 1, "CPE": 2}


def _element_z(kind, p, omega):
    if kind == "R":
        return np.full(omega.shape, complex(p[0]))
    if kind == "C":
        return 1.0 / (1j * omega * p[0])
    return imp.cpe_impedance(p[0], p[1], omega)


def circuit_impedance(circuit: str, params, frequencies) -> np.ndarray:
    """Complex impedance of a circuit string with impedance.py parameter order (R; C; CPE: Q, alpha)."""
    omega = 2 * np.pi * np.asarray(frequencies, float)
    Z = np.zeros(omega.shape, complex)
    k = 0
    for el in parse_circuit(circuit):
        if el[0] == "p":
            na, nb = _NPAR[el[1]], _NPAR[el[2]]
            za = _element_z(el[1], params[k:k + na], omega)
            zb = _element_z(el[2], params[k + na:k + na + nb], omega)
            Z = Z + za * zb / (za + zb)
            k += na + nb
        else:
            n = _NPAR[el[0]]
            Z = Z + _element_z(el[0], params[k:k + n], omega)
            k += n
    if k != len(params):
        raise InvalidInputError("parameters", f"{len(params)} values", f"{k} for circuit {circuit}")
    return Z


def parameter_names(circuit: str) -> list[str]:
    names = []
    for part, el in zip(circuit.replace(" ", "").split("-"), parse_circuit(circuit)):
        if el[0] == "p":
            a, b = part[2:-1].split(",")
            for sym in (a, b):
                names += [sym] if not sym.startswith("CPE") else [f"{sym}_Q", f"{sym}_alpha"]
        else:
            names += [part] if not part.startswith("CPE") else [f"{part}_Q", f"{part}_alpha"]
    return names


@dataclass
class ImpedanceFit:
    circuit: str
    names: list
    values: np.ndarray
    se: np.ndarray
    start: np.ndarray
    spectrum: Spectrum
    z_fit: np.ndarray
    rms_relative: float

    def table(self) -> list[dict]:
        units = lambda n: "ohm" if n.startswith("R") else ("" if n.endswith("alpha") else
                                                           ("F" if n.startswith("C") and "_" not in n else "F s^(a-1)"))
        def determined(n, v, s):  # a standard error this large means the spectrum does not fix the value
            return bool(np.isfinite(s) and (s < 0.1 if n.endswith("alpha") else s < 0.5 * abs(v)))

        return [{"parameter": n, "value": float(v), "se": float(s), "start": float(s0), "unit": units(n),
                 "determined": determined(n, v, s)}
                for n, v, s, s0 in zip(self.names, self.values, self.se, self.start)]


def fit_spectrum(spectrum: Spectrum, circuit: str, start, n_starts: int = 8) -> ImpedanceFit:
    """Complex nonlinear least squares (modulus-weighted) of ``circuit`` to ``spectrum`` from ``start``.

    Positive parameters (R, C, Q) are fitted in log space; CPE exponents bounded to 0.3-1. Standard
    errors from the Jacobian at the optimum (covariance = s^2 (J^T J)^-1).
    """
    from scipy.optimize import least_squares

    names = parameter_names(circuit)
    p0 = np.array([float(x) for x in start], float)
    if len(p0) != len(names):
        raise InvalidInputError("start", f"{len(p0)} values", f"{len(names)} for {circuit}")
    is_alpha = np.array([n.endswith("alpha") for n in names])
    p0 = np.where(~is_alpha & ~(np.isfinite(p0) & (p0 > 0)), 1e6, p0)
    p0 = np.where(is_alpha, np.clip(p0, 0.31, 0.999), p0)
    x0 = np.where(is_alpha, p0, np.log(p0))
    lo = np.where(is_alpha, 0.3, -60.0)
    hi = np.where(is_alpha, 1.0, 60.0)
    Zd = spectrum.z
    w = 1.0 / np.abs(Zd)

    def unpack(x):
        return np.where(is_alpha, x, np.exp(np.clip(x, -60, 60)))

    def resid(x):
        dz = (circuit_impedance(circuit, unpack(x), spectrum.frequency) - Zd) * w
        return np.concatenate([dz.real, dz.imag])

    # multi-start: the start values, then seeded log-perturbations of R, C and Q (overlapping arcs have
    # several local minima); the lowest cost wins
    rng = np.random.default_rng(0)
    starts = [x0] + [np.clip(np.where(is_alpha, x0, x0 + rng.normal(0.0, 1.0, x0.size)), lo + 1e-9, hi - 1e-9)
                     for _ in range(n_starts - 1)]
    res = None
    with np.errstate(all="ignore"):
        for xs in starts:
            try:
                r = least_squares(resid, xs, bounds=(lo, hi), x_scale="jac", max_nfev=3000)
            except ValueError:
                continue
            if np.all(np.isfinite(r.x)) and (res is None or r.cost < res.cost * (1 - 1e-9)):
                res = r
    if res is None or not np.all(np.isfinite(res.x)):
        raise CalibrationDataError("impedance fit did not converge; check the spectrum and the circuit")
    J = res.jac
    dof = max(len(res.fun) - len(x0), 1)
    s2 = float(np.sum(res.fun ** 2)) / dof
    try:
        cov = np.linalg.pinv(J.T @ J) * s2
        se_x = np.sqrt(np.clip(np.diag(cov), 0, np.inf))
    except np.linalg.LinAlgError:
        se_x = np.full(len(x0), np.inf)
    vals = unpack(res.x)
    se = np.where(is_alpha, se_x, vals * se_x)
    vals, se = _match_blocks(circuit, vals, se, p0)
    return ImpedanceFit(circuit=circuit, names=names, values=vals, se=se, start=p0, spectrum=spectrum,
                        z_fit=circuit_impedance(circuit, vals, spectrum.frequency),
                        rms_relative=float(np.sqrt(np.mean(res.fun ** 2))))


def _match_blocks(circuit, vals, se, start):
    """Interchangeable blocks (several p(R,CPE) in series) give the same spectrum in any order: put the
    fitted blocks in the order closest (log R, log Q) to the start values, so R1 stays the start's R1."""
    from itertools import permutations

    blocks, k = [], 0
    for el in parse_circuit(circuit):
        n = (_NPAR[el[1]] + _NPAR[el[2]]) if el[0] == "p" else _NPAR[el[0]]
        if el == ("p", "R", "CPE"):
            blocks.append(k)
        k += n
    if len(blocks) < 2 or len(blocks) > 6:
        return vals, se

    def dist(a, b):
        return sum(math.log(max(vals[a + i], 1e-300) / max(start[b + i], 1e-300)) ** 2 for i in (0, 1))

    best = min(permutations(range(len(blocks))),
               key=lambda perm: sum(dist(blocks[src], blocks[dst]) for dst, src in enumerate(perm)))
    v, e = vals.copy(), se.copy()
    for dst, src in enumerate(best):
        v[blocks[dst]:blocks[dst] + 3] = vals[blocks[src]:blocks[src] + 3]
        e[blocks[dst]:blocks[dst] + 3] = se[blocks[src]:blocks[src] + 3]
    return v, e


def fit_outcome_spectrum(data, outcome, filename: str = "spectrum.csv") -> ImpedanceFit:
    """Fit the circuit predicted for a design (``outcome.impedance``) to a measured spectrum file."""
    spectrum = read_spectrum(data, filename)
    return fit_spectrum(spectrum, outcome.impedance.circuit, outcome.impedance.parameters)
