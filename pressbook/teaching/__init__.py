"""Teaching notebooks: the logic behind notebooks/why_multistep, compaction_explorer,
interfaces_impedance and choose_goal.

Pure modules (numbers and words from the models; no widgets, testable without a browser):

* ``questions``   Question / Feedback: a multiple-choice question whose right answer is computed
                  from the model when it is asked, so feedback can never contradict the model.
* ``lessons``     the "Why multi-step pressing?" story: designs, sweeps, questions, explanations.
* ``compaction``  density vs pressure, Heckel and Kawakita transforms, springback, die-wall
                  friction, hot pressing, the literature points (data/literature_points.csv).
* ``spectra``     element-by-element impedance, stack pressure vs fabrication pressure.
* ``goals``       candidate protocols scored for a goal, with reasons and trade-offs.
* ``text``        number formatting with units (∞ and missing values in words).

Widget and plot modules (ipywidgets + Bokeh through jupyter_bokeh; no physics):

* ``ui``          BokehJS set-up, safe callbacks and guarded builders (friendly messages, never a
                  traceback), Okabe-Ito palette, sliders, tables.
* ``plots``       Bokeh figure builders fed by ColumnDataSources updated in place.
* ``poe``         the predict-observe-explain widget and the check-question widget.
* ``why_app``, ``explorer_app``, ``impedance_app``, ``goal_app``: the notebooks' sections.
"""
