"""The materials library: provenance of every parameter, lookup, loader errors, user materials, composites."""
import copy

import pytest

from pressbook import Design, presets, simulate
from pressbook.errors import InvalidInputError, MaterialDataError, PressbookError, UnknownMaterialError
from pressbook.materials import (KINDS, PARAMETERS, REQUIRED, Library, default_library, load_user_materials)
from pressbook.models import compaction as cp
from pressbook.units import ureg

REQUIRED_MATERIALS = {
    "Li6PS5Cl": "solid_electrolyte", "Li5.5PS4.5Cl1.5": "solid_electrolyte", "Li3PS4": "solid_electrolyte",
    "Li10GeP2S12": "solid_electrolyte", "Li3InCl6": "solid_electrolyte", "LLZO": "solid_electrolyte",
    "NCM811": "cathode_active", "NCM622": "cathode_active", "LiCoO2": "cathode_active",
    "carbon": "conductive_additive", "Li": "anode_foil", "In": "anode_foil", "LiIn": "anode_powder",
}

GOOD_ENTRY = """
[MySE]
name = "my sulfide"
kind = "solid_electrolyte"
aliases = ["MYSE-1"]
density = { value = 1.9, unit = "g/cm^3", estimate = "measured by the user with a pycnometer" }
heckel_intercept = { value = 1.0, unit = "", estimate = "as the argyrodite family value" }
yield_pressure = { value = 0.2, unit = "GPa", estimate = "fitted by the user to their own curve" }
creep_coefficient = { value = 0.02, unit = "", estimate = "as the argyrodite family value" }
softening_temperature = { value = 150, unit = "K", estimate = "as the argyrodite family value" }
compact_modulus = { value = 18000, unit = "MPa", estimate = "as the argyrodite family value" }
ionic_conductivity = { value = 0.4, unit = "S/m", estimate = "impedance of a hot-pressed pellet" }
activation_energy = { value = 0.35, unit = "eV", estimate = "typical sulfide value, not measured" }
percolation_density = { value = 0.6, unit = "", estimate = "as the argyrodite family value" }
conductivity_exponent = { value = 0.6, unit = "", estimate = "as the argyrodite family value" }
particle_size = { value = 0.005, unit = "mm", estimate = "laser diffraction d50 of the batch" }
crumble_pressure = { value = 40, unit = "MPa", source = "doux2020" }
crack_pressure = { value = 750, unit = "MPa", estimate = "as Li6PS5Cl in the packaged library" }
relative_permittivity = { value = 23, unit = "", source = "koerver2017" }
"""


@pytest.fixture(scope="module")
def lib():
    return default_library()


def test_library_loads_and_is_cached(lib):
    assert default_library() is lib
    assert set(lib.materials) >= set(REQUIRED_MATERIALS)


@pytest.mark.parametrize("mid, kind", sorted(REQUIRED_MATERIALS.items()))
def test_required_materials_exist_with_their_kind_and_required_parameters(lib, mid, kind):
    m = lib.get(mid)
    assert m.id == mid and m.kind == kind
    assert set(REQUIRED[kind]) <= set(m.params)


def test_every_parameter_has_unit_range_and_exactly_one_provenance(lib):
    checked = 0
    for m in lib.materials.values():
        assert m.kind in KINDS
        for key, p in m.params.items():
            unit, lo, hi, _ = PARAMETERS[key]
            assert p.unit == unit
            assert lo <= p.value <= hi, (m.id, key)
            assert (p.source is None) != (p.estimate is None), (m.id, key)
            if p.source is not None:
                assert p.source in lib.sources, (m.id, key)
                assert str(lib.sources[p.source]["doi"]).startswith("10."), (m.id, key)
                assert p.provenance == p.source
            else:
                assert len(p.estimate.strip()) >= 10, (m.id, key)
                assert p.provenance.startswith("estimate: ")
            checked += 1
    assert checked >= 13 * 5


def test_sources_have_citation_and_doi(lib):
    for key, entry in lib.sources.items():
        assert entry["doi"].startswith("10."), key
        assert entry.get("citation"), key


