"""Editors of the design: die and operation, layers in stack order, the pressing steps.

Every editor writes into the ``DesignerState`` and re-reads it after every change: row i shows
layer/step i of the draft, values are set in place (focus and typed text survive), and only a
changed number of layers or steps adds or retires rows (and step checkboxes) at the end, so fast
clicks create few widget models and the page keeps up.
"""
from __future__ import annotations

from html import escape

import ipywidgets as w

from ...design import D50_FIELDS, ROLES
from ...lab.press import load_to_pressure, pressure_to_load, round_sig
from ...materials import default_library
from ...views.columns import typical_range_text
from ...views.words import plain_message
from ..common import ErrorMessage, discard_rows, guarded, named, number, prefix, set_quietly
from .query import format_material_text, parse_material_text
from .state import DesignerState

PRESSURE_UNITS = (("MPa", "MPa"), ("kN", "kN"), ("tonne-force", "tf"))
UNIT_WORDS = {"MPa": "MPa", "kN": "kN", "tf": "tonne-force"}
AMOUNT_LABEL = {"mass": "mass (mg)", "thickness": "thickness (µm)"}


class DieEditor(w.VBox):
    """Die diameter and pressing mode; operating stack pressure and temperature."""

    def __init__(self, state: DesignerState):
        self.state = state
        d = state.draft
        self.title = w.Text(value=d["title"], description="design title", continuous_update=False,
                            layout=w.Layout(width="480px"), style={"description_width": "130px"})
        self.title.add_class("pb-title")
        self.diameter = number("die diameter (mm)", d["die"]["diameter"], "pb-die-diameter", desc_width="130px",
                               width="220px")
        self.pressing = w.Dropdown(options=[("single-acting", "single"), ("double-acting", "double")],
                                   value=d["die"]["pressing"], description="pressing", layout=w.Layout(width="250px"),
                                   style={"description_width": "70px"})
        self.pressing.add_class("pb-die-pressing")
        self.stack = number("stack pressure in use (MPa)", d["operation"]["stack_pressure"], "pb-stack-pressure",
                            desc_width="180px", width="262px")
        self.op_temp = number("temperature in use (°C)", d["operation"]["temperature"], "pb-op-temperature",
                              desc_width="180px", width="262px")
        g = guarded(state)
        self.title.observe(g(lambda c: state.set_field("title", c["new"])), names="value")
        self.diameter.observe(g(lambda c: state.set_field("die.diameter", c["new"])), names="value")
        self.pressing.observe(g(lambda c: state.set_field("die.pressing", c["new"])), names="value")
        self.stack.observe(g(lambda c: state.set_field("operation.stack_pressure", c["new"])), names="value")
        self.op_temp.observe(g(lambda c: state.set_field("operation.temperature", c["new"])), names="value")
        self.error = ErrorMessage(state, prefix("die", "operation", "title"))
        super().__init__([w.HTML("<h3 class='pb-h'>Design, die and operation</h3>"), self.title,
                          w.HBox([self.diameter, self.pressing]), self.stack, self.op_temp, self.error])
        self.add_class("pb-die-editor")
        state.observe(self.sync, names="draft")

    def sync(self, _change=None) -> None:
        d = self.state.draft
        set_quietly(self.title, d["title"])
        set_quietly(self.diameter, d["die"]["diameter"])
        set_quietly(self.pressing, d["die"]["pressing"])
        set_quietly(self.stack, d["operation"]["stack_pressure"])
        set_quietly(self.op_temp, d["operation"]["temperature"])


def composite_sizes(layer: dict):
    """(active d50, SE d50) in um of a composite layer of the draft as the model uses them (the layer's own
    values, else the library's particle sizes); None for any other layer."""
    try:
        m = default_library().composite(layer["composition"]) if layer.get("composition") else None
    except Exception:  # an unknown material: validation names it
        return None
    if m is None or m.network is None or m.kind != "cathode_active":
        return None
    return tuple(float(m.network[k] if layer.get(k) is None else layer[k]) for k in D50_FIELDS)


