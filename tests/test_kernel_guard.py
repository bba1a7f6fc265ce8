"""Limits inside an app kernel (pressbook.apps.kernel_guard, issue 14 Found-3 and Found-8)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from pressbook.apps.kernel_guard import MAX_WIDGET_MESSAGE_BYTES, message_size, refuse_large

ROOT = Path(__file__).resolve().parents[1]


def test_message_size_counts_text_and_buffers_and_stops_early():
    assert message_size({"a": "x" * 100}, 10**6) >= 101
    assert message_size([memoryview(b"x" * 5000)], 10**6) >= 5000
    huge = {"state": {"value": "x" * 5_000_000}}
    assert message_size(huge, 1000) > 1000


def test_large_widget_messages_are_refused_and_ordinary_ones_pass():
    ok = {"content": {"data": {"method": "update", "state": {"value": 3.0}}}, "buffers": []}
    big = {"content": {"data": {"method": "update", "state": {"value": "x" * (MAX_WIDGET_MESSAGE_BYTES + 1)}}}}
    upload = {"content": {"data": {"method": "update", "state": {}}}, "buffers": [memoryview(b"x" * 2_000_000)]}
    assert not refuse_large(ok)
    assert refuse_large(big)
    assert not refuse_large(upload)  # an upload the browser lets through (2 MB) still arrives


def test_the_memory_limit_turns_a_runaway_allocation_into_memory_error():
    code = textwrap.dedent("""
        from pressbook.apps.kernel_guard import limit_memory
        assert limit_memory(400)
        try:
            blocks = [bytearray(50 * 2**20) for _ in range(40)]  # 2 GB
        except MemoryError:
            print("MemoryError")
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.stdout.strip() == "MemoryError", r.stderr



def test_a_memory_error_while_reading_a_message_exits_the_kernel():
    """ipykernel logs an exception in ``session.deserialize`` as "Invalid Message" and goes on: a kernel at its
    memory limit would stay, full, instead of being restarted."""
    code = textwrap.dedent("""
        from pressbook.apps.kernel_guard import exit_on_memory_error

        class Session:
            def deserialize(self, msg, content=True, copy=True):
                if msg == "huge":
                    raise MemoryError
                return {"msg": msg}

        session = Session()
        exit_on_memory_error(session)
        print(session.deserialize("small"), flush=True)
        session.deserialize("huge")
        print("still running")
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 3 and r.stdout == "{'msg': 'small'}\n", (r.returncode, r.stdout, r.stderr)
    assert "kernel out of memory in a message from the page: exiting" in r.stderr


@pytest.mark.notebook
def test_a_crafted_client_gets_no_traceback_and_large_messages_are_dropped():
    """A real kernel with an app's imports: a widget opened by the 'page' with a 5 MB value is dropped; a bad
    trait value in an update sends no traceback (no error message, no stderr stream) to the client."""
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        setup = ("import pressbook.apps.common\nimport ipywidgets as w\n"
                 "from ipywidgets.widgets.widget import _instances\ns = w.IntSlider()\nprint(s.model_id)")
        model_id = _stdout(kc, kc.execute(setup))
        state = {"_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0",
                 "_model_name": "TextModel", "_view_module": "@jupyter-widgets/controls",
                 "_view_module_version": "2.0.0", "_view_name": "TextView", "value": "x" * 5_000_000}
        big_id = uuid.uuid4().hex
        kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": big_id, "target_name": "jupyter.widget",
                                                           "data": {"state": state, "buffer_paths": []}},
                                             metadata={"version": "2.1.0"}))
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": model_id,
                                                          "data": {"method": "update", "state": {"value": "nope"}}}))
        time.sleep(3)
        leaked = []
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except Exception:
                break
            kind = msg["msg_type"]
            if kind == "error" or (kind == "stream" and "Traceback" in msg["content"].get("text", "")):
                leaked.append(msg["content"])
        assert leaked == []
        assert _stdout(kc, kc.execute(f"print('{big_id}' in _instances, s.value)")) == "False 0"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _stdout(kc, msg_id) -> str:
    out = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return "".join(out).strip()