@pytest.mark.parametrize("alias, mid", [
    ("lpscl", "Li6PS5Cl"), ("LPSCL", "Li6PS5Cl"), ("LPSCl", "Li6PS5Cl"), ("argyrodite", "Li6PS5Cl"),
    ("li6ps5cl", "Li6PS5Cl"), ("  Li6PS5Cl ", "Li6PS5Cl"), ("Li 6 PS5Cl", "Li6PS5Cl"),
    ("75li2s-25p2s5", "Li3PS4"), ("lps", "Li3PS4"), ("lgps", "Li10GeP2S12"), ("LIC", "Li3InCl6"),
    ("garnet", "LLZO"), ("llzto", "LLZO"), ("Li7La3Zr2O12", "LLZO"), ("nmc811", "NCM811"), ("NMC622", "NCM622"),
    ("lco", "LiCoO2"), ("super p", "carbon"), ("CB", "carbon"), ("lithium", "Li"), ("INDIUM", "In"),
    ("li-in", "LiIn"), ("Cl-rich argyrodite", "Li5.5PS4.5Cl1.5"),
])
def test_ids_and_aliases_are_case_insensitive(lib, alias, mid):
    assert lib.get(alias).id == mid
    assert alias in lib


def test_no_alias_points_at_two_materials(lib):
    from pressbook.materials import _norm

    names = [_norm(n) for m in lib.materials.values() for n in (m.id, *m.aliases)]
    assert len(names) == len(set(names))


def test_unknown_material_names_field_value_and_allowed(lib):
    with pytest.raises(UnknownMaterialError) as exc:
        lib.get("unobtainium", field="layers.2.material")
    msg = str(exc.value)
    assert msg.startswith("layers.2.material: got 'unobtainium'; allowed: a library material (")
    assert "Li6PS5Cl" in msg and "alias" in msg
    assert isinstance(exc.value, KeyError) and isinstance(exc.value, PressbookError)
    with pytest.raises(UnknownMaterialError):
        lib.get(None)


def test_llzo_is_much_harder_to_cold_press_than_sulfides(lib):
    # the oxide must not densify by cold pressing: its yield pressure is far above the sulfides'
    assert lib.get("LLZO")["yield_pressure"] > 10 * lib.get("Li6PS5Cl")["yield_pressure"]


# ------------------------------------------------------------------ loader errors
def _fresh(lib):
    return Library(lib.sources)


def _bad(text_old, text_new):
    assert text_old in GOOD_ENTRY
    return GOOD_ENTRY.replace(text_old, text_new)


def test_a_good_user_entry_loads_in_canonical_units(lib):
    new = _fresh(lib)
    assert new.add_toml(GOOD_ENTRY, origin="mine.toml") == ["MySE"]
    m = new.get("myse-1")
    assert m["yield_pressure"] == pytest.approx(200.0)       # 0.2 GPa -> MPa
    assert m["compact_modulus"] == pytest.approx(18.0)       # 18000 MPa -> GPa
    assert m["ionic_conductivity"] == pytest.approx(4.0)     # 0.4 S/m -> mS/cm
    assert m["particle_size"] == pytest.approx(5.0)          # 0.005 mm -> um