class LayerRow(w.VBox):
    """One layer: name, role, material or composition, mass or thickness; a composite's particle sizes."""

    def __init__(self, state: DesignerState, i: int, materials: list[str]):
        self.state, self.i = state, i
        layer = state.draft["layers"][i - 1]
        g = guarded(state, self)
        self.header = w.HTML(layout=w.Layout(width="125px"))
        self.name = w.Text(value=layer["name"], description="name", continuous_update=False,
                           layout=w.Layout(width="180px"), style={"description_width": "45px"})
        self.name.add_class("pb-layer-name")
        named(self.name, f"layer {i} name")
        self.role = w.Dropdown(options=ROLES, value=layer["role"] if layer["role"] in ROLES else ROLES[1],
                               description="role", layout=w.Layout(width="170px"), style={"description_width": "35px"})
        self.role.add_class("pb-layer-role")
        named(self.role, f"layer {i} role")
        self.remove = w.Button(description="✕", tooltip=f"remove layer {i}", layout=w.Layout(width="36px"))
        self.remove.add_class("pb-layer-remove")
        named(self.remove, f"remove layer {i} ({layer['name']})")
        self.material = w.Combobox(value=format_material_text(layer["material"], layer["composition"]),
                                   options=materials, ensure_option=False, continuous_update=False,
                                   description="material or composition",
                                   placeholder="Li6PS5Cl  or  NCM811 0.7, Li6PS5Cl 0.3",
                                   layout=w.Layout(width="470px"), style={"description_width": "160px"})
        self.material.add_class("pb-layer-material")
        named(self.material, f"layer {i} material or composition")
        kind = "mass" if layer["mass"] is not None else "thickness"
        self.kind = w.Dropdown(options=[("mass (mg)", "mass"), ("thickness (µm)", "thickness")], value=kind,
                               description="given as", layout=w.Layout(width="230px"),
                               style={"description_width": "60px"})
        self.kind.add_class("pb-layer-kind")
        named(self.kind, f"layer {i} given as")
        self.amount = number(AMOUNT_LABEL[kind], layer[kind] if layer[kind] is not None else 0.0, "pb-layer-amount",
                             width="215px", desc_width="100px", name=f"layer {i} {AMOUNT_LABEL[kind]}")
        # issue 23: particle sizes d50 of a composite (shown for composites of an active material and an SE only)
        self.d50 = {k: number(label, 0.0, f"pb-layer-{k.replace('_', '-')}", width="215px", desc_width="110px",
                              name=f"layer {i} {label}")
                    for k, label in (("cam_d50", "active d50 (µm)"), ("se_d50", "SE d50 (µm)"))}
        self.sizes = w.HBox(list(self.d50.values()))
        for k, box in self.d50.items():
            box.observe(g(lambda c, k=k: self._on_d50(k, c["new"])), names="value")
        self.name.observe(g(self._on_name), names="value")
        self.role.observe(g(lambda c: state.set_field(f"layers.{i}.role", c["new"])), names="value")
        self.remove.on_click(g(lambda _b: state.remove_layer(i)))
        self.material.observe(g(self._on_material), names="value")
        self.kind.observe(g(lambda c: state.set_layer_amount(i, self.kind.value, self.amount.value)), names="value")
        self.amount.observe(g(lambda c: state.set_layer_amount(i, self.kind.value, c["new"])), names="value")
        self.error = ErrorMessage(state, prefix(f"layers.{i}"))
        super().__init__([
            w.HBox([self.header, self.name, self.role, self.remove]),
            self.material, w.HBox([self.kind, self.amount]), self.sizes, self.error])
        self.add_class("pb-layer")
        self.add_class(f"pb-layer-{i}")
        self._header(len(state.draft["layers"]))

    def _header(self, n: int) -> None:
        where = " (bottom)" if self.i == 1 else " (top)" if self.i == n and n > 1 else ""
        set_quietly(self.header, f"<b>Layer {self.i}</b>{escape(where)}")

    def _on_name(self, change) -> None:
        self.state.rename_layer(self.i, change["new"])
        set_quietly(self.name, self.state.draft["layers"][self.i - 1]["name"])  # a refused name is not kept

    def _on_material(self, change) -> None:
        try:
            material, composition = parse_material_text(change["new"], f"layers.{self.i}.material")
        except Exception:
            material, composition = change["new"], None  # validation names the field and the allowed materials
        self.state.set_layer_material(self.i, material, composition)

    def _on_d50(self, key: str, value: float) -> None:
        sizes = composite_sizes(self.state.draft["layers"][self.i - 1])
        if sizes is not None and value == sizes[D50_FIELDS.index(key)]:
            return  # the editor showing the size in use (a library default stays a default)
        self.state.set_field(f"layers.{self.i}.{key}", value)

    def sync(self, layer: dict, n: int) -> None:
        """Show ``layer`` (the row's index in a stack of ``n`` layers)."""
        self._header(n)
        set_quietly(self.name, layer["name"])
        if layer["role"] in ROLES:
            set_quietly(self.role, layer["role"])
        text = format_material_text(layer["material"], layer["composition"])
        try:  # keep what was typed when it means the same
            same = parse_material_text(self.material.value) == (layer["material"], layer["composition"])
        except Exception:
            same = self.material.value == text
        if not same:
            self.material.value = text
        kind = "mass" if layer["mass"] is not None else "thickness"
        set_quietly(self.kind, kind)
        self.amount.description = AMOUNT_LABEL[kind]
        named(self.amount, f"layer {self.i} {AMOUNT_LABEL[kind]}")
        named(self.remove, f"remove layer {self.i} ({layer['name']})")
        if layer[kind] is not None:
            set_quietly(self.amount, float(layer[kind]))
        sizes = composite_sizes(layer)
        self.sizes.layout.display = "none" if sizes is None else None
        for box, value in zip(self.d50.values(), sizes or ()):
            set_quietly(box, value)


