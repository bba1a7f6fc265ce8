"""Read the vendored literature tables (tests/validation/data, copies of ../shared/data/literature).

Each function returns one dataset as plain numbers, selected by the rows' ``material``, ``source`` and
``note`` columns, with the row selection written out so a reader can check it against the CSV. Values
written as ranges ("0.85-0.88") are taken at their midpoint, "~0.50" as 0.50 and ">0.90" as 0.90 (the
notes call these eye-read trends). No number here is adjusted.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


def rows(name: str, data_dir: Path | None = None) -> list[dict]:
    """All rows of ``name`` (e.g. "density_vs_pressure") as dicts of strings; lines starting with '#' are comments
    (the provenance header of cronau2021_si_stack.csv)."""
    path = Path(data_dir or DATA_DIR) / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def number(text: str) -> float:
    """A cell as a float: '~0.50' -> 0.50, '0.85-0.88' -> 0.865, '>0.90' -> 0.90, '' -> nan."""
    s = (text or "").strip().lstrip("~<>").replace("~", "")
    if not s:
        return float("nan")
    m = re.fullmatch(r"([-+]?\d*\.?\d+)\s*-\s*(\d*\.?\d+)", s)
    if m:
        return 0.5 * (float(m.group(1)) + float(m.group(2)))
    m = re.match(r"[-+]?\d*\.?\d+(e[-+]?\d+)?", s)
    return float(m.group(0)) if m else float("nan")


@dataclass
class Dataset:
    """One published series: x (usually pressure, MPa) and y, with where it came from."""

    name: str
    x: np.ndarray
    y: np.ndarray
    x_label: str
    y_label: str
    source: str
    note: str = ""
    extra: dict = field(default_factory=dict)


def _series(table, pick, xcol, ycol, data_dir=None):
    sel = [r for r in rows(table, data_dir) if pick(r)]
    x = np.array([number(r[xcol]) for r in sel])
    y = np.array([number(r[ycol]) for r in sel])
    order = np.argsort(x, kind="stable")
    return x[order], y[order], sel


MISS = "Miss, Lange"


def miss_li55_density(state: str, data_dir=None) -> Dataset:
    """Miss 2026 uc-Li5.5PS4.5Cl1.5 relative density, ``state`` 'UNDER LOAD', 'AFTER RELEASE' or 'EJECTED'."""
    x, y, _ = _series("density_vs_pressure", lambda r: r["material"].startswith("uc-Li5.5PS4.5Cl1.5")
                      and MISS in r["source"] and r["note"].startswith(state), "pressure_MPa", "relative_density",
                      data_dir)
    return Dataset(f"Miss 2026 Li5.5PS4.5Cl1.5 density {state.lower()}", x, y, "pressure (MPa)", "relative density",
                   "Miss 2026 doi:10.1021/acsami.6c03789 (card recomputation from Table S2)")


def miss_nmc622_density(state: str, data_dir=None) -> Dataset:
    """Miss 2026 polycrystalline NMC622 relative density, 'UNDER LOAD' or 'AFTER RELEASE'."""
    x, y, _ = _series("density_vs_pressure", lambda r: r["material"].startswith("polycrystalline NMC622")
                      and r["note"].startswith(state), "pressure_MPa", "relative_density", data_dir)
    return Dataset(f"Miss 2026 NMC622 density {state.lower()}", x, y, "pressure (MPa)", "relative density",
                   "Miss 2026 doi:10.1021/acsami.6c03789 (card recomputation)")


def miss_li55_conductivity(data_dir=None) -> Dataset:
    """Miss 2026 in-situ conductivity of uc-Li5.5PS4.5Cl1.5 under the applied pressure (digitized)."""
    x, y, _ = _series("conductivity_vs_pressure", lambda r: r["material"] == "uc-Li5.5PS4.5Cl1.5"
                      and MISS in r["source"] and "measured UNDER the applied pressure" in r["note"],
                      "pressure_MPa", "conductivity_mS_cm", data_dir)
    return Dataset("Miss 2026 Li5.5PS4.5Cl1.5 conductivity under load", x, y, "pressure (MPa)",
                   "conductivity (mS/cm)", "Miss 2026 doi:10.1021/acsami.6c03789 (digitized by card author)")


def springback_at_300(material_prefix: str, data_dir=None) -> float:
    """In-die springback (thickness recovery, fraction) after 300 MPa printed in the row's note (Miss 2026)."""
    for r in rows("mechanical_properties", data_dir):
        if r["material"].startswith(material_prefix) and "springback" in r["property"]:
            m = re.search(r"(\d+\.?\d*)\s*% at 300 MPa", r["note"])
            if m:
                return float(m.group(1)) / 100.0
    raise LookupError(f"no springback at 300 MPa for {material_prefix}")