@pytest.mark.parametrize("old, new, expect", [
    # wrong unit dimension
    ('yield_pressure = { value = 0.2, unit = "GPa"', 'yield_pressure = { value = 0.2, unit = "mm"',
     ["mine.toml [MySE].yield_pressure.unit", "'mm'", "convertible to MPa"]),
    # unparsable unit
    ('unit = "eV"', 'unit = "electronvolts per fortnight"', ["mine.toml [MySE].activation_energy.unit"]),
    # a unit that would make pint compute a tower of powers
    ('unit = "eV"', 'unit = "eV**9**9**9"', ["mine.toml [MySE].activation_energy.unit"]),
    # out of range
    ("density = { value = 1.9,", "density = { value = 190,", ["mine.toml [MySE].density.value", "190",
                                                               "0.3 to 12 g/cm^3"]),
    ("percolation_density = { value = 0.6,", "percolation_density = { value = -0.1,",
     ["mine.toml [MySE].percolation_density.value", "allowed: 0 to 0.95"]),
    # unknown source
    ('source = "doux2020"', 'source = "smith1999"', ["mine.toml [MySE].crumble_pressure.source", "'smith1999'",
                                                     "a key of sources.toml"]),
    # missing source and estimate
    (', source = "koerver2017" }', " }", ["mine.toml [MySE].relative_permittivity", "exactly one of source",
                                          "estimate"]),
    # both
    (', source = "koerver2017" }', ', source = "koerver2017", estimate = "and a reason too here" }',
     ["mine.toml [MySE].relative_permittivity", "exactly one of source"]),
    # an estimate without reasoning
    ('estimate = "laser diffraction d50 of the batch"', 'estimate = "guess"',
     ["mine.toml [MySE].particle_size.estimate", "reasoning"]),
    # not a number
    ("density = { value = 1.9,", 'density = { value = "1.9",', ["mine.toml [MySE].density.value",
                                                                "a finite number"]),
    ("density = { value = 1.9,", "density = { value = nan,", ["mine.toml [MySE].density.value"]),
    # unknown parameter
    ('crack_pressure = {', 'crackpressure = {', ["mine.toml [MySE].crackpressure", "unknown parameter"]),
    # missing required parameter
    ('crack_pressure = { value = 750, unit = "MPa", estimate = "as Li6PS5Cl in the packaged library" }\n', "",
     ["mine.toml [MySE]", "missing parameter(s) crack_pressure"]),
    # bad kind
    ('kind = "solid_electrolyte"', 'kind = "unobtainium"', ["mine.toml [MySE].kind", "solid_electrolyte"]),
    # bad aliases
    ('aliases = ["MYSE-1"]', 'aliases = "MYSE-1"', ["mine.toml [MySE].aliases"]),
    # not a table
    ("density = { value = 1.9, unit = \"g/cm^3\", estimate = \"measured by the user with a pycnometer\" }",
     "density = 1.9", ["mine.toml [MySE].density", "value, unit, source or estimate"]),
])
def test_loader_errors_name_file_and_key(lib, old, new, expect):
    with pytest.raises(MaterialDataError) as exc:
        _fresh(lib).add_toml(_bad(old, new), origin="mine.toml")
    for part in expect:
        assert part in str(exc.value)


def test_unreadable_toml_is_a_material_data_error(lib):
    with pytest.raises(MaterialDataError, match="mine.toml: not valid TOML"):
        _fresh(lib).add_toml("[x\n", origin="mine.toml")
    with pytest.raises(MaterialDataError, match="expected a table"):
        _fresh(lib).add_dict([1, 2])


def test_user_materials_from_text_file_and_dict_validated_the_same_way(lib, tmp_path):
    from pressbook.design import tomllib

    from_text = load_user_materials(GOOD_ENTRY)
    path = tmp_path / "mine.toml"
    path.write_text(GOOD_ENTRY, encoding="utf-8")
    from_file = load_user_materials(str(path))
    from_dict = load_user_materials(tomllib.loads(GOOD_ENTRY))
    for new in (from_text, from_file, from_dict):
        assert new.get("MySE")["yield_pressure"] == pytest.approx(200.0)
        assert new is not lib
    assert "MySE" not in lib  # the packaged library is untouched

    bad = _bad('source = "doux2020"', 'source = "smith1999"')
    path.write_text(bad, encoding="utf-8")
    for source, origin in ((bad, "user materials"), (str(path), str(path)),
                           (tomllib.loads(bad), "user materials")):
        with pytest.raises(MaterialDataError) as exc:
            load_user_materials(source)
        assert f"{origin} [MySE].crumble_pressure.source" in str(exc.value)
    with pytest.raises(MaterialDataError, match="cannot read"):
        load_user_materials(str(tmp_path / "missing.toml"))


