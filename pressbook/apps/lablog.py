"""The lab's pellet log as an app: log a pellet, enter what was measured, see predicted vs measured and
the control chart, recalibrate a powder lot and download it as a materials TOML (ipywidgets + Bokeh).

    from pressbook.apps.lablog import lab_log_app, setup
    setup()
    lab_log_app()

The database is ``PRESSBOOK_DB`` (a path or URL; default ~/.local/share/pressbook/pellets.sqlite); the
user is the database role when PostgreSQL enforces it, else ``JUPYTERHUB_USER``, ``PRESSBOOK_LOG_USER`` or
the OS user. In a Voila page whose visitor is none of these (no log-in) the log is read-only. With ``PRESSBOOK_LOG=off`` (what ``make serve-class`` sets)
the app only says the log is off: students do not write into a lab's database. Every callback turns an
error into a message (never a traceback); typed values go through ``pressbook.lab.lablog.records.clean``.
"""
from __future__ import annotations

import base64
import html

import ipywidgets as w
import numpy as np

from ..errors import PressbookError
from ..lab.lablog.records import predicted_pellet_um
from ..views import describe
from ..views.palette import OKABE_ITO
from ..views.words import plain_message
from . import common
from .designer.state import SIMULATE_LIMIT_S
from .kernel_guard import allow_large_messages
from .onboarding import CSS, FIT_HINT, Message, _unexpected, _upload_bytes, download_link
from .serving import time_limit
from .pellet_form import STYLE as _STYLE
from .pellet_form import READ_ONLY, PelletForm, in_voila, log_enabled, logged_sentence, visitor_unknown
from .pellet_form import text_box as _text

MAX_SPECTRUM_BYTES = 8_000_000   # below the 10 MiB websocket message limit (TOOLCHAIN)
INLINE_BYTES = 6_000_000         # raw files put into the page (thumbnails, download links), newest first
MAX_EXPORT_BYTES = 6_000_000     # a package offered for download in the page (base64: below the 10 MiB message limit)
MEASURE_FIELDS = (("thickness_um", "Whole pellet thickness", "the whole pellet, e.g. 730 µm or 0.73 mm"),
                  ("ejected_density", "Ejected relative density", "e.g. 0.84 or 84 %"),
                  ("conductivity_mS_cm", "Ionic conductivity", "e.g. 2.1 mS/cm"),
                  ("conductivity_temperature_C", "measured at", "e.g. 25 °C"),
                  ("stack_pressure_MPa", "under stack pressure", "e.g. 5 MPa or 50 bar"),
                  ("cycles_to_short", "Cycles to short", "empty: no short / not cycled"))
OUTCOMES = ("cracked", "delaminated", "shorted")
#: the unit a measurement is shown with after saving (the record keeps the number in the field's unit)
SHOWN_UNITS = {"thickness_um": "µm", "conductivity_mS_cm": "mS/cm", "conductivity_temperature_C": "°C",
               "stack_pressure_MPa": "MPa"}


def setup() -> w.HTML:
    common.load_bokehjs()
    return w.HTML(CSS)


def _friendly(exc: Exception) -> str:
    return plain_message(exc) if isinstance(exc, PressbookError) else _unexpected(exc)


def _query_design():
    """The design of the page's link (?design=... as the designer writes it), or None."""
    from .designer.app import request_query
    from .designer.query import design_from_query, parse_query

    query = request_query()
    if not query or not parse_query(query):
        return None
    design, _notes = design_from_query(query)
    return design


