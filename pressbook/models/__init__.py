"""Pure model functions, one module per physical mechanism. Inputs and outputs are floats or numpy
arrays in pressbook's default units (MPa, s, um, degC, mS/cm, ohm cm2); each function states its
equation, its assumptions and where it comes from."""
