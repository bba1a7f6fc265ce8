"""The sequence designer (notebooks/designer.ipynb).

    app.py      build_designer(): the page, preheated-kernel set-up, request_query()
    state.py    DesignerState (the one traitlets object holding the design) and the Controller
    query.py    URL queries <-> designs (share links; no widgets)
    editors.py  die, layer and step editors bound to the state
    panels.py   summary, risks, compare A/B, save/upload/share panels
    figures.py  the Bokeh figures, fed from pressbook.views.columns

Imports the core, pressbook.lab and pressbook.apps.common; the physics stays in the core.
"""
