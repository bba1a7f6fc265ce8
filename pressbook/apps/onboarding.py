"""Lab-onboarding apps: the protocol card and calibration with your own data (ipywidgets + Bokeh).

The notebooks are thin::

    from pressbook.apps.onboarding import setup, protocol_card_app
    setup()                 # BokehJS inline, once, before any figure (see TOOLCHAIN)
    protocol_card_app()

Every callback catches errors and shows them as a message in the page (never a traceback); any
value a visitor can set through a widget is validated by the core (Design, Press, calibrate).
Downloads are data: URI links in an HTML widget (no server round trip).
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import ipywidgets as w
import numpy as np

from ..errors import InvalidInputError, PressbookError
from ..views import describe
from ..views.palette import OKABE_ITO
from ..views.words import plain_message
from . import common
from .common import bokeh as _bokeh
from .designer.state import SIMULATE_LIMIT_S, log, new_error_id
from .serving import MAX_UPLOAD_BYTES, time_limit  # MAX_UPLOAD_BYTES: also the page guard's browser-side limit

#: What to do when a fit is stopped by its time limit (the same limit as a simulation).
FIT_HINT = "Try a file with fewer rows (a few hundred points are plenty)."

CSS = """<style>
.pbo-h {font-size: 1.2em; margin: 0.6em 0 0.4em;}  /* sections under the page's h1: level-2 headings */
.pbo-message {color: #7a3b00; background: #fff6e5; border-left: 4px solid #E69F00; padding: 4px 10px; max-width: 980px;}
.pbo-ok {color: #1b4d1b; background: #eef8ee; border-left: 4px solid #009E73; padding: 4px 10px; max-width: 980px;}
.pbo-table {border-collapse: collapse; font-size: 13px;}
.pbo-table td, .pbo-table th {border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;}
.pbo-download a {display: inline-block; margin: 4px 12px 4px 0; padding: 4px 10px; border: 1px solid #0072B2;
  border-radius: 3px; color: #0072B2; text-decoration: none;}
</style>"""


def setup() -> w.HTML:
    """Load BokehJS inline once per kernel; return the apps' CSS as a widget (display it or ignore it)."""
    common.load_bokehjs()
    return w.HTML(CSS)


def _lay(width: str = "390px") -> w.Layout:
    """A Layout per widget: one Layout shared by several widgets leaves them undrawn in the browser."""
    return w.Layout(width=width)


def download_link(content: str | bytes, filename: str, mime: str, label: str) -> str:
    """An <a download> link carrying the content as a base64 data: URI."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<a class="pbo-dl" download="{html.escape(filename)}" href="data:{mime};base64,{b64}" '
            f'target="_blank">{html.escape(label)}</a>')


class Message(common.Message):
    """Errors and notes for the user (hidden when empty)."""

    css = "pbo-message"


def _upload_bytes(upload: w.FileUpload, limit: int = MAX_UPLOAD_BYTES) -> tuple[str, bytes] | None:
    """(name, content) of the last uploaded file, or None. Raises PressbookError for unusable uploads."""
    value = upload.value
    if not value:
        return None
    item = value[-1] if isinstance(value, (tuple, list)) else None
    if not isinstance(item, dict) or "content" not in item:
        raise PressbookError("upload: unreadable; allowed: one file")
    name = str(item.get("name", "upload"))[:80]
    content = item["content"]
    try:
        data = bytes(content)
    except (TypeError, ValueError):
        raise PressbookError(f"upload '{name}': unreadable content; allowed: a file") from None
    if len(data) > limit:
        raise PressbookError(f"upload '{name}': {len(data) / 1e6:.1f} MB; allowed: at most {limit / 1e6:g} MB")
    return name, data


def _take_upload(upload: w.FileUpload, fail) -> tuple[str, bytes] | None:
    """(name, content) of the last uploaded file, or None; an unusable upload is reported through ``fail``."""
    try:
        return _upload_bytes(upload)
    except PressbookError as exc:
        fail(plain_message(exc))
    except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
        fail(_unexpected(exc))
    return None


def _take_sample(name: str, samples: dict[str, Path], fail) -> tuple[str, bytes] | None:
    """(name, content) of a chosen sample file, or None (none chosen, or unreadable: reported through ``fail``)."""
    if not name or name not in samples:
        return None
    try:
        return name, samples[name].read_bytes()[:MAX_UPLOAD_BYTES + 1]
    except OSError as exc:
        fail(f"sample '{name}': cannot read ({exc.strerror})")
        return None


def _samples(samples_dir, pattern: str) -> dict[str, Path]:
    if samples_dir is None:
        return {}
    d = Path(samples_dir)
    return {p.name: p for p in sorted(d.glob(pattern))} if d.is_dir() else {}


def _unexpected(exc: Exception) -> str:
    """The message for an unexpected error (call it in the ``except`` block): the details go to the server's
    log under an error id, never to the page."""
    eid = new_error_id()
    log.error("onboarding error %s", eid, exc_info=exc)
    return (f"Something went wrong ({type(exc).__name__}, error id {eid}). Check the inputs; if it persists, "
            "report it with the id and the file used.")


# ====================================================================== protocol card
#: Gauge and capacity units as the menus name them (tf and tonf differ by 10 %).
UNIT_CHOICES = {"tf": "tf: metric tonne-force (9.807 kN)", "tonf": "tonf: US short ton-force (8.896 kN)",
                "kN": "kN", "lbf": "lbf: pound-force", "bar": "bar", "psi": "psi", "MPa": "MPa"}


def _unit_options(units) -> list[tuple[str, str]]:
    return [(UNIT_CHOICES.get(u, u), u) for u in units]


class ProtocolCardApp:
    """Choose a preset, upload a design or open one from a link (``?preset=...``, ``?design=...``, as the
    designer's share link writes it); set the press and die; see and download the bench card."""

    def __init__(self, samples_dir=None, query=None):
        from ..lab.protocol_card import CAPACITY_UNITS, GAUGE_CHOICES
        from ..presets import PRESETS

        style = {"description_width": "200px"}
        self._uploaded = None  # (name, Design)
        self._quiet = False
        self.source = w.Dropdown(options=[(f"preset: {k}", k) for k in PRESETS], value="three-step",
                                 description="Design", style=style, layout=w.Layout(width="560px"))
        self.upload = w.FileUpload(accept=".toml,.json", multiple=False, description="Upload design",
                                   layout=w.Layout(width="auto"))
        self.die_diameter = w.BoundedFloatText(value=10.0, min=1.0, max=100.0, step=0.5, description="Die diameter (mm)",
                                               style=style, layout=_lay())
        self.die_rating = w.Text(value="", placeholder="not given: check your die", continuous_update=False,
                                 description="Die rating (MPa, optional)", style=style, layout=_lay())
        self.capacity = w.BoundedFloatText(value=15.0, min=0.01, max=10000.0, step=1.0, description="Press capacity",
                                           style=style, layout=_lay())
        self.capacity_unit = common.named(w.Dropdown(options=_unit_options(CAPACITY_UNITS), value="tf",
                                                     layout=w.Layout(width="320px")), "press capacity unit")
        self.gauge_unit = w.Dropdown(options=_unit_options(GAUGE_CHOICES), value="tf", description="Gauge reads",
                                     style=style, layout=_lay("480px"))  # the whole unit name, never "(9.80"
        self.ram_diameter = w.BoundedFloatText(value=50.0, min=1.0, max=1000.0, step=1.0, description="Ram diameter (mm)",
                                               style=style, layout=_lay())
        self.gauge_max = w.BoundedFloatText(value=0.0, min=0.0, max=1e6, description="Gauge full scale (0: capacity)",
                                            style=style, layout=_lay())
        self.accuracy = w.BoundedFloatText(value=2.5, min=0.0, max=20.0, step=0.5, description="Gauge accuracy (% FS)",
                                           style=style, layout=_lay())
        self.message = Message()
        self.card = w.HTML()
        self.card.add_class("pbo-card-view")
        self.downloads = w.HTML()
        self.downloads.add_class("pbo-download")
        for x, cls in ((self.source, "pbo-source"), (self.upload, "pbo-upload"), (self.die_diameter, "pbo-die-diameter"),
                       (self.die_rating, "pbo-die-rating"), (self.capacity, "pbo-capacity"),
                       (self.capacity_unit, "pbo-capacity-unit"), (self.gauge_unit, "pbo-gauge-unit"),
                       (self.ram_diameter, "pbo-ram-diameter"), (self.gauge_max, "pbo-gauge-max"),
                       (self.accuracy, "pbo-accuracy")):
            x.add_class(cls)
        self.upload.observe(self._on_upload, names="value")
        self.source.observe(self._on_source, names="value")
        for x in (self.die_diameter, self.die_rating, self.capacity, self.capacity_unit, self.gauge_unit,
                  self.ram_diameter, self.gauge_max, self.accuracy):
            x.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([
            w.HTML(CSS),
            w.HBox([self.source, self.upload]),
            w.HBox([w.VBox([w.HTML("<b>Die</b>"), self.die_diameter, self.die_rating]),
                    w.VBox([w.HTML("<b>Press</b>"), w.HBox([self.capacity, self.capacity_unit]), self.gauge_unit,
                            self.ram_diameter, self.gauge_max, self.accuracy])]),
            self.message, self.downloads, self.card])
        self.widget.add_class("pbo-protocol-card-app")
        self._on_source(None)
        if query:
            self.apply_query(query)

    def apply_query(self, query) -> None:
        """Show the design a link describes (the designer's query keys); its problems become a message."""
        from .designer.query import design_from_query, parse_query
        from ..views.words import plain_text

        design, problems = design_from_query(query)
        params = parse_query(query) if not problems else {}
        if set(params) == {"preset"} and params["preset"] in dict(self.source.options).values():
            self.source.value = params["preset"]
        elif params or problems:
            self._take_design(f"from the link: {design.title or 'design'}"[:80], design)
        if problems:
            self.message.say(plain_text(" ".join(problems)))

    # ---------------------------------------------------------------- inputs
    def design(self):
        from ..presets import preset

        if self.source.value == "__upload__" and self._uploaded is not None:
            return self._uploaded[1].copy()
        return preset(self.source.value)

    def rating(self) -> float | None:
        """The die's rating typed (MPa; "500" or "0.5 GPa"), None when not given."""
        from ..units import to_magnitude

        text = self.die_rating.value.strip()
        if not text:
            return None
        try:
            R = to_magnitude(text, "MPa", "die.rated_pressure")
        except InvalidInputError:
            R = math.nan
        if not (math.isfinite(R) and 1.0 <= R <= 5000.0):
            raise InvalidInputError("die.rated_pressure", text, "1 to 5000 MPa (such as 500 or 0.5 GPa), or leave it "
                                                                "empty when not known")
        return R

    def press(self):
        from ..lab.protocol_card import Press

        pressure_gauge = self.gauge_unit.value in ("bar", "psi", "MPa")
        return Press(capacity=float(self.capacity.value), capacity_unit=self.capacity_unit.value,
                     gauge_unit=self.gauge_unit.value,
                     ram_diameter=float(self.ram_diameter.value) if pressure_gauge else None,
                     gauge_max=float(self.gauge_max.value) if self.gauge_max.value > 0 else None,
                     gauge_accuracy=float(self.accuracy.value) / 100.0)

    def _on_upload(self, _change):
        from ..design import Design

        try:
            got = _upload_bytes(self.upload, 1_000_000)
            if got is None:
                return
            name, data = got
            design = Design.from_json(data) if name.lower().endswith(".json") else Design.from_toml(data)
        except PressbookError as exc:
            self._fail(plain_message(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            self._fail(_unexpected(exc))
            return
        self._take_design(f"uploaded: {name}", design)

    def _take_design(self, label: str, design) -> None:
        """Offer ``design`` (uploaded or from a link) first in the design menu, and show its card."""
        self._uploaded = (label, design)
        opts = [o for o in self.source.options if o[1] != "__upload__"]
        self.source.options = [(label, "__upload__")] + opts
        self.source.value = "__upload__"
        self._on_source(None)

    def _on_source(self, _change):
        try:
            d = self.design()
        except Exception as exc:  # noqa: BLE001
            self._fail(plain_message(exc) if isinstance(exc, PressbookError) else _unexpected(exc))
            return
        self._quiet = True
        try:
            self.die_diameter.value = d.die.diameter
            if d.die.rated_pressure is not None:
                self.die_rating.value = f"{d.die.rated_pressure:g}"
        finally:
            self._quiet = False
        self.update()

    # ---------------------------------------------------------------- output
    def _fail(self, text: str) -> None:
        self.message.say(text)
        self.card.value = ""
        self.downloads.value = ""

    def update(self) -> None:
        if getattr(self, "_quiet", False):
            return
        from ..lab.protocol_card import check_press_and_die, over_rating, protocol_card

        self.ram_diameter.layout.display = "" if self.gauge_unit.value in ("bar", "psi", "MPa") else "none"
        try:
            rating = self.rating()
        except PressbookError as exc:
            self._fail(plain_message(exc))
            return
        try:
            design = self.design()
            D = float(self.die_diameter.value)
            problems = check_press_and_die(design, self.press(), D, rating)
            if problems:  # one sentence per reason: the steps above the die's rating together
                rated = over_rating(design, rating)
                self._fail(" ".join(["This press and die cannot do this design."] + ([rated] if rated else []) + [
                    plain_message(p) + "." for p in problems if getattr(p, "hint", "") != "die rating"]))
                return
            card = protocol_card(design, self.press(), die_diameter=D, die_rating=rating)
        except PressbookError as exc:
            self._fail(f"This press and die cannot do this design: {plain_message(exc)}")
            return
        except Exception as exc:  # noqa: BLE001
            self._fail(_unexpected(exc))
            return
        self.card_obj = card
        self.message.say("")
        self.card.value = card.to_html_fragment()
        stem = "".join(ch if ch.isalnum() else "_" for ch in (card.title or "design"))[:40].strip("_") or "design"
        self.downloads.value = (download_link(card.to_html(), f"protocol_{stem}.html", "text/html",
                                              "Download printable card (HTML)")
                                + download_link(card.to_csv(), f"protocol_{stem}.csv", "text/csv",
                                                "Download steps (CSV)"))
        from .lablog import log_link  # "log this pellet" in the lab's pellet log

        self.downloads.value += log_link(design)


def protocol_card_app(samples_dir=None, query=None) -> w.VBox:
    """The protocol card app; ``query``: a link's design (the designer's URL query keys)."""
    common.page_support()
    return ProtocolCardApp(samples_dir, query).widget


# ====================================================================== calibration
def _fit_figure(title: str, x_label: str, y_label: str, data_label: str = "your data",
                model_label: str = "library", size: int = 8, height: int = 330, **kw):
    """A figure of measured points, their fit (solid) and the library's or predicted curve (dashed grey).
    Returns (figure, data, fit, model): the figure is fixed, updated through its three ColumnDataSources."""
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    data, fit, model = (ColumnDataSource({"x": [], "y": []}) for _ in range(3))
    f = figure(width=470, height=height, title=title, x_axis_label=x_label, y_axis_label=y_label,
               tools="pan,wheel_zoom,box_zoom,reset,save", **kw)
    f.scatter("x", "y", source=data, size=size, color=OKABE_ITO["blue"], legend_label=data_label)
    f.line("x", "y", source=fit, line_width=2, color=OKABE_ITO["vermillion"], legend_label="fit")
    f.line("x", "y", source=model, line_width=2, line_dash="dashed", color="#555555", legend_label=model_label)
    common.legend_outside(f, "below", ncols=3)  # beside the plot: never over the points
    return f, data, fit, model


class CalibrateApp:
    """Upload a compaction CSV, pick the material, see the fits and download the calibrated material."""

    def __init__(self, samples_dir="data"):
        from ..materials import default_library
        from ..presets import PRESETS

        lib = default_library()
        style = {"description_width": "210px"}
        self._data = None  # (name, bytes)
        self._eis = None
        self.cal = None
        powders = [m.id for m in lib.materials.values() if not m.is_foil and "heckel_intercept" in m.params]
        self.samples = _samples(samples_dir, "compaction*.csv")
        self.eis_samples = _samples(samples_dir, "eis*.csv")
        self.sample = w.Dropdown(options=[("(choose a sample file)", "")] + [(k, k) for k in self.samples],
                                 value="", description="or try a sample", style=style, layout=w.Layout(width="480px"))
        common.named(self.sample, "or try a sample compaction file")
        self.upload = w.FileUpload(accept=".csv,.txt", multiple=False, description="Upload CSV",
                                   layout=w.Layout(width="auto"))
        self.material = w.Dropdown(options=powders, value="Li6PS5Cl" if "Li6PS5Cl" in powders else powders[0],
                                   description="Compare with material", style=style, layout=_lay())
        self.measured = w.ToggleButtons(options=[("after release", "released"), ("under load", "under_load")],
                                        value="released", description="Thickness measured",
                                        style={"description_width": "210px", "button_width": "110px"})
        self.mass = w.BoundedFloatText(value=100.0, min=0.01, max=10000.0, description="Pellet mass (mg)*", style=style,
                                       layout=_lay())
        self.diameter = w.BoundedFloatText(value=10.0, min=1.0, max=100.0, description="Die diameter (mm)*", style=style,
                                           layout=_lay())
        self.true_density = w.BoundedFloatText(value=0.0, min=0.0, max=12.0, step=0.01,
                                               description="True density (g/cm3; 0: library)", style=style, layout=_lay())
        self.hold = w.BoundedFloatText(value=120.0, min=0.0, max=86400.0, description="Hold time (s)", style=style,
                                       layout=_lay())
        self.temperature = w.BoundedFloatText(value=25.0, min=-40.0, max=500.0, description="Pressing temperature (°C)",
                                              style=style, layout=_lay())
        self.message = Message()
        self.status = w.HTML()
        self.table = w.HTML()
        self.table.add_class("pbo-params")
        self.downloads = w.HTML()
        self.downloads.add_class("pbo-download")

        # figures (fixed; updated through their sources)
        f1, self.src_data, self.src_fit, self.src_lib = _fit_figure(
            "Relative density vs pressure", "pressure (MPa)", "relative density")
        f2, self.src_sd, self.src_sfit, self.src_slib = _fit_figure(
            "Conductivity vs relative density", "relative density", "conductivity (mS/cm)")
        self.fig_density = _bokeh(f1)
        self.fig_sigma = _bokeh(f2)
        self.alt_density, self.alt_sigma, self.alt_nyquist = (common.FigureText() for _ in range(3))
        self._say_density()
        self.alt_nyquist.say(describe.spectrum_fit_alternative([], {}, {}, {}))

        # impedance
        self.eis_upload = w.FileUpload(accept=".csv,.txt", multiple=False, description="Upload spectrum",
                                       layout=w.Layout(width="auto"))  # the whole label, never "Upload spectru..."
        self.eis_sample = w.Dropdown(options=[("(choose a sample spectrum)", "")] + [(k, k) for k in self.eis_samples],
                                     value="", description="or try a sample", style=style, layout=w.Layout(width="480px"))
        common.named(self.eis_sample, "or try a sample spectrum")
        self.eis_design = w.Dropdown(options=list(PRESETS), value="three-step", description="Predicted circuit of",
                                     style=style, layout=w.Layout(width="420px"))
        self.eis_use_cal = w.Checkbox(value=False, description="with the calibrated material (separator layers)",
                                      indent=False, layout=w.Layout(width="max-content"))  # never "(separator l..."
        self.eis_message = Message()
        self.eis_table = w.HTML()
        self.eis_table.add_class("pbo-eis-params")
        f3, self.src_zd, self.src_zfit, self.src_zpred = _fit_figure(
            "Nyquist", "Z' (ohm)", "-Z'' (ohm)", data_label="measured", model_label="predicted", size=6,
            height=360, match_aspect=True)
        self.fig_nyquist = _bokeh(f3)

        for x, cls in ((self.upload, "pbo-upload"), (self.sample, "pbo-sample"), (self.material, "pbo-material"),
                       (self.measured, "pbo-measured"), (self.mass, "pbo-mass"), (self.diameter, "pbo-diameter"),
                       (self.eis_upload, "pbo-eis-upload"), (self.eis_sample, "pbo-eis-sample"),
                       (self.eis_design, "pbo-eis-design"), (self.status, "pbo-status"),
                       (self.fig_density, "pbo-fig-density"), (self.fig_nyquist, "pbo-fig-nyquist")):
            x.add_class(cls)
        self.eis_message.add_class("pbo-eis-message")
        self.upload.observe(self._on_upload, names="value")
        self.sample.observe(self._on_sample, names="value")
        for x in (self.material, self.measured, self.mass, self.diameter, self.true_density, self.hold, self.temperature):
            x.observe(lambda _c: self.update(), names="value")
        self.eis_upload.observe(self._on_eis_upload, names="value")
        self.eis_sample.observe(self._on_eis_sample, names="value")
        for x in (self.eis_design, self.eis_use_cal):
            x.observe(lambda _c: self.update_eis(), names="value")

        self.widget = w.VBox([
            w.HTML(CSS),
            w.HTML("<h2 class='pbo-h'>1. Compaction and conductivity</h2><p>A CSV with a header row and units in the headers, e.g. "
                   "<code>pressure_MPa, thickness_um</code> (plus <code>mass_mg</code>, <code>diameter_mm</code>, or the "
                   "fields marked *) or <code>pressure [MPa], relative density [%]</code>; optional "
                   "<code>conductivity [mS/cm]</code>.</p>"),
            w.HBox([self.upload, self.sample]),
            w.HBox([w.VBox([self.material, self.measured, self.true_density]),
                    w.VBox([self.mass, self.diameter, self.hold, self.temperature])]),
            self.message, self.status,
            w.HBox([w.VBox([self.fig_density, self.alt_density]), w.VBox([self.fig_sigma, self.alt_sigma])]),
            self.table, self.downloads,
            w.HTML("<h2 class='pbo-h'>2. Impedance spectrum (optional)</h2><p>A CSV with <code>frequency_Hz, z_real_ohm, "
                   "-z_imag_ohm</code> (or <code>freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm</code>). The circuit predicted for the "
                   "chosen design is fitted to it, starting from the predicted values.</p>"),
            w.HBox([self.eis_upload, self.eis_sample]),
            w.HBox([self.eis_design, self.eis_use_cal]),
            self.eis_message,
            w.HBox([w.VBox([self.fig_nyquist, self.alt_nyquist]), self.eis_table]),
        ])
        self.widget.add_class("pbo-calibrate-app")
        self.fig_sigma.layout.display = "none"

    def _say_density(self) -> None:
        """The text alternatives of the two compaction figures, from their sources (after each update)."""
        self.alt_density.say(describe.fit_alternative("Relative density vs pressure", "pressure (MPa)",
                                                      "relative density", self.src_data.data, self.src_fit.data,
                                                      self.src_lib.data))
        shown = self.cal is not None and self.cal.conductivity is not None  # else the figure is hidden
        self.alt_sigma.say(describe.fit_alternative("Conductivity vs relative density", "relative density",
                                                    "conductivity (mS/cm)", self.src_sd.data, self.src_sfit.data,
                                                    self.src_slib.data) if shown else "")

    # ---------------------------------------------------------------- compaction
    def _on_upload(self, _change):
        self._take(_take_upload(self.upload, self._fail))

    def _on_sample(self, _change):
        self._take(_take_sample(self.sample.value, self.samples, self._fail))

    def _take(self, got) -> None:
        """Use a file: the material it names in its comments becomes the one compared with and calibrated."""
        from ..lab.measurements import named_material

        if got is not None:
            self._data = None  # no fit with the old file while the material changes
            named = named_material(got[1], self.material.options)
            if named is not None:
                self.material.value = named
            self._data = got
            self.update()

    def _fail(self, text: str) -> None:
        """Show why; keep the previous calibration (nothing changes)."""
        self.message.say(text)

    def update(self) -> None:
        from ..lab.calibrate import calibrate_compaction

        if self._data is None:
            return
        name, data = self._data
        try:
            with time_limit(SIMULATE_LIMIT_S, "The calibration fit", FIT_HINT):
                cal = calibrate_compaction(
                    data, self.material.value, filename=name, mass=float(self.mass.value),
                    diameter=float(self.diameter.value),
                    true_density=float(self.true_density.value) if self.true_density.value > 0 else None,
                    measured=self.measured.value, hold=float(self.hold.value),
                    temperature=float(self.temperature.value))
        except PressbookError as exc:
            self._fail(plain_message(exc) + ("" if self.cal is None else "  (the previous result is kept)"))
            return
        except Exception as exc:  # noqa: BLE001
            self._fail(_unexpected(exc))
            return
        self.cal = cal
        self.message.say("")
        self.status.value = (f"<div class='pbo-ok'>Fitted {html.escape(name)}: {len(cal.pressure)} points; Heckel "
                             f"R<sup>2</sup> = {cal.heckel.r2:.4f}. " + html.escape(" ".join(cal.notes)) + "</div>")
        P = np.linspace(0.0, max(float(np.max(cal.pressure)) * 1.1, 10.0), 120)
        self.src_data.data = {"x": cal.pressure.tolist(), "y": cal.density_measured.tolist()}
        self.src_fit.data = {"x": P.tolist(), "y": np.asarray(cal.predicted_density(P, "fit")).tolist()}
        self.src_lib.data = {"x": P.tolist(), "y": np.asarray(cal.predicted_density(P, "library")).tolist()}
        if cal.conductivity is not None:
            Dg = np.linspace(float(np.min(cal.sigma_density)) - 0.03, min(float(np.max(cal.sigma_density)) + 0.05, 0.999), 100)
            self.src_sd.data = {"x": cal.sigma_density.tolist(), "y": cal.sigma.tolist()}
            self.src_sfit.data = {"x": Dg.tolist(), "y": np.asarray(cal.predicted_conductivity(Dg, "fit")).tolist()}
            self.src_slib.data = {"x": Dg.tolist(), "y": np.asarray(cal.predicted_conductivity(Dg, "library")).tolist()}
            self.fig_sigma.layout.display = ""
        else:
            self.fig_sigma.layout.display = "none"
        self._say_density()
        rows = "".join(
            f"<tr><td>{html.escape(r['parameter'])}</td><td>{_num(r['value'])} &plusmn; {_num(r['se'])} "
            f"{html.escape(r['unit'])}</td><td>{'' if r['library'] is None else _num(r['library']) + ' ' + html.escape(r['unit'])}"
            "</td></tr>" for r in cal.table())
        self.table.value = (f"<table class='pbo-table'><tr><th>parameter</th><th>fitted (&plusmn; standard error)</th>"
                            f"<th>library: {html.escape(cal.base.id)}</th></tr>{rows}</table>"
                            f"<p>Calibrated material: <b>{html.escape(cal.material_id)}</b> (parameters not fitted are "
                            "the library's).</p>")
        stem = "".join(ch if ch.isalnum() else "_" for ch in cal.material_id)[:40].strip("_")
        self.downloads.value = download_link(cal.material_toml(), f"{stem}.toml", "application/toml",
                                             "Download calibrated material (TOML)")
        if self.eis_use_cal.value:
            self.update_eis()

    # ---------------------------------------------------------------- impedance
    def _on_eis_upload(self, _change):
        self._take_eis(_take_upload(self.eis_upload, self.eis_message.say))

    def _on_eis_sample(self, _change):
        self._take_eis(_take_sample(self.eis_sample.value, self.eis_samples, self.eis_message.say))

    def _take_eis(self, got) -> None:
        if got is not None:
            self._eis = got
            self.update_eis()

    def update_eis(self) -> None:
        from ..lab.spectrum import fit_outcome_spectrum
        from ..presets import preset
        from ..simulate import simulate

        if self._eis is None:
            return
        name, data = self._eis
        try:
            design = preset(self.eis_design.value)
            lib = None
            if self.eis_use_cal.value and self.cal is not None:
                lib = self.cal.library
                for layer in design.layers:
                    if layer.material == self.cal.base.id:
                        layer.material = self.cal.material_id
            with time_limit(SIMULATE_LIMIT_S, "The spectrum fit", FIT_HINT):
                outcome = simulate(design, lib)
                fit = fit_outcome_spectrum(data, outcome, filename=name)
        except PressbookError as exc:
            self.eis_message.say(plain_message(exc))
            return
        except Exception as exc:  # noqa: BLE001
            self.eis_message.say(_unexpected(exc))
            return
        self.eis_message.say("")
        s = fit.spectrum
        self.src_zd.data = {"x": s.z_real.tolist(), "y": (-s.z_imag).tolist()}
        self.src_zfit.data = {"x": fit.z_fit.real.tolist(), "y": (-fit.z_fit.imag).tolist()}
        from ..lab.spectrum import circuit_impedance

        zp = circuit_impedance(outcome.impedance.circuit, outcome.impedance.parameters, s.frequency)
        self.src_zpred.data = {"x": zp.real.tolist(), "y": (-zp.imag).tolist()}
        self.alt_nyquist.say(describe.spectrum_fit_alternative(s.frequency.tolist(), self.src_zd.data, self.src_zfit.data,
                                                               self.src_zpred.data))
        rows = "".join(f"<tr><td>{html.escape(r['parameter'])}</td><td>{_num(r['value'])} &plusmn; {_num(r['se'])} "
                       f"{html.escape(r['unit'])}{'' if r['determined'] else ' (not determined by these data)'}</td>"
                       f"<td>{_num(r['start'])}</td></tr>" for r in fit.table())
        self.eis_table.value = (f"<p>Circuit <code>{html.escape(fit.circuit)}</code>, relative rms residual "
                                f"{100 * fit.rms_relative:.2g} %</p><table class='pbo-table'><tr><th>element</th>"
                                f"<th>fitted (&plusmn; se)</th><th>predicted</th></tr>{rows}</table>")


def _num(x) -> str:
    if x is None:
        return ""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def calibrate_app(samples_dir="data") -> w.VBox:
    return CalibrateApp(samples_dir).widget