class LayersEditor(w.VBox):
    """Layers in stack order (layer 1 at the bottom), with add and remove."""

    def __init__(self, state: DesignerState):
        self.state = state
        lib = default_library()
        self.materials = lib.ids() + ["NCM811 0.7, Li6PS5Cl 0.3"]
        self.add = w.Button(description="+ add layer", tooltip="add a layer on top")
        self.add.add_class("pb-layer-add")
        self.add.on_click(guarded(state)(lambda _b: state.add_layer()))
        self.rows_box = w.VBox()
        self.error = ErrorMessage(state, lambda k: k in ("layers",))
        super().__init__([w.HTML("<h3 class='pb-h'>Layers (stack order, bottom first)</h3>"), self.rows_box,
                          self.add, self.error])
        self.add_class("pb-layers-editor")
        state.observe(self.sync, names="draft")
        self.sync()

    def sync(self, _change=None) -> None:
        """Rows follow the state: row i always shows layer i; only a changed number of layers adds or
        retires rows at the end (few new widget models per click: the page keeps up with fast clicks)."""
        layers = self.state.draft["layers"]
        rows = list(self.rows_box.children)
        if len(rows) != len(layers):
            kept, gone = rows[:len(layers)], rows[len(layers):]
            self.rows_box.children = kept + [LayerRow(self.state, i + 1, self.materials)
                                             for i in range(len(kept), len(layers))]
            discard_rows(gone)
        for row, layer in zip(self.rows_box.children, layers):
            row.sync(layer, len(layers))