def sakuda_glass_density(data_dir=None) -> Dataset:
    """Sakuda 2013 75Li2S-25P2S5 glass pellets: relative density (released) vs pressure, Fig. 2a eye-read."""
    x, y, _ = _series("density_vs_pressure", lambda r: r["material"] == "75Li2S-25P2S5 glass"
                      and r["note"].startswith("APPROXIMATE"), "pressure_MPa", "relative_density", data_dir)
    return Dataset("Sakuda 2013 Li3PS4 glass density", x, y, "pressure (MPa)", "relative density (released)",
                   "Sakuda 2013 doi:10.1038/srep02261 Fig. 2a (third-party eye-read)")


def sakuda_glass_stated(data_dir=None) -> tuple[float, float]:
    """Sakuda 2013: 'exceeds 90 % at over 350 MPa' (stated): (pressure, density)."""
    for r in rows("density_vs_pressure", data_dir):
        if r["material"] == "75Li2S-25P2S5 glass" and r["note"].startswith("STATED"):
            return number(r["pressure_MPa"]), number(r["relative_density"])
    raise LookupError("Sakuda stated density")


def sakuda_glass_conductivity(data_dir=None) -> Dataset:
    """Sakuda 2013 cold-pressed glass conductivity at 70 and 360 MPa, and the hot-pressed bulk value (extra)."""
    x, y, _ = _series("conductivity_vs_pressure", lambda r: r["material"] == "75Li2S-25P2S5 glass (cold pressed)",
                      "pressure_MPa", "conductivity_mS_cm", data_dir)
    bulk = [number(r["conductivity_mS_cm"]) for r in rows("conductivity_vs_pressure", data_dir)
            if r["material"].startswith("75Li2S-25P2S5 glass (hot pressed")][0]
    return Dataset("Sakuda 2013 Li3PS4 glass conductivity", x, y, "pressure (MPa)", "conductivity (mS/cm)",
                   "Sakuda 2013 doi:10.1038/srep02261", extra={"bulk": bulk})


def sakuda_hot_pressing(data_dir=None) -> tuple[float, float]:
    """75Li2S-25P2S5 hot pressed at 130-300 degC and 47 MPa: relative density 0.80 for all (abstract)."""
    for r in rows("density_vs_pressure", data_dir):
        if r["material"].startswith("75Li2S-25P2S5 (compacted at RT then hot pressed"):
            return number(r["pressure_MPa"]), number(r["relative_density"])
    raise LookupError("hot pressing row")


def doux_li6ps5cl_density(data_dir=None) -> Dataset:
    """Doux 2020 Li6PS5Cl pellets at 370 MPa: the four pellets (y) and their stated mean (extra['mean'])."""
    sel = [r for r in rows("density_vs_pressure", data_dir) if r["material"] == "Li6PS5Cl (NEI)"]
    pellets = [r for r in sel if r["note"].startswith("pellet")]
    mean = [number(r["relative_density"]) for r in sel if r["note"].startswith("average")][0]
    return Dataset("Doux 2020 Li6PS5Cl density", np.array([number(r["pressure_MPa"]) for r in pellets]),
                   np.array([number(r["relative_density"]) for r in pellets]), "pressure (MPa)",
                   "relative density (released)", "Doux 2020 doi:10.1002/aenm.201903253 SI (per transcription)",
                   extra={"mean": mean, "mass_mg": 200.0, "die_mm": 13.0})


