"""Views of an Outcome: pure column/table functions (``columns``, ``tables``) and Bokeh figures
(``figures``, imported on demand: ``import pressbook`` never imports Bokeh)."""