class LabLogApp:
    """The four parts of the page: log a pellet, measurements, the lab's numbers, recalibration."""

    def __init__(self, db=None, design=None):
        from ..lab.lablog import open_log
        from ..presets import PRESETS

        self.log = _open_for_page(open_log, db)
        if visitor_unknown(self.log):
            self.log.read_only = READ_ONLY    # every write refuses, whatever a page sends
        self.link_design = design
        self.table = None
        self.version = None          # version of the record in the measurement form
        self.recal = None
        # ------------------------------------------------------------ log a pellet
        sources = [(f"preset: {k}", k) for k in PRESETS]
        if design is not None:
            sources = [(f"from the link: {design.title or 'design'}", "__link__")] + sources
        self.source = w.Dropdown(options=sources, value=sources[0][1], description="Design", style=_STYLE,
                                 layout=w.Layout(width="560px"))
        self.upload = w.FileUpload(accept=".toml,.json", multiple=False, description="Upload design")
        self._uploaded = None
        self.form = PelletForm(self.log.user)
        self.log_button = w.Button(description="Log this pellet", button_style="primary")
        self.log_button.add_class("pbl-log")
        self.log_message = Message()
        # ------------------------------------------------------------ measurements
        self.pellet = w.Dropdown(options=[], description="Pellet", style=_STYLE, layout=w.Layout(width="640px"))
        self.pellet.add_class("pbl-pellet")
        self.measure = {name: _text(label, hint, css=f"pbl-m-{name.replace('_', '-')}")
                        for name, label, hint in MEASURE_FIELDS}
        self.outcome = {name: w.Dropdown(options=[("not known", ""), ("no", "no"), ("yes", "yes")], value="",
                                         description=name.capitalize(), style=_STYLE, layout=w.Layout(width="320px"))
                        for name in OUTCOMES}
        for name, box in self.outcome.items():
            box.add_class(f"pbl-m-{name}")
        self.notes = w.Textarea(description="Notes", style=_STYLE, layout=w.Layout(width="640px", height="60px"))
        self.notes.add_class("pbl-m-notes")
        self.spectrum = w.FileUpload(accept="", multiple=False, description="Raw impedance file",
                                     layout=w.Layout(width="auto"))  # the whole label, never "Raw impedance fi..."
        self.spectrum.add_class("pbl-spectrum")
        self.photo = w.FileUpload(accept=".png,.jpg,.jpeg,image/png,image/jpeg", multiple=False,
                                  description="Photo (PNG or JPEG)", layout=w.Layout(width="auto"))
        self.photo.add_class("pbl-photo")
        from ..lab.lablog.store import MAX_PHOTO_BYTES

        #: uploads whose file did not reach the kernel (too large even for their allowance): label -> size
        self.refused_uploads: dict[str, int] = {}
        for label, box, limit in (("raw impedance file", self.spectrum, MAX_SPECTRUM_BYTES),
                                  ("photo", self.photo, MAX_PHOTO_BYTES)):
            allow_large_messages(box, limit, lambda size, label=label, limit=limit: self._upload_refused(label, size, limit))
        self.files_view = w.HTML()
        self.files_view.add_class("pbl-files")
        self.save_button = w.Button(description="Save measurements", button_style="primary")
        self.save_button.add_class("pbl-save")
        self.save_message = Message()
        self.record_view = w.HTML()
        self.record_view.add_class("pbl-record")
        # ------------------------------------------------------------ the lab
        self.filter_lot = w.Dropdown(options=[("all lots", "")], description="Lot", layout=w.Layout(width="300px"))
        self.filter_operator = w.Dropdown(options=[("all operators", "")], description="Operator",
                                          layout=w.Layout(width="300px"))
        self.filter_lot.add_class("pbl-filter-lot")
        self.summary = w.HTML()
        self.summary.add_class("pbl-summary")
        parity_fig, chart_fig = self._figures()
        self.parity_widget = common.bokeh(parity_fig)
        self.parity_widget.add_class("pbl-parity")
        self.chart_widget = common.bokeh(chart_fig)
        self.parity_text, self.chart_text = common.FigureText(), common.FigureText()  # for screen readers
        # ------------------------------------------------------------ recalibration
        self.recal_lot = w.Dropdown(options=[], description="Powder lot", style=_STYLE, layout=w.Layout(width="420px"))
        self.recal_lot.add_class("pbl-recal-lot")
        self.recal_button = w.Button(description="Recalibrate this lot")
        self.recal_button.add_class("pbl-recalibrate")
        self.recal_message = Message()
        self.recal_view = w.HTML()
        self.recal_view.add_class("pbl-recal")
        self.downloads = w.HTML()
        self.downloads.add_class("pbo-download")
        self.downloads.add_class("pbl-download")
        # the lot's conductivities against their bands before and after the laboratory's update (shown once a
        # recalibrated lot has measured conductivities)
        self.bands_widget = common.bokeh(self._bands_figure())
        self.bands_widget.add_class("pbl-bands")
        self.bands_text = common.FigureText()
        self.bands_box = w.VBox([self.bands_widget, self.bands_text], layout=w.Layout(display="none"))
        # ------------------------------------------------------------ export
        self.export_button = w.Button(description="Export these pellets (zip)", layout=w.Layout(width="auto"),
                                      tooltip="a round-robin package another lab imports: CSV, JSON and raw files")
        self.export_button.add_class("pbl-export")
        self.export_anonymous = w.Checkbox(value=False, description="replace people's names (person-1, ...)",
                                           indent=False, layout=w.Layout(width="auto"))
        self.export_anonymous.add_class("pbl-export-anonymous")
        self.export_message = Message()
        self.export_view = w.HTML()
        self.export_view.add_class("pbo-download")
        self.export_view.add_class("pbl-export-link")
        # ------------------------------------------------------------ wiring
        self.log_button.on_click(lambda _b: self._guard(self.log_message, self.log_pellet))
        self.save_button.on_click(self._save)
        self.pellet.observe(lambda _c: self._guard(self.save_message, self.show_pellet), names="value")
        self.upload.observe(lambda _c: self._guard(self.log_message, self._on_upload), names="value")
        for f in (self.filter_lot, self.filter_operator):
            f.observe(lambda _c: self._guard(self.recal_message, self.refresh_lab), names="value")
        self.recal_button.on_click(lambda _b: self._guard(self.recal_message, self.recalibrate))
        self.export_button.on_click(lambda _b: self._guard(self.export_message, self.export))
        section = lambda title: w.HTML(f"<h2 class='pbo-h'>{html.escape(title)}</h2>")  # noqa: E731 (under the h1)
        who = ("read-only" if self.log.read_only else f"logged as <b>{html.escape(self.log.user)}</b>")
        self.read_only_note = w.HTML(f"<p class='pbl-read-only' role='note'>{html.escape(self.log.read_only)}</p>"
                                     if self.log.read_only else "")
        if self.log.read_only:
            for box in (self.source, self.upload, *self.form.boxes, self.log_button, *self.measure.values(),
                        *self.outcome.values(), self.notes, self.spectrum, self.photo, self.save_button):
                box.disabled = True
        self.widget = w.VBox([
            w.HTML(CSS), w.HTML(f"<p class='pbl-where'>Pellets of <b>{html.escape(self._where())}</b>, {who}.</p>"),
            self.read_only_note,
            section("1. Log a pellet"), w.HBox([self.source, self.upload]),
            self.form.widget,
            self.log_button, self.log_message,
            section("2. What was measured"), self.pellet, self.record_view,
            w.HBox([w.VBox([self.measure[n] for n, _, _ in MEASURE_FIELDS]),
                    w.VBox([*self.outcome.values(), self.spectrum, self.photo])]),
            self.notes, self.save_button, self.save_message, self.files_view,
            section("3. The lab: predicted vs measured, reproducibility"),
            w.HBox([self.filter_lot, self.filter_operator]), self.summary,
            w.HBox([self.parity_widget, self.chart_widget]), self.parity_text, self.chart_text,
            w.HBox([self.export_button, self.export_anonymous]), self.export_message, self.export_view,
            section("4. Recalibrate a powder lot"), w.HBox([self.recal_lot, self.recal_button]), self.recal_message,
            self.recal_view, self.downloads, self.bands_box])
        self.widget.add_class("pbl-app")
        self.refresh()
        for fig in (self.parity_widget, self.chart_widget):  # the first data in what the page reads on connecting
            fig.refresh()

    # ---------------------------------------------------------------- helpers
    def _where(self) -> str:
        """Which log this is, in words (never a database address: it may name a server and its user)."""
        return "this computer's log" if self.log.engine.url.get_backend_name() == "sqlite" else "the lab's log (shared)"

    @staticmethod
    def _guard(message, fn, *args):
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - every error becomes a message, never a traceback
            message.say(_friendly(exc))

    def _figures(self):
        from bokeh.models import BasicTicker, ColumnDataSource, NumeralTickFormatter, Range1d, Span
        from bokeh.plotting import figure

        self.src_parity = ColumnDataSource({"x": [], "y": [], "uid": [], "lot": [], "lo": [], "hi": []})
        self.src_line = ColumnDataSource({"x": [0.5, 1.0], "y": [0.5, 1.0]})
        p = figure(width=470, height=380, title="Ejected relative density: predicted vs measured",
                   x_axis_label="predicted", y_axis_label="measured", tools="pan,wheel_zoom,box_zoom,reset,save,hover",
                   tooltips=[("pellet", "@uid"), ("lot", "@lot")], output_backend="webgl")
        p.line("x", "y", source=self.src_line, color="#555555", line_dash="dashed", legend_label="measured = predicted")
        # the model's 5-95 % range of each prediction, drawn across (nan where a record has none: not drawn)
        p.segment("lo", "y", "hi", "y", source=self.src_parity, color=OKABE_ITO["sky"], line_width=2, alpha=0.6,
                  legend_label="model's 5-95 % range")
        p.scatter("x", "y", source=self.src_parity, size=7, alpha=0.7, color=OKABE_ITO["blue"], legend_label="pellets")
        common.legend_outside(p, "below")  # beside the plot: never over the pellets
        self.src_chart = ColumnDataSource({"x": [], "y": [], "date": []})
        self.src_out = ColumnDataSource({"x": [], "y": []})
        c = figure(width=470, height=380, title="Control chart: measured density in pressing order",
                   x_axis_label="pellet (in pressing order)", y_axis_label="ejected relative density",
                   tools="pan,wheel_zoom,box_zoom,reset,save", output_backend="webgl", y_range=Range1d(0.5, 1.0))
        c.xaxis.ticker = BasicTicker(min_interval=1)  # pellets are counted: whole numbers
        c.xaxis.formatter = NumeralTickFormatter(format="0")
        c.line("x", "y", source=self.src_chart, color=OKABE_ITO["blue"])
        c.scatter("x", "y", source=self.src_chart, size=5, color=OKABE_ITO["blue"])
        c.scatter("x", "y", source=self.src_out, size=10, marker="x", color=OKABE_ITO["vermillion"],
                  legend_label="out of control")
        self.spans = [Span(location=0, dimension="width", line_dash=dash, line_color=colour)
                      for dash, colour in (("solid", "#555555"), ("dashed", OKABE_ITO["vermillion"]),
                                           ("dashed", OKABE_ITO["vermillion"]))]
        for s in self.spans:
            c.add_layout(s)
        common.legend_outside(c, "below")
        self.chart_fig, self.chart_range = c, c.y_range
        return p, c

    def _bands_figure(self):
        """Measured vs predicted conductivity, each pellet with its prediction's 90 % band for a new laboratory
        (wide, pale) and for this laboratory after the update (narrow, dark), drawn across at its measured value."""
        from bokeh.models import ColumnDataSource
        from bokeh.plotting import figure

        self.src_bands = ColumnDataSource({k: [] for k in ("x", "y", "uid", "lo_new", "hi_new", "lo_lab", "hi_lab")})
        self.src_bands_line = ColumnDataSource({"x": [], "y": []})
        f = figure(width=470, height=380, title="Conductivity of the lot: the 90 % band before and after your pellets",
                   x_axis_label="predicted (mS/cm)", y_axis_label="measured (mS/cm)",
                   tools="pan,wheel_zoom,box_zoom,reset,save,hover", tooltips=[("pellet", "@uid")])
        f.line("x", "y", source=self.src_bands_line, color="#555555", line_dash="dashed",
               legend_label="measured = predicted")
        f.segment("lo_new", "y", "hi_new", "y", source=self.src_bands, color=OKABE_ITO["sky"], line_width=6,
                  alpha=0.5, legend_label="90 % band, a new laboratory")
        f.segment("lo_lab", "y", "hi_lab", "y", source=self.src_bands, color=OKABE_ITO["vermillion"], line_width=2,
                  legend_label="90 % band, this laboratory")
        f.scatter("x", "y", source=self.src_bands, size=7, color=OKABE_ITO["blue"], legend_label="pellets")
        f.toolbar.logo = None
        common.legend_outside(f, "below", ncols=1)  # a pellet is inside a band when its segment crosses the diagonal
        return f

    def show_bands(self, rc) -> None:
        """Draw lot ``rc.lot``'s conductivities against their bands before and after the laboratory's update
        (``rc.laboratory``); hidden when the lot has no measured conductivity."""
        from ..lab.lablog.stats import conductivity_bands
        from .figure_widget import hold

        if rc.laboratory is None:
            self.bands_box.layout.display = "none"
            return
        t = self.log.table(lot=rc.lot)  # with each pellet's design (its band is recomputed)
        cb = conductivity_bands(t, rc.laboratory, lot=rc.lot)
        ends = [v for k in ("lo_new", "hi_new", "lo_lab", "hi_lab", "predicted", "measured") for v in cb[k]]
        with hold([self.bands_widget]):
            self.src_bands.data = {"x": cb["predicted"], "y": cb["measured"], "uid": [u[:8] for u in cb["uid"]],
                                   **{k: cb[k] for k in ("lo_new", "hi_new", "lo_lab", "hi_lab")}}
            self.src_bands_line.data = {"x": [0.0, max(ends, default=1.0)], "y": [0.0, max(ends, default=1.0)]}
        self.bands_text.say(describe.conductivity_bands_alternative(cb, rc.laboratory.label))
        self.bands_box.layout.display = "flex" if cb["n"] else "none"

    # ---------------------------------------------------------------- 1. log a pellet
    def _on_upload(self):
        from ..design import Design

        got = _upload_bytes(self.upload, 1_000_000)
        if got is None:
            return
        name, data = got
        design = Design.from_json(data) if name.lower().endswith(".json") else Design.from_toml(data)
        self._uploaded = (name, design)
        opts = [o for o in self.source.options if o[1] != "__upload__"]
        self.source.options = [(f"uploaded: {name}", "__upload__")] + opts
        self.source.value = "__upload__"

    def design(self):
        from ..presets import preset

        if self.source.value == "__upload__" and self._uploaded:
            return self._uploaded[1].copy()
        if self.source.value == "__link__" and self.link_design is not None:
            return self.link_design.copy()
        return preset(self.source.value)

    def log_pellet(self, _button=None) -> dict:
        rec = self.form.log(self.log, self.design())
        self.refresh(select=rec["uid"])
        self.log_message.say(logged_sentence(rec) + " Enter what was measured below.")
        return rec

    # ---------------------------------------------------------------- 2. measurements
    def show_pellet(self):
        uid = self.pellet.value
        if not uid:
            self.version, self.record_view.value, self.files_view.value = None, "", ""
            return
        rec = self.log.get(uid)
        self.version = rec["version"]
        for name, box in self.measure.items():
            box.value = "" if rec[name] is None else f"{rec[name]:g} {SHOWN_UNITS.get(name, '')}".strip()
        for name, box in self.outcome.items():
            box.value = "" if rec[name] is None else ("yes" if rec[name] else "no")
        self.notes.value = rec["notes"] or ""
        pellet = predicted_pellet_um(rec)
        self.measure["thickness_um"].placeholder = ("the whole pellet" if pellet is None else
                                                    f"the whole pellet; predicted {pellet:.0f} µm")
        self.record_view.value = (
            f"<p>Pellet <code>{uid}</code>, version {rec['version']}, owner {html.escape(rec['owner'])}: "
            f"{html.escape(rec['material'])} lot {html.escape(rec['lot'] or '-')}, layer "
            f"{html.escape(rec['subject_layer'])} pressed at {rec['pressure_MPa']:g} MPa. Predicted: whole pellet "
            f"<span class='pbl-pred-pellet'>{_g(pellet)} µm</span> thick (the {html.escape(rec['subject_layer'])} "
            f"layer {_g(rec['pred_thickness_um'])} µm of it); the {html.escape(rec['subject_layer'])} layer's ejected "
            f"density {_g(rec['pred_density'])}, conductivity {_g(rec['pred_conductivity_mS_cm'])} mS/cm "
            f"(pressbook {html.escape(rec['pressbook_version'])}, library {html.escape(rec['library_version'])})."
            + _thickness_comparison(rec["thickness_um"], pellet) + "</p>")
        self.files_view.value = self._files_html(uid)

    def _files_html(self, uid: str) -> str:
        """The pellet's raw files: photos as thumbnails, each file a download link (newest first, as many
        as fit in INLINE_BYTES; the others are named: they are in the exported package)."""
        from ..lab.lablog.store import image_type

        files = self.log.raw_files(uid)[::-1]
        if not files:
            return "<p>No raw files or photos yet.</p>"
        budget, items = INLINE_BYTES, []
        for f in files:
            name = html.escape(f["name"])
            when = f"{f['added_at'][:10]}, {html.escape(f['added_by'])}, {f['size'] / 1e3:.0f} kB"
            if f["size"] > budget:
                items.append(f"<li>{name} ({when}): too large to show here; it is in the exported package</li>")
                continue
            budget -= f["size"]
            content = self.log.raw_file(uid, f["name"])
            mime = image_type(content) if f["kind"] == "photo" else None
            link = download_link(content, f["name"], mime or "application/octet-stream", f"download {f['name']}")
            thumb = ""
            if mime:
                b64 = base64.b64encode(content).decode("ascii")
                thumb = (f"<img class='pbl-thumb' src='data:{mime};base64,{b64}' alt='photo {name} of the pellet' "
                         "style='max-width:160px;max-height:120px;display:block'>")
            items.append(f"<li>{thumb}{link} ({f['kind']}, {when})</li>")
        return "<p>Raw files and photos:</p><ul class='pbl-file-list'>" + "".join(items) + "</ul>"

    def _save(self, _button=None):
        try:
            self.save()
        except Exception as exc:  # noqa: BLE001 - the form keeps what was typed
            self.save_message.say(_friendly(exc))

    def _upload_refused(self, label: str, size: int, limit: int):
        """An upload too large to reach the kernel: said at once, and the next save refuses (nothing written)."""
        self.refused_uploads[label] = size
        self.save_message.say(_refused_words(label, size, limit) + " Choose a smaller file.")

    def save(self) -> dict:
        from ..lab.lablog import ConflictError
        from ..lab.lablog.store import MAX_PHOTO_BYTES, check_photo

        uid = self.pellet.value
        if not uid:
            raise PressbookError("pellet: none chosen; allowed: log a pellet first, then choose it")
        if self.refused_uploads:   # never a "Saved" that silently left a file out
            label, size = next(iter(self.refused_uploads.items()))
            self.refused_uploads.clear()
            limit = MAX_PHOTO_BYTES if label == "photo" else MAX_SPECTRUM_BYTES
            raise PressbookError(_refused_words(label, size, limit) + " Nothing was saved: choose a smaller file, "
                                 "or save the measurements again without it.")
        changes = {name: box.value.strip() or None for name, box in self.measure.items()}
        changes.update({name: box.value or None for name, box in self.outcome.items()})
        changes["notes"] = self.notes.value
        got = _upload_bytes(self.spectrum, MAX_SPECTRUM_BYTES)
        photo = _upload_bytes(self.photo, MAX_PHOTO_BYTES)
        if photo is not None:
            check_photo(*photo)   # before saving anything: a file that is not a photo changes nothing
        try:
            rec = self.log.update(uid, self.version, **changes)
        except ConflictError as exc:
            self.save_message.say(str(exc))   # the form keeps the typed values: reload = choose the pellet again
            return exc.current
        note = ""
        if got is not None:
            self.log.attach(uid, got[0], got[1], "impedance")
            self.spectrum.value = ()
            note = " " + _spectrum_note(rec, *got)
        if photo is not None:
            self.log.attach(uid, photo[0], photo[1], "photo")
            self.photo.value = ()
            note += f" Photo {photo[0]} added."
        self.refresh(select=uid)
        self.show_pellet()
        self.save_message.say(f"Saved pellet {uid[:8]} (version {rec['version']}).{note}")
        return rec

    # ---------------------------------------------------------------- 3. the lab
    def refresh(self, select: str | None = None):
        from ..lab.lablog.stats import COLUMNS, outliers

        self.table = self.log.table(COLUMNS)
        t = self.table
        labels = [(f"{d} · {m} · lot {l or '-'} · {o} · {u[:8]}", u)
                  for d, m, l, o, u in zip(t["pressed_on"], t["material"], t["lot"], t["operator"], t["uid"])][::-1][:500]
        keep = select or self.pellet.value
        self.pellet.options = labels
        self.pellet.value = keep if keep in {u for _, u in labels} else (labels[0][1] if labels else None)
        lots = sorted({l for l in t["lot"] if l})
        for box, values, everything in ((self.filter_lot, lots, "all lots"),
                                        (self.filter_operator, sorted(set(t["operator"])), "all operators")):
            old = box.value
            box.options = [(everything, "")] + [(v, v) for v in values]
            box.value = old if old in values else ""
        chosen = self.recal_lot.value
        self.recal_lot.options = lots
        self.recal_lot.value = chosen if chosen in lots else (lots[0] if lots else None)
        self.refresh_lab()
        self.outliers = outliers(t)

    def refresh_lab(self):
        from ..lab.lablog.stats import control_chart, parity, reproducibility
        from .figure_widget import hold

        t = self.table
        lot, op = self.filter_lot.value, self.filter_operator.value
        if lot or op:
            keep = [(not lot or a == lot) and (not op or b == op) for a, b in zip(t["lot"], t["operator"])]
            t = {k: [v for v, k2 in zip(vals, keep) if k2] for k, vals in t.items()}
        par = parity(t)
        chart = control_chart(t)
        lots = dict(zip(self.table["uid"], self.table["lot"]))
        with hold([self.parity_widget, self.chart_widget]):
            self.src_parity.data = {"x": par["predicted"], "y": par["measured"], "uid": [u[:8] for u in par["uid"]],
                                    "lot": [lots[u] for u in par["uid"]], "lo": par.get("lo", np.full(par["n"], np.nan)),
                                    "hi": par.get("hi", np.full(par["n"], np.nan))}
            self.src_chart.data = {"x": chart["index"], "y": chart["value"], "date": chart["pressed_on"]}
            self.src_out.data = {"x": chart["index"][chart["out"]], "y": chart["value"][chart["out"]]}
            for span, y in zip(self.spans, (chart["centre"], chart["ucl"], chart["lcl"])):
                span.location = float(y) if np.isfinite(y) else None
            self.chart_range.start, self.chart_range.end = chart_y_range(chart)
        self.parity_text.say(describe.parity_alternative(par))
        self.chart_text.say(describe.control_chart_alternative(chart))
        rows = "".join(f"<tr><td>{html.escape(str(r['operator']))}</td><td>{r['n']}</td><td>{_g(r['mean'])}</td>"
                       f"<td>{_g(r['sd'])}</td><td>{_g(100 * r['cv'])} %</td><td>{_g(r['mean_error'])}</td></tr>"
                       for r in reproducibility(t, by="operator")) if par["n"] else ""
        self.summary.value = (
            f"<p>{len(t['uid'])} pellets, {par['n']} with a measured density: mean error (measured - predicted) "
            f"{_g(par['bias'])}, RMS {_g(par['rmse'])}"
            + (f"; {par['inside']} of {par['with_range']} inside the model's 5-95 % range" if par.get("with_range") else "")
            + ".</p>"
            + (f"<table class='pbo-table'><tr><th>operator</th><th>n</th><th>mean</th><th>sd</th><th>CV</th>"
               f"<th>mean error</th></tr>{rows}</table>" if rows else ""))

    def export(self) -> bytes:
        """The pellets chosen above (lot, operator) as a round-robin package, offered as a download."""
        from ..lab.lablog.exchange import export_package

        filters = {k: v for k, v in (("lot", self.filter_lot.value), ("operator", self.filter_operator.value)) if v}
        self.export_view.value = ""
        data = export_package(self.log, identities=not self.export_anonymous.value, **filters)
        if len(data) > MAX_EXPORT_BYTES:
            raise PressbookError(f"export: {len(data) / 1e6:.0f} MB is too large to download from this page; allowed: "
                                 f"at most {MAX_EXPORT_BYTES // 1_000_000} MB here (choose a lot or an operator "
                                 "above), or the whole log with the command `pressbook log export`")
        stem = "_".join(["pellets", *(v for v in filters.values())])
        stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:60]
        self.export_view.value = download_link(data, f"{stem}.zip", "application/zip",
                                               f"Download {stem}.zip ({len(data) / 1e3:.0f} kB)")
        self.export_message.clear()
        return data

    # ---------------------------------------------------------------- 4. recalibration
    def recalibrate(self):
        from ..lab.lablog.stats import recalibrate

        lot = self.recal_lot.value
        if not lot:
            raise PressbookError("lot: none chosen; allowed: a powder lot with logged pellets")
        rc = recalibrate(self.table, lot)
        self.recal = rc
        rows = "".join(f"<tr><td>{html.escape(r['parameter'])}</td><td>{_g(r['value'])} +- {_g(r['se'])} "
                       f"{html.escape(r['unit'])}</td><td>{_g(r['library'])}</td></tr>"
                       for r in rc.calibration.table() if r["library"] is not None)
        self.recal_view.value = (
            f"<p>{html.escape(rc.material_id)}: fitted to {rc.n} pellets of lot {html.escape(lot)}. Cross-validated "
            f"({rc.folds} folds) RMS error of the ejected density: library {_g(rc.cv_density_before)} -> recalibrated "
            f"<b>{_g(rc.cv_density_after)}</b>"
            + (f"; of ln(conductivity): {_g(rc.cv_conductivity_before)} -> <b>{_g(rc.cv_conductivity_after)}</b>"
               if np.isfinite(rc.cv_conductivity_after) else "")
            + ".</p><table class='pbo-table'><tr><th>parameter</th><th>fitted</th><th>library</th></tr>"
            + rows + "</table>")
        stem = "".join(ch if ch.isalnum() else "_" for ch in rc.material_id)[:60]
        self.downloads.value = download_link(rc.toml, f"{stem}.toml", "application/toml",
                                             "Download the material (TOML) for the designer"
                                             + (f" (with the bands of {rc.laboratory.label})" if rc.laboratory
                                                else ""))
        self.show_bands(rc)


