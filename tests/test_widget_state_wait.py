"""Pages wait 60 s for their widgets' state, not ipywidgets' 4 s (pressbook.apps.widget_state_wait, issue 14).

The class burst test (tests/browser/test_class_burst.py) checks the effect in the browser: no page falls
back to asking for each widget separately.
"""
from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("voila")

from pressbook.apps.widget_state_wait import CONTROL_COMM_WAIT_S, MESSAGE, patched_chunks  # noqa: E402

MANAGER = "@jupyter-widgets/jupyterlab-manager"  # the copy of the widget manager a Voila page loads
NOTEBOOK = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [],
                       "source": "print('tiny app')"}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def _installed() -> tuple[tuple[str, ...], dict[str, str]]:
    from voila.utils import get_voila_labextensions_path

    paths = tuple(get_voila_labextensions_path())
    return paths, patched_chunks(paths)


def test_every_installed_widget_manager_gets_the_longer_wait_and_nothing_else_changes():
    paths, chunks = _installed()
    assert CONTROL_COMM_WAIT_S == 60
    assert any(p.startswith(MANAGER + "/") for p in chunks), f"no {MANAGER} chunk patched in {paths}"
    for path, text in chunks.items():
        original = next(Path(b) / path for b in paths if (Path(b) / path).exists()).read_text("utf-8")
        shipped = [original[i:i + 60] for i in range(len(original)) if original.startswith(MESSAGE, i)]
        assert len(shipped) == 1 and "4e3)" in shipped[0], path
        [now] = [text[i:i + 60] for i in range(len(text)) if text.startswith(MESSAGE, i)]
        assert "60000)" in now and "4e3" not in now, path
        assert text.replace("60000)", "4e3)", 1) == original or text == original.replace(
            shipped[0], shipped[0].replace("4e3)", "60000)")), path


def test_a_chunk_that_reads_otherwise_is_served_unchanged_with_a_warning(tmp_path, caplog):
    static = tmp_path / "@jupyter-widgets" / "jupyterlab-manager" / "static"
    static.mkdir(parents=True)
    (static / "32.abc.js").write_text('setTimeout(()=>l("Control comm did not respond in time"),5e3)')
    (static / "33.abc.js").write_text('setTimeout(()=>l("Control comm did not respond in time"),4e3)')
    with caplog.at_level(logging.WARNING, logger="pressbook.apps.widget_state_wait"):
        chunks = patched_chunks((str(tmp_path),))
    assert list(chunks) == [f"{MANAGER}/static/33.abc.js"]
    assert chunks[f"{MANAGER}/static/33.abc.js"].endswith('in time"),60000)')
    assert "32.abc.js" in caplog.text and "not the 4 s" in caplog.text
    assert patched_chunks((str(tmp_path / "nothing-here"),)) == {}


@pytest.mark.parametrize("config", ["app", "class"])
def test_the_server_hands_out_the_chunks_with_the_longer_wait(voila, tmp_path, config):
    root = tmp_path / "apps"
    root.mkdir()
    (root / "tiny.ipynb").write_text(json.dumps(NOTEBOOK))
    url = voila(root, config=config).rstrip("/")
    chunks = _installed()[1]
    for path in chunks:
        with urllib.request.urlopen(f"{url}/voila/labextensions/{path}?v=1", timeout=60) as resp:
            assert resp.headers["Content-Type"].startswith("text/javascript")
            body = resp.read().decode("utf-8")
        assert body == chunks[path]  # the patched text (checked above), not the file on disk
    with urllib.request.urlopen(f"{url}/voila/labextensions/{MANAGER}/package.json", timeout=60) as resp:
        assert json.load(resp)["name"] == MANAGER  # the extension's other files are Voila's, unchanged
