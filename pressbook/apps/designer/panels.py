"""Result panels and actions: presets and status, summary, risks, compare A/B, save and share.

Panels that show results are views: callables ``panel(state)`` that the Controller calls after each
successful run. Actions (preset, pin, upload) write into the state.
"""
from __future__ import annotations

import base64
import re
from html import escape

import ipywidgets as w

from ...design import Design
from ...errors import MaterialDataError, PressbookError
from ...materials import YOURS
from ...presets import PRESETS, preset
from ...views.tables import diff_html, risks_html, summary_html
from ...views.words import plain_message, plain_units
from ..common import ErrorMessage, app_link, guarded
from .query import design_to_query
from .state import DesignerState


def _doc(name: str) -> str:
    """The preset's first paragraph in one line, without Markdown (a menu shows it as typed)."""
    first = (PRESETS[name].__doc__ or name).strip().split("\n\n")[0]
    return plain_units(" ".join(line.strip() for line in first.splitlines()).replace("*", ""))


class PresetBar(w.VBox):
    """Preset chooser (replaces the whole design) and the status line (what is not applied, and why)."""

    def __init__(self, state: DesignerState):
        self.state = state
        options = [(name, name) for name in PRESETS]  # a menu cannot wrap: what each preset is, under it, whole
        self.choice = w.Dropdown(options=options, value=state.preset if state.preset in PRESETS else None,
                                 description="preset", layout=w.Layout(width="560px"),
                                 style={"description_width": "50px"})
        self.choice.add_class("pb-preset")
        self.reload = w.Button(description="reload preset", tooltip="replace the design by the chosen preset again")
        self.reload.add_class("pb-preset-reload")
        g = guarded(state)
        self.choice.observe(g(lambda c: self.load(c["new"])), names="value")
        self.reload.on_click(g(lambda _b: self.load(self.choice.value)))
        self.about = w.HTML()
        self.about.add_class("pb-preset-about")
        self.status = w.HTML()
        self.status.add_class("pb-status")
        self.notice = w.HTML()
        self.notice.add_class("pb-notice")
        super().__init__([w.HBox([self.choice, self.reload]), self.about, self.status, self.notice])
        state.observe(self._status, names=["errors", "notice"])
        state.observe(self._show_preset, names="preset")
        self._quiet = False
        self._status()
        self._about()

    def _show_preset(self, change) -> None:
        """Show which preset the design came from (none after an upload or a link with changes)."""
        self._quiet = True
        try:
            self.choice.value = change["new"] if change["new"] in PRESETS else None
        finally:
            self._quiet = False
        self._about()

    def _about(self) -> None:
        """What the chosen preset is: its first paragraph, whole (empty when the design is not a preset)."""
        name = self.choice.value
        self.about.value = f"<span class='pb-hint'>{escape(_doc(name))}</span>" if name in PRESETS else ""

    def load(self, name) -> None:
        if name in PRESETS and not self._quiet:
            self.state.notice = ""
            self.state.set_design(preset(name), preset=name)

    def _status(self, _change=None) -> None:
        errors = self.state.errors
        if errors:
            msgs = "".join(f"<li>{escape(m)}</li>" for m in errors.values())
            self.status.value = (f"<div class='pb-error' role='alert'><b>Not updated</b>: the results below are for the "
                                 f"last valid design. Fix:<ul>{msgs}</ul></div>")
        else:
            self.status.value = ""
        # a note, not an error: the design was used (a link's problems are skipped, materials were added)
        self.notice.value = (f"<div class='pb-note' role='status'>{escape(self.state.notice)}</div>"
                             if self.state.notice else "")


class ResultsStatus(w.HTML):
    """A compact status above the results (class ``pb-results-status``): whether they are up to date. The
    full messages stay beside the fields and in the bar at the top."""

    def __init__(self, state: DesignerState):
        super().__init__()
        self.add_class("pb-results-status")
        self.state = state
        state.observe(self._show, names="errors")
        self._show()

    def _show(self, _change=None) -> None:
        n = len(self.state.errors)
        self.value = (f"<div class='pb-error' role='status'><b>Not updated</b>: these results are for the last valid "
                      f"design; {n} {'entry needs' if n == 1 else 'entries need'} fixing (see the message beside "
                      f"{'it' if n == 1 else 'them'}).</div>" if n else "<div role='status'></div>")


class SummaryPanel(w.HTML):
    """Summary table with units (view)."""

    def __init__(self):
        super().__init__()
        self.add_class("pb-summary")

    def __call__(self, state: DesignerState) -> None:
        self.value = summary_html(state.outcome)


class RiskPanel(w.HTML):
    """Every risk with its level and reason (view)."""

    def __init__(self):
        super().__init__()
        self.add_class("pb-risks")

    def __call__(self, state: DesignerState) -> None:
        self.value = risks_html(state.outcome)