def test_a_design_can_use_a_user_material(lib):
    mine = load_user_materials(GOOD_ENTRY)
    d = presets.se_pellet()
    d.layers[0].material = "myse-1"
    with pytest.raises(UnknownMaterialError):
        d.validate()
    out = simulate(d, library=mine)
    assert out.layers[0].material == "MySE"
    assert out.layers[0].ionic_conductivity > 0


def test_a_user_cathode_active_material_counts_as_cathode_in_a_composite(lib):
    entry = {"myNCM": {k: {"value": p.value, "unit": p.unit, "estimate": "copied from NCM811 for the test"}
                       for k, p in lib.get("NCM811").params.items()}}
    entry["myNCM"]["kind"] = "cathode_active"
    mine = load_user_materials(entry)
    d = presets.three_step()
    d.layers[0].composition = {"myNCM": 0.7, "Li6PS5Cl": 0.3}
    out = simulate(d, library=mine)
    ref = simulate(presets.three_step())
    assert out.risk("cathode particle cracking", "cathode") is not None
    assert out.risk("SE cracking", "cathode") is None
    assert out.impedance.circuit == ref.impedance.circuit
    assert out.impedance.total_asr == pytest.approx(ref.impedance.total_asr, rel=1e-12)


# ------------------------------------------------------------------ composites
def test_composite_density_by_hand(lib):
    rho_ncm, rho_se = lib.get("NCM811")["density"], lib.get("Li6PS5Cl")["density"]
    c = lib.composite({"NCM811": 0.7, "Li6PS5Cl": 0.3})
    # 1 / rho = sum w_i / rho_i (volumes of the solids add)
    assert c["density"] == pytest.approx(1.0 / (0.7 / rho_ncm + 0.3 / rho_se), rel=1e-12)
    # by hand with the library values 4.75 and 1.86 g/cm3 (if these change, change the numbers here)
    if (rho_ncm, rho_se) == (4.75, 1.86):
        assert c["density"] == pytest.approx(1.0 / (0.7 / 4.75 + 0.3 / 1.86), rel=1e-12)
        assert c["density"] == pytest.approx(3.2398, abs=1e-4)
    v_ncm = (0.7 / rho_ncm) / (0.7 / rho_ncm + 0.3 / rho_se)
    assert c.components["NCM811"] == pytest.approx(v_ncm)
    assert c.components["Li6PS5Cl"] == pytest.approx(1 - v_ncm)
    assert c.kind == "cathode_active"


def test_composite_mixing_rules_by_volume(lib):
    ncm, se, cb = lib.get("NCM811"), lib.get("Li6PS5Cl"), lib.get("carbon")
    w = {"NCM811": 0.70, "Li6PS5Cl": 0.27, "carbon": 0.03}
    c = lib.composite(w)
    vol = {"NCM811": 0.70 / ncm["density"], "Li6PS5Cl": 0.27 / se["density"], "carbon": 0.03 / cb["density"]}
    v = {k: x / sum(vol.values()) for k, x in vol.items()}
    mats = {"NCM811": ncm, "Li6PS5Cl": se, "carbon": cb}
    assert sum(c.components.values()) == pytest.approx(1.0)
    # Heckel intercept: arithmetic (the loose binary packing); yield pressure: the effective value of the
    # hard/soft mixture law (hard: NCM811; soft: SE and carbon, harmonic within the soft phase)
    assert c["heckel_intercept"] == pytest.approx(sum(v[k] * mats[k]["heckel_intercept"] for k in v))
    soft = ("Li6PS5Cl", "carbon")
    vs = sum(v[k] for k in soft)
    A_s = sum(v[k] * mats[k]["heckel_intercept"] for k in soft) / vs
    Py_s = vs / sum(v[k] / mats[k]["yield_pressure"] for k in soft)
    c_s = sum(v[k] * mats[k]["creep_coefficient"] for k in soft) / vs
    A, Py, S = cp.mixture_heckel(v["NCM811"], (A_s, Py_s, c_s), (ncm["heckel_intercept"], ncm["yield_pressure"],
                                                                  ncm["creep_coefficient"]))
    assert c["yield_pressure"] == pytest.approx(Py) and c["heckel_intercept"] == pytest.approx(A)
    # contact hardness: harmonic mean of the components' particle hardness (NCM is the hard side)
    assert c["contact_hardness"] == pytest.approx(1 / sum(v[k] / mats[k].contact_hardness for k in v))
    assert ncm.contact_hardness > se.contact_hardness
    # ions only through the SE: the composite carries its SE's conductivity; the kernel applies the network factor
    assert c["ionic_conductivity"] == pytest.approx(se["ionic_conductivity"])
    assert c.network["se_fraction"] == pytest.approx(v["Li6PS5Cl"])
    assert c.network["size_ratio"] == pytest.approx(ncm["particle_size"] / se["particle_size"])
    # the coarsest particle size; interface ASR of the active material
    assert c["particle_size"] == max(m["particle_size"] for m in mats.values())
    assert c["interface_asr"] == ncm["interface_asr"]
    # every mixed parameter is labelled as derived, with the rule
    assert all(p.source or "volume mix" in p.estimate or p is se.params.get(k) or p is ncm.params.get(k)
               for k, p in c.params.items())


