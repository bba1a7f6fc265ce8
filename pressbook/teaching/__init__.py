"""Teaching: the numbers and words behind notebooks/why_multistep, compaction_explorer,
interfaces_impedance and choose_goal. Pure modules (no widgets, testable without a browser);
imports the core only. Their widgets and plots are in pressbook.apps.teaching.

* ``questions``   Question / Feedback: a multiple-choice question whose right answer is computed
                  from the model when it is asked, so feedback can never contradict the model.
* ``lessons``     the "Why multi-step pressing?" story: designs, sweeps, questions, explanations.
* ``compaction``  density vs pressure, Heckel and Kawakita transforms, springback, die-wall
                  friction, hot pressing, the literature points (data/literature_points.csv).
* ``spectra``     element-by-element impedance, stack pressure vs fabrication pressure.
* ``goals``       candidate protocols scored for a goal, with reasons and trade-offs.
* ``text``        number formatting with units (∞ and missing values in words).
"""
