"""ipywidgets components of the designer, bound to a ``pressbook.state.DesignerState``."""
