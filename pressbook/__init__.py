"""pressbook: predict what a pressing procedure does to a multi-layer all-solid-state battery pellet.

    >>> from pressbook import Design, simulate, presets
    >>> outcome = simulate(presets.three_step())
    >>> outcome.impedance.total_asr   # ohm cm2

The core needs numpy, scipy and pint only; the apps (ipywidgets, Bokeh, Voila) are in the ``app`` extra.
"""
from . import presets
from .design import Design, Die, Layer, Operation, Step
from .errors import (DesignFileError, InvalidInputError, MaterialDataError, PressbookError, ProtocolError,
                     UnknownMaterialError)
from .materials import default_library
from .outcome import Outcome
from .simulate import simulate

__version__ = "0.1.0"
__all__ = ["Design", "Die", "Layer", "Step", "Operation", "simulate", "Outcome", "presets", "default_library",
           "PressbookError", "InvalidInputError", "UnknownMaterialError", "ProtocolError", "DesignFileError",
           "MaterialDataError"]
