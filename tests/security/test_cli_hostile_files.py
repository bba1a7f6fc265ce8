"""`pressbook log` given hostile files, targets and databases (issue 27, item 6): one line, never a hang.

Each case runs the real command line in a subprocess with a timeout (reading /dev/zero or opening a FIFO
would never end) and a hermetic HOME / PRESSBOOK_DB in tmp_path; it must end with exit code 2 and one
line "pressbook: error: ..." naming what was wrong, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from pressbook.presets import PRESETS


@pytest.fixture()
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "PRESSBOOK_DB": str(tmp_path / "log.sqlite"), "PRESSBOOK_LOG_ADMINS": ""}


def log(env, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "pressbook.cli", "log", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(r, *parts) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pressbook: error: "), r.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.fixture()
def hostile(tmp_path):
    """Files that must never be read: a device, a FIFO, a symlink to a device, a file over the limit."""
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "zero-link").symlink_to("/dev/zero")
    return {"/dev/zero": "is a device", tmp_path / "pipe": "is a FIFO", tmp_path / "zero-link": "is a device"}


def test_log_add_refuses_devices_fifos_and_huge_files(env, hostile, tmp_path):
    (tmp_path / "huge.toml").write_bytes(b"#" * 1_000_001)
    for path, message in {**hostile, tmp_path / "huge.toml": "allowed: at most 1000000 bytes"}.items():
        one_line_error(log(env, "add", path, timeout=30), "design file", message)


def test_log_import_refuses_devices_and_fifos(env, hostile):
    for path, message in hostile.items():
        one_line_error(log(env, "import", path, timeout=30), "package", message)


@pytest.fixture()
def package(env, tmp_path):
    """A real package of one logged pellet (stored, not deflated: its bytes can be patched)."""
    design = tmp_path / "design.toml"
    design.write_text(next(iter(PRESETS.values()))().to_toml(), encoding="utf-8")
    r = log(env, "add", design, "--lot", "L-7", "--operator", "ana")
    assert r.returncode == 0, r.stderr
    r = log(env, "export", tmp_path / "lab.zip")
    assert r.returncode == 0, r.stderr
    stored = tmp_path / "stored.zip"
    with zipfile.ZipFile(tmp_path / "lab.zip") as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return stored


def test_log_export_refuses_devices_directories_and_missing_folders(env, package, tmp_path):
    os.mkfifo(tmp_path / "out-pipe")
    cases = {"/dev/full": "is a device", tmp_path: "is a directory", tmp_path / "out-pipe": "is a FIFO",
             tmp_path / "missing" / "lab.zip": "No such file or directory"}
    for target, message in cases.items():
        one_line_error(log(env, "export", target, timeout=30), "package", message, "allowed:")
    assert not list((tmp_path / "missing").parent.glob(".*.part")), "a temporary file was left behind"


@pytest.mark.parametrize("db", ["mysql://user@localhost/lab", "sqlite:////proc/version", "nosuch://x"])
def test_log_refuses_unusable_databases(env, db):
    one_line_error(log(env, "--db", db, "list", timeout=30), "PRESSBOOK_DB: cannot open", "allowed:")


def _patched(source, target, offset_in_header: int, value: bytes, *, central: bool) -> None:
    """``source`` with ``value`` written at ``offset_in_header`` of every local file header (and of every
    central directory header at the same field when ``central``)."""
    data = bytearray(source.read_bytes())
    for signature, shift in ((b"PK\x03\x04", 0), (b"PK\x01\x02", 2)):
        if shift and not central:
            continue
        start = data.find(signature)
        while start >= 0:
            data[start + offset_in_header + shift: start + offset_in_header + shift + len(value)] = value
            start = data.find(signature, start + 4)
    target.write_bytes(bytes(data))


def _damaged(package, target) -> None:
    """One byte of pellets.json's stored data changed: its CRC no longer matches."""
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo("pellets.json")
    name_len = int.from_bytes(data[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_len + extra_len + 10
    data[at] ^= 0x20
    target.write_bytes(bytes(data))


@pytest.mark.parametrize("kind, message", [
    ("damaged", "'pellets.json' is damaged"),
    ("encrypted", "is encrypted"),
    ("unsupported", "packed in a way that cannot be read"),
])
def test_log_import_refuses_damaged_encrypted_and_unsupported_members(env, package, tmp_path, kind, message):
    bad = tmp_path / f"{kind}.zip"
    if kind == "damaged":
        _damaged(package, bad)
    elif kind == "encrypted":  # general purpose flag bit 0: encrypted
        _patched(package, bad, 6, b"\x01\x00", central=True)
    else:  # compression method 99 (AES), which Python's zipfile cannot unpack
        _patched(package, bad, 8, b"\x63\x00", central=True)
    one_line_error(log(env, "import", bad, timeout=30), f"{kind}.zip", message)
    r = log(env, "import", package)  # the log is untouched: the sound package is still only skipped
    assert r.returncode == 0 and "imported 0 pellets, skipped 1" in r.stdout, (r.stdout, r.stderr)
