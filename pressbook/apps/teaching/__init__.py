"""Widgets and plots of the teaching notebooks; every number and sentence comes from pressbook.teaching.

    ui.py        set-up, safe callbacks and guarded builders, palette, sliders, tables
    plots.py     Bokeh figure builders fed by ColumnDataSources updated in place
    poe.py       the predict-observe-explain widget and the check-question widget
    why.py       notebooks/why_multistep.ipynb
    explorer.py  notebooks/compaction_explorer.ipynb
    impedance.py notebooks/interfaces_impedance.ipynb
    goal.py      notebooks/choose_goal.ipynb
"""
