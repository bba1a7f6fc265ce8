"""The class server's kernel manager (pressbook.apps.serving.LimitedKernelManager), without a server:
kernels no page connects to are culled within a minute (issue 14, Found-4); the contents listing is read-only."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest

pytest.importorskip("jupyter_server")

from jupyter_server._tz import utcnow  # noqa: E402

from pressbook.apps.serving import LimitedKernelManager, read_only_listing  # noqa: E402


def _manager():
    return LimitedKernelManager(cull_idle_timeout=600, cull_unconnected_timeout=60), []


def _kernel(idle_s: float, state: str = "idle"):
    return SimpleNamespace(last_activity=utcnow() - timedelta(seconds=idle_s), execution_state=state,
                           kernel_name="python3", kernel_spec=SimpleNamespace(metadata={}))


def _cull(km, kernel_id, shut, monkeypatch):
    async def fake_shutdown(_self, kernel_id, *args, **kwargs):
        shut.append(kernel_id)

    # LimitedKernelManager's own shutdown bookkeeping runs; jupyter_server's (a real kernel) is a stand-in
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    with ThreadPoolExecutor(1) as pool:  # a thread of its own: another test may leave a loop running here
        pool.submit(asyncio.run, km.cull_kernel_if_idle(kernel_id)).result()


def test_a_kernel_no_page_connected_to_is_culled_after_the_unconnected_timeout(monkeypatch):
    km, shut = _manager()
    km._kernels.update({"young": _kernel(20), "old": _kernel(90), "busy": _kernel(90, "busy")})
    for kid in ("young", "old", "busy"):
        km._kernel_connections[kid] = 0
        _cull(km, kid, shut, monkeypatch)
    assert shut == ["old"]


def test_a_kernel_a_page_connected_to_keeps_the_usual_idle_timeout(monkeypatch):
    km, shut = _manager()
    km._kernels["student"] = _kernel(90)
    km._kernel_connections["student"] = 1
    _cull(km, "student", shut, monkeypatch)  # seen connected
    km._kernel_connections["student"] = 0  # the tab closed: culled after 600 s idle, not 60
    _cull(km, "student", shut, monkeypatch)
    assert shut == []
    km._kernels["student"] = _kernel(601)
    _cull(km, "student", shut, monkeypatch)
    assert shut == ["student"]


def test_the_contents_listing_says_nothing_is_writable(tmp_path):
    from jupyter_server.services.contents.largefilemanager import LargeFileManager

    (tmp_path / "app.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    cm = LargeFileManager(root_dir=str(tmp_path))
    assert cm.get("")["writable"] is True  # what Voila 0.5.13 lists without the fix
    read_only_listing(cm)
    listing = cm.get("")
    assert listing["writable"] is False and [i["writable"] for i in listing["content"]] == [False]
    assert cm.get("app.ipynb", content=False)["writable"] is False