def _refused_words(label: str, size: int, limit: int) -> str:
    return (f"The {label} chosen (more than {(size - 1) / 1e6:.1f} MB) did not reach the server: a {label} may be "
            f"at most {limit / 1e6:g} MB.")


def _open_for_page(open_log, db):
    """``open_log(db)``; in a Voila page a log that cannot be opened is a message without the database's
    address or path (it may name a server, a user or a folder): the reason goes to the server's log."""
    try:
        return open_log(db)
    except PressbookError as exc:
        if not in_voila():
            raise
        from .designer.state import log, new_error_id

        eid = new_error_id()
        log.error("pellet log: cannot open the database (error id %s): %s", eid, exc)
        raise PressbookError(f"The pellet log cannot be opened on this server (error id {eid}); whoever runs the "
                             "server finds the reason in its log under that id.") from None


def _spectrum_note(rec: dict, name: str, content: bytes) -> str:
    """One sentence on a raw impedance file: Kramers-Kronig check, then the predicted circuit's fit."""
    from ..lab.lablog.spectra import fit_logged_spectrum

    try:
        with time_limit(SIMULATE_LIMIT_S, "The spectrum fit", FIT_HINT):   # as in the calibration app
            kk, fit = fit_logged_spectrum(rec, name, content)
    except PressbookError as exc:
        return f"The file {name} is kept but was not fitted: {exc}"
    except Exception as exc:  # noqa: BLE001 - the readers raise many kinds
        return f"The file {name} is kept but was not fitted ({type(exc).__name__})."
    valid = ("passes the Kramers-Kronig check" if kk["valid"] else
             f"fails the Kramers-Kronig check (residuals up to {100 * kk['max_residual']:.1f} %: drift or noise)")
    return (f"The spectrum {name} {valid}; fitted with {fit.circuit}: {fit.names[0]} = {_g(fit.values[0])} ohm "
            f"(predicted {_g(rec['predicted']['impedance']['parameters'][0])} ohm).")


