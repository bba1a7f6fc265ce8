"""Ready-made designs: the three-step procedure, single-step co-pressing, and published protocols."""
from __future__ import annotations

from .design import Design

THREE_STEP = """
title = "NCM811 | Li6PS5Cl | Li, three-step"
[die]
diameter = "10 mm"
[[layers]]
name = "cathode"
role = "cathode"
mass = "12 mg"
composition = { NCM811 = 0.70, Li6PS5Cl = 0.30 }
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "80 mg"
[[layers]]
name = "anode"
role = "anode"
material = "Li"
thickness = "50 um"
[[steps]]
add = ["separator"]
pressure = "300 MPa"
hold = "2 min"
[[steps]]
add = ["cathode"]
pressure = "450 MPa"
hold = "5 min"
[[steps]]
add = ["anode"]
pressure = "10 MPa"
hold = "1 min"
[operation]
stack_pressure = "5 MPa"
temperature = "25 degC"
"""


def _variant(title, steps):
    d = Design.from_toml(THREE_STEP)
    d.title = title
    from .design import Step
    d.steps = [Step(add=list(a), pressure=p, hold=h) for a, p, h in steps]
    return d


def three_step() -> Design:
    """SE pre-compacted at 300 MPa, cathode bonded at 450 MPa, Li added at 10 MPa (the procedure)."""
    return Design.from_toml(THREE_STEP)


def co_press() -> Design:
    """All three layers loaded at once and pressed together at the maximum pressure, 450 MPa."""
    return _variant("NCM811 | Li6PS5Cl | Li, single-step co-pressing at 450 MPa",
                    [(("cathode", "separator", "anode"), 450.0, 300.0)])


def two_step_reverse() -> Design:
    """Cathode bonded *below* the SE pre-compaction pressure (no differential pressure)."""
    return _variant("NCM811 | Li6PS5Cl | Li, cathode bonded below pre-compaction",
                    [(("separator",), 450.0, 120.0), (("cathode",), 300.0, 300.0), (("anode",), 10.0, 60.0)])


def under_pressed() -> Design:
    """Every step at a low pressure: porous, crumbling layers."""
    return _variant("NCM811 | Li6PS5Cl | Li, under-pressed (30 MPa)",
                    [(("separator",), 30.0, 120.0), (("cathode",), 30.0, 300.0), (("anode",), 5.0, 60.0)])


def over_pressed() -> Design:
    """1 GPa on the SE and the cathode, 50 MPa on lithium."""
    return _variant("NCM811 | Li6PS5Cl | Li, over-pressed (1 GPa)",
                    [(("separator",), 1000.0, 120.0), (("cathode",), 1000.0, 300.0), (("anode",), 50.0, 60.0)])


def doux2020() -> Design:
    """Doux et al. 2020 (doi:10.1002/aenm.201903253): 13 mm PEEK die, 200 mg Li6PS5Cl at 370 MPa,
    LNO-NCA:LPSCl:CB 11:16:1 cathode at 370 MPa (NCM811 stands in for NCA), 0.5 mm Li foil (12.7 mm disc) at
    25 MPa, operated at 5 MPa."""
    return Design.from_toml("""
title = "Doux 2020: NCA | Li6PS5Cl | Li, 370/370/25 MPa, 5 MPa stack"
[die]
diameter = "13 mm"
[[layers]]
name = "cathode"
role = "cathode"
mass = "12 mg"
composition = { NCM811 = 0.393, Li6PS5Cl = 0.571, carbon = 0.036 }
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "200 mg"
[[layers]]
name = "anode"
role = "anode"
material = "Li"
thickness = "500 um"
diameter = "12.7 mm"
[[steps]]
add = ["separator"]
pressure = "370 MPa"
hold = "1 min"
[[steps]]
add = ["cathode"]
pressure = "370 MPa"
hold = "1 min"
[[steps]]
add = ["anode"]
pressure = "25 MPa"
hold = "1 min"
[operation]
stack_pressure = "5 MPa"
temperature = "25 degC"
""")


def minnmann2021() -> Design:
    """Minnmann et al. 2021 (doi:10.1149/1945-7111/abf8d7): 10 mm die, 60 mg Li6PS5Cl at 100 MPa, 12 mg
    NCM622:Li6PS5Cl composite pressed onto it at 380 MPa for 3 min, In foil (100 um, 9 mm disc), cycled at about
    40 MPa (the attachment pressure is not given: 40 MPa assumed)."""
    return Design.from_toml("""
title = "Minnmann 2021: NCM622 | Li6PS5Cl | In, 100/380 MPa"
[die]
diameter = "10 mm"
[[layers]]
name = "cathode"
role = "cathode"
mass = "12 mg"
composition = { NCM622 = 0.70, Li6PS5Cl = 0.30 }
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "60 mg"
[[layers]]
name = "anode"
role = "anode"
material = "In"
thickness = "100 um"
diameter = "9 mm"
[[steps]]
add = ["separator"]
pressure = "100 MPa"
hold = "1 min"
[[steps]]
add = ["cathode"]
pressure = "380 MPa"
hold = "3 min"
[[steps]]
add = ["anode"]
pressure = "40 MPa"
hold = "1 min"
[operation]
stack_pressure = "40 MPa"
temperature = "25 degC"
""")


def se_pellet() -> Design:
    """A single Li6PS5Cl pellet for a conductivity measurement (blocking electrodes)."""
    return Design.from_toml("""
title = "Li6PS5Cl pellet, 370 MPa"
[die]
diameter = "10 mm"
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "100 mg"
[[steps]]
add = ["separator"]
pressure = "370 MPa"
hold = "2 min"
[operation]
stack_pressure = "5 MPa"
""")


def symmetric_li() -> Design:
    """Li | Li6PS5Cl | Li symmetric cell: SE at 370 MPa, both Li foils at 10 MPa."""
    return Design.from_toml("""
title = "Li | Li6PS5Cl | Li symmetric cell"
[die]
diameter = "10 mm"
[[layers]]
name = "Li bottom"
role = "anode"
material = "Li"
thickness = "50 um"
[[layers]]
name = "separator"
role = "separator"
material = "Li6PS5Cl"
mass = "80 mg"
[[layers]]
name = "Li top"
role = "anode"
material = "Li"
thickness = "50 um"
[[steps]]
add = ["separator"]
pressure = "370 MPa"
hold = "2 min"
[[steps]]
add = ["Li bottom", "Li top"]
pressure = "10 MPa"
hold = "1 min"
[operation]
stack_pressure = "5 MPa"
""")


PRESETS = {
    "three-step": three_step,
    "co-press": co_press,
    "reverse-differential": two_step_reverse,
    "under-pressed": under_pressed,
    "over-pressed": over_pressed,
    "doux2020": doux2020,
    "minnmann2021": minnmann2021,
    "se-pellet": se_pellet,
    "symmetric-li": symmetric_li,
}


def preset(name: str) -> Design:
    from .errors import InvalidInputError

    if name not in PRESETS:
        raise InvalidInputError("preset", name, ", ".join(PRESETS))
    return PRESETS[name]()