def test_composite_of_one_material_is_that_material_and_aliases_add_up(lib):
    assert lib.composite({"lpscl": 1.0}) is lib.get("Li6PS5Cl")
    a = lib.composite({"NCM811": 0.35, "nmc811": 0.35, "Li6PS5Cl": 0.3})
    b = lib.composite({"NCM811": 0.7, "Li6PS5Cl": 0.3})
    assert a["density"] == pytest.approx(b["density"])
    assert a.components == pytest.approx(b.components)


def test_a_foil_cannot_be_mixed_into_a_composite(lib):
    with pytest.raises(InvalidInputError, match="composition: got 'Li'; allowed: powder materials"):
        lib.composite({"Li": 0.99, "Li6PS5Cl": 0.01})


def test_library_data_file_is_valid_against_a_fresh_loader(lib):
    from importlib import resources

    text = resources.files("pressbook.data").joinpath("materials.toml").read_text(encoding="utf-8")
    again = Library(copy.deepcopy(lib.sources))
    again.add_toml(text, origin="materials.toml")
    assert set(again.materials) == set(lib.materials)


def test_parameter_units_are_pint_parsable():
    for key, (unit, lo, hi, _) in PARAMETERS.items():
        ureg.Quantity(1.0, unit or "dimensionless")
        assert lo < hi, key


def test_design_validation_uses_the_library(lib):
    with pytest.raises(UnknownMaterialError, match=r"layers.1 \(cathode\).composition: got 'NMC811x'"):
        Design.from_toml(presets.THREE_STEP.replace("NCM811 = 0.70", "NMC811x = 0.70"))


# ------------------------------------------------------------------ user uploads (issue 14)


def test_an_uploaded_material_never_replaces_a_built_in_it_is_added_as_yours():
    lib = default_library()
    built_in = lib.get("Li6PS5Cl")
    clash = GOOD_ENTRY.replace("[MySE]", "[Li6PS5Cl]").replace('aliases = ["MYSE-1"]', 'aliases = ["LPSCl", "mine-1"]')
    new = load_user_materials(clash, lib)
    assert new.get("Li6PS5Cl") is not None and new.get("Li6PS5Cl").params == built_in.params
    yours = new.get("Li6PS5Cl (yours)")
    assert yours.params["yield_pressure"].value == pytest.approx(200.0)
    assert "LPSCl" not in yours.aliases or new.get("LPSCl").id == built_in.id
    assert new.get("mine-1").id == "Li6PS5Cl (yours)"
    # loading it again replaces the user's own copy, still not the built-in
    again = load_user_materials(clash, new)
    assert again.get("Li6PS5Cl").params == built_in.params and again.get("Li6PS5Cl (yours)").id == "Li6PS5Cl (yours)"
    # a new name is added as given
    assert load_user_materials(GOOD_ENTRY, lib).get("MySE").id == "MySE"


