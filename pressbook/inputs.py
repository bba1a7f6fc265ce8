"""What comes in from outside (links, uploads, forms, files) passes here before it reaches a design.

``clean_text(value, field, max_chars)``
    The one text normaliser: lone surrogates (``"a\\ud800b"`` from a JSON escape) become U+FFFD,
    control characters and invisible direction/format marks are dropped (tabs and line breaks become
    spaces unless ``multiline``), the text is NFC-normalised and stripped; longer than ``max_chars``
    after that: ``InvalidInputError`` naming the field, the length and the limit.
``read_file_bytes(path, field, max_bytes)``
    The bytes of a regular file of at most ``max_bytes``; devices (``/dev/zero``), FIFOs, directories
    and symlinks to them are refused without being read (a FIFO is never opened for reading).
``write_file_bytes(path, data, field)``
    Its counterpart for output: a new or regular file, written whole (through a temporary file beside
    it) or not at all; a device (``/dev/full``), FIFO or directory is refused without being opened.
"""
from __future__ import annotations

import contextlib
import os
import re
import stat
import unicodedata

from .errors import DesignFileError, InvalidInputError

__all__ = ["clean_text", "needs_cleaning", "read_file_bytes", "texts_in", "write_file_bytes", "MAX_FILE_BYTES"]

#: Largest file read from disk or accepted as an upload (design, materials, data), in bytes.
MAX_FILE_BYTES = 1_000_000

# Unicode categories dropped from single-line text: Cc controls, Cf format marks (bidi overrides,
# zero-width characters), Cs surrogates (replaced, see below), Co private use, Cn unassigned.
_DROPPED = {"Cc", "Cf", "Co", "Cn"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}


def clean_text(value, field: str, max_chars: int = 80, *, multiline: bool = False, allow_empty: bool = True) -> str:
    """``value`` made safe to store, show and encode (see the module docstring); raises
    ``InvalidInputError`` when it is not text, is empty (``allow_empty=False``) or is too long."""
    if not isinstance(value, str):
        shown = value if isinstance(value, (int, float, bool, type(None))) else type(value).__name__
        raise InvalidInputError(field, shown, f"text of at most {max_chars} characters")
    if len(value) > 4 * max_chars + 64:  # refuse huge input before working on it
        raise InvalidInputError(field, f"{len(value)} characters", f"text of at most {max_chars} characters")
    text = _normalise(value, multiline)
    if len(text) > max_chars:
        raise InvalidInputError(field, f"{len(text)} characters", f"text of at most {max_chars} characters")
    if not text and not allow_empty:
        raise InvalidInputError(field, value if len(value) <= 20 else value[:20], f"text of 1 to {max_chars} characters")
    return text


def _normalise(value: str, multiline: bool) -> str:
    # lone surrogates cannot be encoded as UTF-8 (JSON, the page, the terminal): replace them
    text = _SURROGATE.sub("\ufffd", value)
    kept = []
    for ch in text:
        if ch in _SPACES:
            kept.append("\n" if multiline and ch in "\n\r\u2028\u2029\x85" else " ")
        elif unicodedata.category(ch) not in _DROPPED:
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    return ("\n".join(line.strip() for line in text.split("\n")) if multiline else text).strip()


def needs_cleaning(value) -> bool:
    """True if ``clean_text`` would change the text ``value`` beyond stripping spaces at its ends
    (to tell a user that characters were replaced or removed)."""
    return isinstance(value, str) and _normalise(value, False) != unicodedata.normalize("NFC", value.strip())


def texts_in(data) -> list[str]:
    """Every string in nested dicts/lists (keys included): what a design file or link carries."""
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def read_file_bytes(path, field: str = "file", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The contents of the regular file at ``path`` (symlinks followed), at most ``max_bytes``.

    Raises ``DesignFileError`` naming ``field``, the path and what is allowed for anything else: a
    missing or unreadable file, a device, FIFO, socket or directory, or a file over the limit.
    """
    shown = _shown(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DesignFileError(f"{field}: cannot read '{shown}' ({reason})") from None
    if not stat.S_ISREG(info.st_mode):
        raise DesignFileError(f"{field}: '{shown}' is {_kind(info.st_mode)}; allowed: a regular file")
    if info.st_size > max_bytes:
        raise DesignFileError(f"{field}: '{shown}' has {info.st_size} bytes; allowed: at most {max_bytes} bytes")
    try:  # O_NONBLOCK: should the path have become a FIFO since the check, opening never blocks
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DesignFileError(f"{field}: cannot read '{shown}' ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise DesignFileError(f"{field}: '{shown}' is not a regular file; allowed: a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DesignFileError(f"{field}: '{shown}' has more than {max_bytes} bytes; allowed: at most {max_bytes} bytes")
    return data


def _shown(path) -> str:
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")


def _kind(mode: int) -> str:
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")


def write_file_bytes(path, data: bytes, field: str = "file") -> None:
    """Write ``data`` to the file at ``path`` (new, or a regular file replaced whole; symlinks followed).

    Raises ``DesignFileError`` naming ``field``, the path and what is allowed when ``path`` is a directory,
    device or FIFO, or the file cannot be written (missing folder, no permission, disk full); nothing is
    left behind then (the data goes to a temporary file beside the target, renamed over it at the end).
    """
    shown = _shown(path)
    allowed = "allowed: a file in an existing, writable folder"
    target = os.path.realpath(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as exc:
        raise DesignFileError(f"{field}: cannot write '{shown}' ({getattr(exc, 'strerror', None) or exc}); {allowed}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise DesignFileError(f"{field}: '{shown}' is {_kind(info.st_mode)}; {allowed}")
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.part")
    try:
        with open(temporary, "xb") as f:
            f.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise DesignFileError(f"{field}: cannot write '{shown}' ({exc.strerror or exc}); {allowed}") from None
