"""The input gate (pressbook.inputs): one text normaliser and bounded reading of regular files only (issue 14)."""
from __future__ import annotations

import json
import os
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressbook.design import Design
from pressbook.errors import DesignFileError, InvalidInputError
from pressbook.inputs import clean_text, read_file_bytes
from pressbook.presets import preset

# Any code point, lone surrogates included (what a JSON "\ud800" escape or a crafted link produces).
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.integers(1, 200), st.booleans())
def test_clean_text_is_encodable_printable_bounded_and_idempotent(value, limit, multiline):
    try:
        text = clean_text(value, "title", limit, multiline=multiline)
    except InvalidInputError as exc:
        assert str(exc).startswith("title: got ")
        assert f"at most {limit} characters" in str(exc)
        return
    text.encode("utf-8")  # never a UnicodeEncodeError (JSON, page, terminal)
    json.dumps(text, ensure_ascii=False).encode("utf-8")
    assert len(text) <= limit
    assert text == text.strip()
    for ch in text:
        assert ch == "\n" and multiline or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    assert clean_text(text, "title", limit, multiline=multiline) == text


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=60))
def test_clean_text_keeps_ordinary_text(value):
    assert clean_text(value, "name", 80) == unicodedata.normalize("NFC", value).strip()


@pytest.mark.parametrize("value, expected", [
    ("a\ud800b", "a\ufffdb"),
    ("cath\x00ode\x07", "cathode"),
    ("left\u202eright", "leftright"),  # a bidi override cannot reverse what follows it
    ("two\nlines\tand tab", "two lines and tab"),
])
def test_clean_text_examples(value, expected):
    assert clean_text(value, "name", 80) == expected


def test_clean_text_refuses_too_long_and_non_text_naming_the_field():
    with pytest.raises(InvalidInputError, match=r"layers.1.name: got '81 characters'; allowed: text of at most 80"):
        clean_text("x" * 81, "layers.1.name", 80)
    with pytest.raises(InvalidInputError, match=r"title: got 'list'; allowed: text"):
        clean_text(["a"], "title", 80)
    with pytest.raises(InvalidInputError, match="layers.1.name"):
        clean_text(" \x00 ", "layers.1.name", 80, allow_empty=False)


def test_a_surrogate_title_in_a_json_design_is_cleaned_before_it_reaches_the_design():
    data = preset("three-step").to_dict()
    data["title"] = "a\ud800b"
    first = data["layers"][0]["name"]
    data["layers"][0]["name"] = first[:2] + "\x1b" + first[2:]  # an escape character inside, also in the steps
    for step in data["steps"]:
        step["add"] = [data["layers"][0]["name"] if n == first else n for n in step["add"]]
    design = Design.from_json(json.dumps(data))
    assert design.title == "a\ufffdb"
    assert design.layers[0].name == first
    design.to_json().encode("utf-8")
    design.to_toml().encode("utf-8")


# ------------------------------------------------------------------ hostile files


def test_devices_fifos_directories_and_symlinks_to_them_are_refused_unread(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # opening it for reading would block forever
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "fifo-link.toml").symlink_to(fifo)
    cases = {"/dev/zero": "a device", str(fifo): "a FIFO", str(tmp_path / "zero.toml"): "a device",
             str(tmp_path / "fifo-link.toml"): "a FIFO", str(tmp_path): "a directory"}
    for path, kind in cases.items():
        with pytest.raises(DesignFileError, match=f"design file: .* is {kind}.*allowed: a regular file"):
            read_file_bytes(path, "design file")
        with pytest.raises(DesignFileError, match=kind):
            Design.load(path)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 3000), limit=st.integers(1, 2000), data=st.binary(max_size=64))
def test_regular_files_are_read_whole_up_to_the_limit_and_refused_above(tmp_path_factory, size, limit, data):
    path = tmp_path_factory.mktemp("f") / "design.toml"
    content = (data or b"x") * (size // max(len(data), 1) + 1)
    content = content[:size]
    path.write_bytes(content)
    if size <= limit:
        assert read_file_bytes(path, "design file", limit) == content
    else:
        with pytest.raises(DesignFileError, match=rf"has {size} bytes; allowed: at most {limit} bytes"):
            read_file_bytes(path, "design file", limit)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_a_design_file_give_a_design_or_a_pressbook_error(tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("d")
    for name in ("d.toml", "d.json"):
        path = folder / name
        path.write_bytes(raw)
        try:
            Design.load(path)
        except (DesignFileError, InvalidInputError):
            pass
