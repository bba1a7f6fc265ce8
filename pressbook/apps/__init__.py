"""The apps: everything with widgets and figures (ipywidgets, Bokeh through jupyter_bokeh, traitlets,
IPython display, Voila serving). The notebooks in notebooks/ import from here and stay thin.

    common.py         BokehJS loading, messages, safe callbacks and guarded builders, widget helpers
    figure_widget.py  FigureWidget: one Bokeh patch per figure per change, the browser echo filter
    serving.py        Voila serving for a class: kernel limits, page guard, simulation time limit
    designer/         the sequence designer (one state object, controller, editors, panels, figures)
    teaching/         the teaching notebooks' widgets and plots (numbers from pressbook.teaching)
    onboarding.py     protocol card and calibration apps (logic in pressbook.lab)
    explore.py        process map, optimiser, sensitivity and uncertainty apps (logic in pressbook.explore)

May import anything in pressbook; nothing outside this package imports it (import-linter contracts in
pyproject.toml, checked by `make test`).
"""