def test_a_deeply_nested_materials_file_is_a_clear_error_not_a_recursion_error():
    nested = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(MaterialDataError, match=r"mine.toml: (unreadable|not valid TOML)"):
        Library(default_library().sources).add_toml(nested, origin="mine.toml")


def test_uploaded_material_names_go_through_the_normaliser():
    text = GOOD_ENTRY.replace("[MySE]", '["My\\u0007SE\\u202e"]')
    lib = load_user_materials(text)
    assert lib.get("MySE").id == "MySE"


LAB_TABLE = '''
[laboratory]
name = "our lab, lot 7"
lot = "7"
shift = 0.4
sd = 0.05
n_pellets = 24
scatter = 0.12
'''


def test_a_laboratory_table_loads_and_old_files_keep_loading(lib):
    """A materials file may say whose pellets its bands are for ([laboratory]); a file without one loads as
    before, and a material that happens to be called "laboratory" (it has a kind) stays a material."""
    got = load_user_materials(GOOD_ENTRY + LAB_TABLE)
    assert "MySE" in got and got.laboratory.label == "our lab, lot 7 (24 pellets)"
    assert (got.laboratory.shift, got.laboratory.sd, got.laboratory.scatter, got.laboratory.lot) == (0.4, 0.05, 0.12, "7")
    assert load_user_materials(GOOD_ENTRY).laboratory is None
    named = load_user_materials(GOOD_ENTRY.replace("[MySE]", "[laboratory]"))
    assert "laboratory" in named and named.laboratory is None
    alone = load_user_materials(LAB_TABLE)  # a file with the laboratory only
    assert alone.laboratory.name == "our lab, lot 7" and set(alone.materials) == set(lib.materials)
    # the laboratory's band: centred on its level, narrower than a new laboratory's
    from pressbook import bands as B
    d = presets.three_step()
    lo, hi = simulate(d, alone, bands=True).band("ionic_conductivity", "separator")
    nlo, nhi = simulate(d, bands=True).band("ionic_conductivity", "separator")
    assert hi / lo < nhi / nlo and lo * hi > 1.5 * nlo * nhi  # exp(0.4) ~ 1.5 higher, geometric centre
    assert B.bands(d, alone).laboratory is alone.laboratory


@pytest.mark.parametrize("old, new, expect", [
    ('shift = 0.4', 'shift = 9.0', ["[laboratory].shift", "got 9.0", "from -3 to 3"]),
    ('shift = 0.4', 'shift = "high"', ["[laboratory].shift", "got 'high'", "a number"]),
    ('sd = 0.05', 'sd = 0', ["[laboratory].sd", "got 0", "above 0"]),
    ('sd = 0.05', 'sd = nan', ["[laboratory].sd", "got nan", "a number"]),
    ('n_pellets = 24', 'n_pellets = 2.5', ["[laboratory].n_pellets", "got 2.5", "a whole number from 0"]),
    ('n_pellets = 24', 'n_pellets = -1', ["[laboratory].n_pellets", "got -1"]),
    ('scatter = 0.12', 'scatter = 4', ["[laboratory].scatter", "got 4", "from 0 to 3"]),
    ('sd = 0.05', 'colour = "red"', ["[laboratory].colour", "unknown field", "shift, sd"]),
    ('sd = 0.05\n', '', ["[laboratory]", "missing field(s) sd"]),
    ('lot = "7"', 'lot = 7', ["[laboratory].lot", "got 7", "text of at most 80"]),
    ('lot = "7"', 'calibrated = ["Li6PS5Cl"]', ["[laboratory].calibrated", "Li6PS5Cl", "this file's materials (MySE)"]),
])
def test_a_bad_laboratory_table_names_field_value_and_range(lib, old, new, expect):
    text = GOOD_ENTRY + LAB_TABLE.replace(old, new)
    with pytest.raises(PressbookError) as exc:
        _fresh(lib).add_toml(text, origin="mine.toml")
    for part in expect:
        assert part in str(exc.value), str(exc.value)
