"""The sequence designer: editors + Bokeh views + compare + save/share, on one DesignerState.

In a notebook (or Voila), as notebooks/designer.ipynb does::

    from pressbook.apps.designer.app import build_designer, load_bokehjs, request_query
    load_bokehjs()
    designer = build_designer()             # the default design, before the page request
    display(designer)
    designer.apply_query(request_query())   # the link's design

``request_query()`` waits for the page request in Voila's preheat mode (``voila.utils.wait_for_request``)
and returns the URL query (``QUERY_STRING``; '' in JupyterLab). A preheated kernel has thus built the
whole app before a student arrives. ``build_designer(query)`` also builds on a query directly (the
figures are then serialised with its design in them).
"""
from __future__ import annotations

import copy
import os

import ipywidgets as w

from ...views.tables import STYLE
from ...views.words import plain_text
from ..common import load_bokehjs  # noqa: F401 - public name of the designer notebook (one loader for all)
from .editors import DieEditor, LayersEditor, StepsEditor
from .figures import DesignerFigures
from .log_panel import LogPanel
from .panels import ComparePanel, PresetBar, ResultsStatus, RiskPanel, SharePanel, SummaryPanel

# Imported at the top: the designer notebook builds the app before the page request, so a preheated
# Voila kernel has done all of this when a student arrives.
from .query import DEFAULT_PRESET, design_from_query, parse_query
from .state import Controller, DesignerState, log


def request_query() -> str:
    """The page's URL query in Voila (waiting for the request when the kernel was preheated), else ''."""
    if os.environ.get("VOILA_PREHEAT", "False") != "False":  # import only then: voila.utils is slow to import
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "")


def page_url() -> str:
    """The page's address without the query, from the request Voila put in the environment ('' elsewhere).
    The scheme is not passed on by Voila: https is assumed on port 443, else http."""
    host, path = os.environ.get("SERVER_NAME", ""), os.environ.get("SCRIPT_NAME", "")
    if not host:
        return ""
    port = os.environ.get("SERVER_PORT", "")
    scheme = "https" if port == "443" else "http"
    netloc = host if port in ("", "80", "443") else f"{host}:{port}"
    return f"{scheme}://{netloc}{path}"


class Designer(w.VBox):
    """The assembled app. Attributes: state, controller, figures (DesignerFigures), models (figure widgets),
    share (SharePanel)."""

    def __init__(self, state: DesignerState, controller: Controller, figures, share, children, **kw):
        super().__init__(children, **kw)
        self.state, self.controller, self.figures, self.share = state, controller, figures, share
        self.models = figures.widgets

    def apply_query(self, query: dict | str | None) -> None:
        """Show the design a URL query describes (see pressbook.apps.designer.query); bad values in the query are
        reported in the page and skipped. Figures whose data changed are serialised again: a page that
        connects after this call reads them whole, one already connected gets the patches too."""
        sent = {k: m.patches_sent for k, m in self.models.items()}
        self.share.base_url = page_url()  # the request is known now (Voila's environment)
        _show_query(self.state, query)
        self.share(self.state)
        for k, m in self.models.items():
            if m.patches_sent != sent[k]:
                m.refresh()


def build_designer(query: dict | str | None = None, library=None) -> Designer:
    """Build the designer on the design a URL query describes (see ``Designer.apply_query``).

    In Voila's preheat mode the notebook builds it with the default design before the page request
    and applies the link's query after it: the widgets exist when the student arrives."""
    state = DesignerState()
    figures = DesignerFigures(library)
    summary, risks = SummaryPanel(), RiskPanel()
    compare, share = ComparePanel(state), SharePanel(state, base_url=page_url())
    # the tables first: what a user reads first reaches the page first
    controller = Controller(state, [summary, risks, lambda s: figures.update(s.outcome, s.pinned_outcome), compare,
                                    share], library=library)
    _show_query(state, query)
    # Wrap the figures only now: the widgets are serialised with the data already in them.
    models = figures.wrap()

    def use_materials(text: str, origin: str) -> list[str]:
        """Add a user's materials (library TOML) and re-run: the designer then knows them by name."""
        from ...materials import default_library

        lib = copy.deepcopy(controller.library or default_library())
        added = lib.add_toml(text, origin=origin, yours=True)  # a built-in is never replaced
        controller.library = figures.library = lib
        controller.run()
        return added

    share.on_library = use_materials
    pellet = LogPanel(state, library=lambda: controller.library)
    bar = PresetBar(state)
    editors = w.VBox([DieEditor(state), LayersEditor(state), StepsEditor(state)],
                     layout=w.Layout(width="490px", min_width="490px"))
    editors.add_class("pb-editors")
    summary_box = w.VBox([summary], layout=w.Layout(width="380px", overflow="auto"))
    summary_box.add_class("pb-summary-box")
    t = figures.texts
    history_row = w.HBox([w.VBox([models["history"], t["history"]]), summary_box])
    history_row.add_class("pb-history-row")
    views = w.VBox([
        ResultsStatus(state),
        w.HBox([w.VBox([models["compaction"], t["compaction"]]), w.VBox([models["cross_section"], t["cross_section"]])]),
        models["impedance"], t["impedance"],
        models["layers"], t["layers"],
        history_row,
    ])
    views.add_class("pb-views")
    header = w.HTML(STYLE + "<h2 class='pb-h'>pressbook · sequence designer</h2>"
                    "<span class='pb-hint'>Change the layers and the pressing steps; every plot and table follows. "
                    "Numbers apply on Enter or when you leave the field.</span>")
    header.add_class("pb-designer-header")
    bar.add_class("pb-preset-bar")
    main = w.HBox([editors, views])
    main.add_class("pb-main")  # on a phone the summary moves up before the editors (PHONE_CSS in common.py)
    app = Designer(state, controller, figures, share, [
        header, bar, main, w.HBox([risks, compare]), share, pellet])
    risks.layout = w.Layout(width="640px")
    compare.layout = w.Layout(width="620px")
    app.add_class("pb-designer")
    return app


def _show_query(state: DesignerState, query) -> None:
    """Set the link's design on the state (simulate runs, every view follows) and its problems as a notice."""
    design, problems = design_from_query(query)
    params = parse_query(query) if not problems else {}
    name = params.get("preset", DEFAULT_PRESET if "design" not in params else "")
    if problems:
        log.info("designer link problems: %s", problems)
    state.notice = plain_text(" ".join(problems))
    state.set_design(design, preset=name if not any(k != "preset" for k in params) else "")