class StepRow(w.VBox):
    """One pressing step: which layers it adds, pressure (with unit), hold, temperature; move/remove."""

    def __init__(self, state: DesignerState, k: int, unit: str):
        self.state, self.k, self.unit = state, k, unit
        draft = state.draft
        step = draft["steps"][k - 1]
        g = guarded(state, self)
        self._g = g
        self.checks: list[w.Checkbox] = []  # checkbox p: layer p of the draft (its name is the description)
        self.header = w.HTML(f"<b>Step {k}</b> adds:", layout=w.Layout(width="95px"))
        self.up = named(w.Button(description="↑", tooltip=f"move step {k} earlier", layout=w.Layout(width="36px")),
                        f"move step {k} up")
        self.down = named(w.Button(description="↓", tooltip=f"move step {k} later", layout=w.Layout(width="36px")),
                          f"move step {k} down")
        self.remove = named(w.Button(description="✕", tooltip=f"remove step {k}", layout=w.Layout(width="36px")),
                            f"remove step {k}")
        for b, css in ((self.up, "pb-step-up"), (self.down, "pb-step-down"), (self.remove, "pb-step-remove")):
            b.add_class(css)
        self.up.on_click(g(lambda _b: state.move_step(k, -1)))
        self.down.on_click(g(lambda _b: state.move_step(k, +1)))
        self.remove.on_click(g(lambda _b: state.remove_step(k)))
        self.pressure = number(f"pressure ({unit})", self._shown(step["pressure"]), "pb-step-pressure",
                               width="210px", desc_width="110px", name=f"step {k} pressure ({unit})")
        self.conversion = w.HTML()
        self.conversion.add_class("pb-conversion")
        self.hold = number("hold (s)", step["hold"], "pb-step-hold", width="210px", desc_width="110px",
                           name=f"step {k} hold (s)")
        self.temperature = number("temperature (°C)", step["temperature"], "pb-step-temperature", width="230px",
                                  desc_width="115px", name=f"step {k} temperature (°C)")
        self.typical = w.HTML()
        self.typical.add_class("pb-hint")
        self.pressure.observe(g(self._on_pressure), names="value")
        self.hold.observe(g(lambda c: state.set_field(f"steps.{k}.hold", c["new"])), names="value")
        self.temperature.observe(g(lambda c: state.set_field(f"steps.{k}.temperature", c["new"])), names="value")
        self.error = ErrorMessage(state, prefix(f"steps.{k}"))
        self.top = w.HBox([self.header, self.up, self.down, self.remove])
        super().__init__([
            self.top, w.HBox([self.pressure, self.conversion]), w.HBox([self.hold, self.temperature]), self.typical,
            self.error])
        self.add_class("pb-step")
        self.add_class(f"pb-step-{k}")
        self.sync(step)

    def _checkbox(self, p: int) -> w.Checkbox:
        cb = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
        cb.add_class("pb-step-add")
        cb.observe(self._g(lambda c: self._on_check(p, c["new"])), names="value")
        return cb

    def _on_check(self, p: int, included: bool) -> None:
        draft = self.state.draft
        if p >= len(draft["layers"]) or self.k > len(draft["steps"]):
            return
        name = draft["layers"][p]["name"]
        if (name in draft["steps"][self.k - 1]["add"]) != included:  # a click, not the editor showing the state
            self.state.set_step_adds(self.k, name, included)

    def _sync_checks(self, names: list[str]) -> None:
        """One checkbox per layer, reused by position; only a changed number of layers adds or retires some."""
        if len(self.checks) != len(names):
            kept, gone = self.checks[:len(names)], self.checks[len(names):]
            self.checks = kept + [self._checkbox(p) for p in range(len(kept), len(names))]
            self.top.children = [self.header, *self.checks, self.up, self.down, self.remove]
            discard_rows(gone)
        for cb, name in zip(self.checks, names):
            if cb.description != name:
                cb.description = name
                named(cb, f"step {self.k} adds {name}")

    def _diameter(self) -> float:
        return float(self.state.draft["die"]["diameter"])

    def _shown(self, mpa: float) -> float:
        """Pressure in MPa -> value in the chosen unit for this die (a load: 3 significant digits, as set
        on a press: 2.40265 tf -> 2.4)."""
        if self.unit == "MPa":
            return float(mpa)
        try:
            return round_sig(pressure_to_load(mpa, self._diameter(), self.unit), 3)
        except Exception:
            return float(mpa)

    def _on_pressure(self, change) -> None:
        value = change["new"]
        if self.unit != "MPa":
            if value == self._shown(self.state.draft["steps"][self.k - 1]["pressure"]):
                return  # the rounded display of the current pressure: keep the pressure as it is
            try:
                value = load_to_pressure(value, self._diameter(), self.unit)
            except Exception as exc:  # e.g. an invalid die diameter: say so at the step
                self.state.errors = {f"steps.{self.k}.pressure": f"Step {self.k} pressure: {plain_message(exc)}"}
                return
        self.state.set_field(f"steps.{self.k}.pressure", value)

    def _refresh_texts(self, step: dict) -> None:
        P = step["pressure"]
        try:
            D = self._diameter()
            kn, tf = pressure_to_load(P, D, "kN"), pressure_to_load(P, D, "tf")
            self.conversion.value = f"= {P:.4g} MPa = {kn:.4g} kN = {tf:.3g} tonne-force on the {D:g} mm die"
        except Exception:
            self.conversion.value = ""
        roles = {l["name"]: l["role"] for l in self.state.draft["layers"]}
        convert = None if self.unit == "MPa" else (lambda p: pressure_to_load(p, self._diameter(), self.unit))
        try:
            text = typical_range_text([roles.get(n) for n in step["add"]], convert, UNIT_WORDS[self.unit])
        except Exception:  # an invalid die diameter: the ranges in MPa
            text = typical_range_text([roles.get(n) for n in step["add"]])
        self.typical.value = escape(text)

    def sync(self, step: dict) -> None:
        names = [l["name"] for l in self.state.draft["layers"]]
        self._sync_checks(names)
        for cb, name in zip(self.checks, names):
            set_quietly(cb, name in step["add"])
        set_quietly(self.pressure, self._shown(step["pressure"]), tol=1e-6)
        set_quietly(self.hold, float(step["hold"]))
        set_quietly(self.temperature, float(step["temperature"]))
        self._refresh_texts(step)


