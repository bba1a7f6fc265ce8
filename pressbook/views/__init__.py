"""Views of an Outcome as plain data (part of the core; no Bokeh, no widgets): ``columns`` (the data
columns of every figure and table), ``tables`` (summary, risk and difference tables as HTML text) and
``palette`` (colour-blind-safe colours). The Bokeh figures that show them are in pressbook.apps."""