def chart_y_range(chart: dict, pad: float = 0.1) -> tuple[float, float]:
    """The control chart's y range: every point and both control limits inside, ``pad`` of the span beyond
    them (a flat chart: +-0.01); (0.5, 1) with nothing to show."""
    ys = [float(v) for v in np.asarray(chart["value"], float) if np.isfinite(v)]
    ys += [float(chart[k]) for k in ("ucl", "lcl") if chart.get(k) is not None and np.isfinite(chart[k])]
    if not ys:
        return 0.5, 1.0
    lo, hi = min(ys), max(ys)
    margin = pad * (hi - lo) if hi > lo else 0.01
    return lo - margin, hi + margin


def _thickness_comparison(measured, predicted) -> str:
    """" Measured: whole pellet 740 µm, 10 µm (1.4 %) thicker than predicted." (empty when either is missing)"""
    if measured is None or predicted is None or not predicted > 0:
        return ""
    d = measured - predicted
    way = "thicker" if d > 0 else "thinner" if d < 0 else "as thick"
    return (f" Measured: whole pellet <span class='pbl-meas-pellet'>{measured:g} µm</span>, "
            + (f"{abs(d):.0f} µm ({100 * abs(d) / predicted:.1f} %) {way} than predicted." if d else "as predicted."))


def _g(x) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.4g}"


def log_link(design) -> str:
    """"Log this pellet": a link to the pellet log app beside the current notebook, carrying ``design``
    (as the designer's share link does); empty when the log is off (PRESSBOOK_LOG=off)."""
    from .designer.query import encode_design

    if not log_enabled():
        return ""
    return (f'<a class="pbl-log-link" href="lab_log.ipynb?design={encode_design(design)}" target="_blank">'
            "Log this pellet</a>")


def lab_log_app(db=None) -> w.Widget:
    """The pellet log app, or a message when the log is off or cannot be opened."""
    if not log_enabled():
        msg = Message()
        msg.say("The pellet log is off on this server (a class server: students do not write into a lab's "
                "log). Whoever runs the server can switch it on for a lab (see the README, the lab's pellet log).")
        return msg

    def build():
        try:
            design = _query_design()
        except PressbookError:
            design = None
        return LabLogApp(db, design).widget

    return common.guarded_builder(build, Message, _friendly)()