class StepsEditor(w.VBox):
    """The pressing steps in order, with add / remove / reorder and a pressure unit toggle."""

    def __init__(self, state: DesignerState):
        self.state = state
        self.unit = w.ToggleButtons(options=PRESSURE_UNITS, value="MPa", description="pressure unit",
                                    tooltips=["megapascal", "kilonewton load on the die", "tonne-force load on the die"],
                                    style={"description_width": "90px", "button_width": "90px"})
        self.unit.add_class("pb-pressure-unit")
        self.unit.observe(guarded(state)(lambda c: self._rebuild()), names="value")
        self.add = w.Button(description="+ add step", tooltip="add a pressing step at the end")
        self.add.add_class("pb-step-add-button")
        self.add.on_click(guarded(state)(lambda _b: state.add_step()))
        self.rows_box = w.VBox()
        self.error = ErrorMessage(state, lambda k: k in ("steps",))
        super().__init__([w.HTML("<h3 class='pb-h'>Pressing steps (in order)</h3>"), self.unit, self.rows_box,
                          self.add, self.error])
        self.add_class("pb-steps-editor")
        state.observe(self.sync, names="draft")
        self.sync()

    def _rebuild(self) -> None:
        """New rows for a new pressure unit."""
        old, d = self.rows_box.children, self.state.draft
        self.rows_box.children = [StepRow(self.state, k + 1, self.unit.value) for k in range(len(d["steps"]))]
        discard_rows(old)

    def sync(self, _change=None) -> None:
        """Rows follow the state: row k always shows step k; only a changed number of steps adds or
        retires rows at the end (see LayersEditor.sync)."""
        steps = self.state.draft["steps"]
        rows = list(self.rows_box.children)
        if len(rows) != len(steps):
            kept, gone = rows[:len(steps)], rows[len(steps):]
            self.rows_box.children = kept + [StepRow(self.state, k + 1, self.unit.value)
                                             for k in range(len(kept), len(steps))]
            discard_rows(gone)
        for row, step in zip(self.rows_box.children, steps):
            row.sync(step)