def doux_li6ps5cl_conductivity(data_dir=None) -> tuple[float, float, float]:
    """Doux 2020 Li6PS5Cl pellet: (forming pressure, conductivity mid of '2-2.5' mS/cm, relative density)."""
    for r in rows("conductivity_vs_pressure", data_dir):
        if r["material"] == "Li6PS5Cl (NEI)":
            return number(r["pressure_MPa"]), number(r["conductivity_mS_cm"]), number(r["relative_density"])
    raise LookupError("Doux conductivity")


def cronau_li55(data_dir=None) -> tuple[float, float, float]:
    """Cronau 2021 uC-Li5.5PS4.5Cl1.5: (fabrication pressure, conductivity mS/cm, stack pressure ~97 MPa)."""
    for r in rows("conductivity_vs_pressure", data_dir):
        if r["material"] == "uC-Li5.5PS4.5Cl1.5":
            stack = float(re.search(r"~(\d+\.?\d*) MPa stack", r["note"]).group(1))
            return number(r["pressure_MPa"]), number(r["conductivity_mS_cm"]), stack
    raise LookupError("Cronau Li5.5")


def minnmann_composite_porosity(data_dir=None) -> Dataset:
    """Minnmann 2021 NCM622 + Li6PS5Cl composites pressed 380 MPa, 3 min: porosity vs nominal CAM vol%.

    extra['average'] is the main text's assumed average porosity (14 %).
    """
    sel = [r for r in rows("density_vs_pressure", data_dir) if r["material"].startswith("NCM622+Li6PS5Cl composite")]
    vol = np.array([float(re.search(r"\((\d+) vol% CAM", r["material"]).group(1)) / 100.0 for r in sel])
    por = np.array([1.0 - number(r["relative_density"]) for r in sel])
    avg = float(re.search(r"average (\d+)%", sel[0]["note"]).group(1)) / 100.0
    return Dataset("Minnmann 2021 NCM622:Li6PS5Cl composite porosity", vol, por, "CAM volume fraction",
                   "porosity", "Minnmann 2021 doi:10.1149/1945-7111/abf8d7",
                   extra={"pressure": number(sel[0]["pressure_MPa"]), "hold": number(sel[0]["hold_time_s"]),
                          "average": avg})


def doux_time_to_short(data_dir=None) -> Dataset:
    """Doux 2020 Li|Li6PS5Cl|Li time to short circuit (h) vs stack pressure; extra['censored'] marks no-short runs."""
    sel = [r for r in rows("li_metal_pressure", data_dir) if r["quantity"] == "time to short circuit"]
    P = np.array([number(r["stack_pressure_MPa"]) for r in sel])
    t = np.array([number(r["value"]) for r in sel])
    cens = np.array([r["value"].strip().startswith(">") or "no short" in r["value"] or "no short" in r["note"]
                     for r in sel])
    order = np.argsort(P)
    return Dataset("Doux 2020 Li|Li6PS5Cl|Li time to short", P[order], t[order], "stack pressure (MPa)",
                   "time to short (h)", "Doux 2020 doi:10.1002/aenm.201903253 Fig. 2b, SI Fig. S3",
                   extra={"censored": cens[order], "se_pressure": 370.0, "se_porosity": 0.18})