class ComparePanel(w.VBox):
    """Pin the current design as A; A is overlaid in the figures and a table lists the differences (view)."""

    def __init__(self, state: DesignerState):
        self.state = state
        g = guarded(state)
        self.pin = w.Button(description="pin current as A", tooltip="keep the current design as A for comparison")
        self.unpin = w.Button(description="clear A", tooltip="stop comparing")
        self.restore = w.Button(description="go back to A", tooltip="make A the current design again")
        for b, css in ((self.pin, "pb-pin"), (self.unpin, "pb-unpin"), (self.restore, "pb-restore")):
            b.add_class(css)
        self.pin.on_click(g(lambda _b: state.pin()))
        self.unpin.on_click(g(lambda _b: state.unpin()))
        self.restore.on_click(g(lambda _b: state.restore_pinned()))
        self.table = w.HTML()
        self.table.add_class("pb-diff")
        super().__init__([w.HTML("<h3 class='pb-h'>Compare</h3><span class='pb-hint'>Pin a design as A, change it "
                                 "(B), and see both: A in grey/dashed in the plots, beside B in the cross-section."
                                 "</span>"), w.HBox([self.pin, self.unpin, self.restore]), self.table])
        self.add_class("pb-compare")

    def __call__(self, state: DesignerState) -> None:
        if state.pinned_outcome is None:
            self.table.value = "<span class='pb-hint'>No design pinned.</span>"
        else:
            self.table.value = diff_html(state.pinned_outcome, state.outcome)


def _filename(title: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-")[:60]
    return (stem or "design") + ".toml"


class SharePanel(w.VBox):
    """Download the design as TOML, upload a TOML/JSON design, and a link that opens this design (view)."""

    def __init__(self, state: DesignerState, base_url: str = ""):
        self.state = state
        self.base_url = base_url
        self.download = w.HTML()
        self.download.add_class("pb-download")
        self.upload = w.FileUpload(accept=".toml,.json", multiple=False, description="upload a design (TOML/JSON)",
                                   layout=w.Layout(width="250px"))
        self.upload.add_class("pb-upload")
        self.upload.observe(guarded(state)(self._on_upload), names="value")
        self.materials_upload = w.FileUpload(accept=".toml", multiple=False, description="upload materials (TOML)",
                                             layout=w.Layout(width="250px"),
                                             tooltip="your own materials, e.g. from the calibration app")
        self.materials_upload.add_class("pb-upload-materials")
        self.materials_upload.observe(guarded(state)(self._on_materials), names="value")
        self.on_library = None  # set by the app: called with the new Library
        self.link = w.Text(description="link to this design", layout=w.Layout(width="100%"),
                           style={"description_width": "130px"})
        self.link.add_class("pb-link")
        self.open_link = w.HTML()
        self.open_link.add_class("pb-link-open")
        self.bench = w.HTML()
        self.bench.add_class("pb-bench-card")
        self.error = ErrorMessage(state, lambda k: k == "file")
        super().__init__([w.HTML("<h3 class='pb-h'>Save and share</h3>"),
                          w.HBox([self.download, self.upload, self.materials_upload]),
                          self.error, self.link, w.HBox([self.open_link, self.bench])])
        self.add_class("pb-share")

    def __call__(self, state: DesignerState) -> None:
        design = state.design
        data = base64.b64encode(design.to_toml().encode("utf-8")).decode("ascii")
        self.download.value = (f'<a class="pb-download-link" download="{escape(_filename(design.title))}" '
                               f'href="data:application/toml;base64,{data}">⬇ download design (TOML)</a>')
        query = "?" + design_to_query(design)
        self.link.value = self.base_url + query
        self.open_link.value = f'<a class="pb-link-a" href="{escape(query)}" target="_blank">open this design in a new tab</a>'
        self.bench.value = app_link("protocol_card", design, "make the bench card (protocol card for your press)")

    def _on_materials(self, change) -> None:
        """Add the materials of an uploaded TOML file (the library format) to the designer's library.
        A link cannot carry them: download the design and the materials file to share."""
        files = change["new"]
        if not files or self.on_library is None:
            return
        f = files[0]
        try:
            raw = bytes(f["content"])
            if len(raw) > 1_000_000:
                raise MaterialDataError(f"{f.get('name', 'file')}: {len(raw)} bytes; allowed: at most 1000000 bytes")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise MaterialDataError(f"{f.get('name', 'file')}: not UTF-8 text; allowed: a materials TOML file") from None
            added = self.on_library(text, str(f.get("name", "materials file")))
        except PressbookError as exc:
            self.state.errors = {"file": plain_message(exc)}
        else:
            renamed = [a for a in added if a.endswith(YOURS)]
            notice = ("materials added: " + ", ".join(added) + " (use them by name in a layer)" if added else "") + (
                f"; {', '.join(renamed)}: the library already has a material of that name, which stays as it was"
                if renamed else "")
            bands = self.state.outcome.bands if self.state.outcome is not None else None
            if bands is not None and bands.laboratory.sd is not None:  # the file's [laboratory] table
                notice += ("; " if notice else "") + f"90 % bands now for {bands.laboratory.label}"
            self.state.notice = notice
        finally:
            self.materials_upload.value = ()

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        raw = bytes(f["content"])
        try:
            if str(f.get("name", "")).lower().endswith(".json"):
                design = Design.from_json(raw.decode("utf-8", errors="replace"))
            else:
                design = Design.from_toml(raw)
        except PressbookError as exc:
            self.state.errors = {"file": f"{f.get('name', 'file')}: {plain_message(exc)}"}
        else:
            self.state.notice = ""
            self.state.set_design(design)
        finally:
            self.upload.value = ()
