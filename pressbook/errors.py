"""Errors raised by pressbook. Every message names the field, the value and what is allowed."""
from __future__ import annotations


class PressbookError(Exception):
    """Base class: anything pressbook refuses, with a message meant for the user."""


class InvalidInputError(PressbookError, ValueError):
    """A value is missing, unreadable, of the wrong dimension or outside the allowed range."""

    def __init__(self, field: str, value, allowed: str, hint: str = ""):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.hint = hint
        if isinstance(value, str):
            shown = f"'{value}'" if value.isprintable() else repr(value)  # control characters escaped
        else:
            shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        message = f"{field}: got {shown}; allowed: {allowed}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class UnknownMaterialError(InvalidInputError, KeyError):
    """A material name that is not in the library and not an alias."""

    def __str__(self):  # KeyError would otherwise quote the message
        return self.args[0]


class ProtocolError(InvalidInputError):
    """The pressing steps do not describe a possible procedure (order, gaps, missing layers)."""


class DesignFileError(PressbookError):
    """A design or data file that cannot be read (syntax, encoding, size)."""


class MaterialDataError(PressbookError):
    """A materials library file with a bad parameter (unit, range, missing source)."""