def koerver_cell(data_dir=None) -> dict:
    """Koerver 2017 NCM811:beta-Li3PS4 70:30 | beta-Li3PS4 | In: the numbers the model needs and the measured R."""
    asr = rows("interface_asr", data_dir)
    r_cat = [r for r in asr if r["quantity"].startswith("R_SE/cathode 3.25")][0]
    r_sep = [r for r in asr if r["quantity"] == "R_SE,bulk"][0]
    prot = [r for r in rows("protocols", data_dir) if "Koerver" in r["material_stack"]]
    cathode = [r for r in prot if r["layer"].startswith("cathode")][0]
    sep = [r for r in prot if r["layer"].startswith("SE")][0]
    op = [r for r in prot if r["step"] == "operation"][0]
    loading = float(re.search(r"(\d+\.?\d*) mg/cm2", cathode["note"]).group(1))
    stack = float(re.search(r"(\d+) MPa\)", op["note"]).group(1))  # '5 kN = 64 MPa'
    C_cat = float(re.search(r"C_SE/cathode stays ~(\d+\.?\d*)", r_cat["note"]).group(1))  # uF, start of charge
    return {"R_cathode_ohm": float(r_cat["value"].split("->")[0]), "R_separator_ohm": number(r_sep["value"]),
            "C_cathode_uF": C_cat,
            "pressure": number(cathode["pressure_MPa"]), "die_mm": number(cathode["die_diameter_mm"]),
            "loading_mg_cm2": loading, "separator_mass_mg": number(sep["mass_mg"]),
            "separator_thickness_um": 400.0, "stack": stack, "cam_mass_fraction": 0.70}


# ---------------------------------------------------------------- issue 12: contact and stack pressure
def miss_contact_ratios(data_dir=None) -> Dataset:
    """Miss 2026 (as stated in issue 12): in-situ conductivity over the density-law prediction at 10/50/100 MPa."""
    x, y, _ = _series("contact_pressure", lambda r: r["quantity"].startswith("sigma over density-law"),
                      "pressure_MPa", "value", data_dir)
    return Dataset("Miss 2026 grain-contact ratio under load", x, y, "pressure (MPa)",
                   "sigma / density-law prediction", "Miss 2026 doi:10.1021/acsami.6c03789 (values as in issue 12)")


def cronau_li6ps5br_stack(data_dir=None) -> dict:
    """Cronau 2021 Li6PS5Br: low-stack (~10 MPa) conductivity after 392 MPa over the high-stack plateau after
    487 MPa, for the glass-ceramic (GC) and annealed (uC) powders: {"GC": ratio, "uC": ratio, "P_low": 392,
    "P_high": 486.73, "stack_low": 10}."""
    rs = rows("conductivity_vs_pressure", data_dir)

    def val(mat, P):
        return [number(r["conductivity_mS_cm"]) for r in rs if r["material"] == mat and abs(number(r["pressure_MPa"]) - P) < 1][0]
    return {"GC": val("GC-Li6PS5Br (ball-milled)", 392) / val("GC-Li6PS5Br", 486.73),
            "uC": val("uC-Li6PS5Br (550C annealed powder)", 392) / val("uC-Li6PS5Br", 486.73),
            "P_low": 392.0, "P_high": 486.73, "stack_low": 10.0}


def contact_exponents(data_dir=None) -> dict:
    """arXiv:2501.00600: exponents of the interfacial resistance vs contact area (-1) and vs pressure (-0.5)."""
    out = {}
    for r in rows("contact_pressure", data_dir):
        if r["quantity"].startswith("interfacial resistance exponent vs recoverable"):
            out["area"] = number(r["value"])
        elif r["quantity"].startswith("interfacial resistance exponent vs applied"):
            out["pressure"] = number(r["value"])
    return out


def cronau_li6ps5cl_stack_ratio(cls: str = "uC", data_dir=None) -> dict:
    """Cronau 2021 SI (third-party digest): conductivity of Li6PS5Cl pellets at ~49 and ~68 MPa stack over their own
    high-stack plateau, as ranges over the fabrication pressures 195-487 MPa: {"stack": [...], "lo": [...], "hi": [...]}."""
    sel = [r for r in rows("contact_pressure", data_dir)
           if r["quantity"].startswith("sigma at stack over own") and r["material"].startswith(f"{cls}-Li6PS5Cl")]
    lo, hi = [], []
    for r in sel:
        a, b = r["value"].split("-")
        lo.append(float(a))
        hi.append(float(b))
    return {"stack": np.array([number(r["pressure_MPa"]) for r in sel]), "lo": np.array(lo), "hi": np.array(hi),
            "fabrication": np.array([194.69, 292.03, 389.30, 486.73])}
# ---------------------------------------------------------------- issue 13: composites and foils in a die
def asano_composite_conductivity(data_dir=None) -> Dataset:
    """Asano 2017 NMC111 / Li3PS4-glass composites: effective conductivity (mS/cm) vs vol% NMC, and the pure
    glass (extra['sigma_se'], midpoint of '0.35-0.40' mS/cm). Numbers stated in the issue-13 brief."""
    sel = [r for r in rows("composite_conductivity", data_dir) if r["source"].startswith("Asano")]
    comp = [r for r in sel if r["quantity"] == "effective ionic conductivity"]
    pure = [r for r in sel if r["quantity"] == "ionic conductivity of the pure SE"][0]
    x = np.array([number(r["x"]) for r in comp])
    y = np.array([float(r["value"]) * 1e3 for r in comp])
    lo, hi = (float(v) for v in pure["value"].replace("e-3", "").split("-"))
    return Dataset("Asano 2017 NMC111/Li3PS4 composite conductivity", x, y, "NMC (vol% of solids)",
                   "conductivity (mS/cm)", "Asano 2017 doi:10.1149/2.1501714jes (as stated in the issue)",
                   extra={"sigma_se": 0.5 * (lo + hi)})


def froboese_exponent(data_dir=None) -> float:
    """Froboese 2019: Bruggeman exponent n of sigma_eff/sigma_SE = v_SE^n with inert filler (about 2.9)."""
    for r in rows("composite_conductivity", data_dir):
        if r["source"].startswith("Froboese"):
            return number(r["value"])
    raise LookupError("Froboese exponent")


def bielefeld_breakdown(data_dir=None) -> float:
    """Bielefeld 2019: active-material volume fraction above which the SE cluster breaks down (0.79)."""
    for r in rows("composite_conductivity", data_dir):
        if r["source"].startswith("Bielefeld"):
            return number(r["x"]) / 100.0
    raise LookupError("Bielefeld breakdown")


def minnmann_milling_ratio(data_dir=None) -> float:
    """Minnmann 2021 Li6PS5Cl: conductivity after wet milling (d50 2.45 um) over the unmilled pellet's, both at
    about 40 MPa stack (1.2 / 1.6)."""
    sel = {r["material"]: number(r["conductivity_mS_cm"]) for r in rows("conductivity_vs_pressure", data_dir)
           if r["source"].startswith("Minnmann")}
    return sel["Li6PS5Cl wet-milled (D50 2.45 um)"] / sel["Li6PS5Cl (NEI) pellet"]


def working_foil_protocols(data_dir=None) -> list[dict]:
    """Published anode steps that worked (protocols.csv): the Doux 2020 Li foil (0.5 mm, 12.7 mm disc, 25 MPa in a
    13 mm die) and the Minnmann 2021 In foil (100 um, 9 mm, in a 10 mm die, cycled at ~40 MPa)."""
    out = []
    for r in rows("protocols", data_dir):
        layer = r["layer"]
        if r["source"].startswith("Doux") and layer.startswith("Li foil disc"):
            m = re.search(r"([\d.]+) mm \(([\d.]+) mm\)", layer)
            out.append({"name": "Doux 2020 Li foil", "material": "Li", "foil_mm": float(m.group(1)),
                        "thickness_um": 1e3 * float(m.group(2)), "die_mm": number(r["die_diameter_mm"]),
                        "pressure": number(r["pressure_MPa"])})
        if r["source"].startswith("Minnmann") and layer.startswith("In foil"):
            m = re.search(r"In foil ([\d.]+) um \(([\d.]+) mm\)", layer)
            p = re.search(r"~(\d+) MPa", r["note"])
            out.append({"name": "Minnmann 2021 In foil", "material": "In", "foil_mm": float(m.group(2)),
                        "thickness_um": float(m.group(1)), "die_mm": number(r["die_diameter_mm"]),
                        "pressure": float(p.group(1))})
    return out
