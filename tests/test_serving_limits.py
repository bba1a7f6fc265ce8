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


def _pool_manager(monkeypatch, **config):
    """A LimitedKernelManager whose kernel starts are recorded, not made: returns it and {kernel id: start time}
    (kernels k0, k1, ... in the order started); no kernel has built its app yet (no query socket open)."""
    import time as clock

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.request_info_handler import RequestInfoSocketHandler

    km = LimitedKernelManager(**config)
    started: dict[str, float] = {}

    async def fake_start(_self, *args, **kwargs):
        kernel_id = f"k{len(started)}"
        started[kernel_id] = clock.monotonic()
        km._kernels[kernel_id] = _kernel(0)
        return kernel_id

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
    monkeypatch.setattr(RequestInfoSocketHandler, "_waiters", {})
    return km, started


def test_pool_kernels_are_prepared_a_few_at_a_time_and_page_requests_go_first(monkeypatch):
    """pool_fill_concurrency=2: of 5 pool kernels asked for at once, 2 start; each further one only when an
    earlier one has built its app (its query socket is open); a page request being served holds new pool
    kernels back; a student's own kernel is never held."""
    from voila.request_info_handler import RequestInfoSocketHandler

    from pressbook.apps.class_handlers import Claim

    km, started = _pool_manager(monkeypatch, pool_fill_concurrency=2)
    pool_env = {"env": {"VOILA_PREHEAT": "True"}}

    async def scenario():
        async def settle():
            for _ in range(6):
                await asyncio.sleep(0.2)

        tasks = [asyncio.ensure_future(km.start_kernel(**pool_env)) for _ in range(5)]
        await settle()
        assert list(started) == ["k0", "k1"]
        await km.start_kernel(env={"VOILA_PREHEAT": "False"})  # a student's kernel: at once
        assert list(started) == ["k0", "k1", "k2"]
        RequestInfoSocketHandler._waiters["k0"] = object()  # k0 has built the app
        await settle()
        assert list(started) == ["k0", "k1", "k2", "k3"]
        waiting = Claim("cookie y")  # a page waiting for a pool kernel (Voila hands out unready ones) ...
        km._claims.add(waiting)
        claim = Claim("cookie x", kernel_id="k2")
        km._claims.add(claim)  # ... and a page being served: pool kernels wait for this one only
        RequestInfoSocketHandler._waiters["k1"] = object()
        await settle()
        assert len(started) == 4
        km._claims.discard(claim)
        await settle()
        assert list(started)[-1] == "k4"
        km._claims.discard(waiting)
        RequestInfoSocketHandler._waiters["k3"] = object()  # the last pool kernel gets a slot
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        assert len(started) == 6
        for kernel_id in started:
            RequestInfoSocketHandler._waiters[kernel_id] = object()
        await settle()  # every slot free again
        km._kernel_connections["k2"] = 1  # a student works in k2: pool kernels one at a time
        more = [asyncio.ensure_future(km.start_kernel(**pool_env)) for _ in range(2)]
        await settle()
        assert len(started) == 7
        km._handed_out.add(list(started)[-1])  # given to a page before it was ready: the next one starts
        await asyncio.wait_for(asyncio.gather(*more), 5)
        assert len(started) == 8

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_pool_kernels_wait_while_pages_just_given_a_kernel_are_loading(monkeypatch):
    """A class has just been given the pool's kernels: their replacements wait until no page has been given a
    pool kernel for pool_refill_quiet seconds (the browsers are still loading those pages), at most
    pool_refill_wait_max seconds; a student's own kernel never waits."""
    import time as clock

    from voila.request_info_handler import RequestInfoSocketHandler

    from pressbook.apps.class_handlers import Claim

    km, started = _pool_manager(monkeypatch, pool_fill_concurrency=2, pool_refill_quiet=1.0, pool_refill_wait_max=3.0)
    pool_env = {"env": {"VOILA_PREHEAT": "True"}}

    async def scenario():
        km._last_handout = clock.monotonic()  # a page was just given a pool kernel
        t0 = clock.monotonic()
        await asyncio.wait_for(km.start_kernel(**pool_env), 5)
        assert 0.9 <= started["k0"] - t0 <= 2.0  # after the quiet second, not at once
        await km.start_kernel(env={"VOILA_PREHEAT": "False"})  # a student's kernel: at once
        assert clock.monotonic() - started["k1"] < 0.5
        RequestInfoSocketHandler._waiters["k0"] = object()  # k0 has built the app: its slot is free

        async def handing_out():  # pages keep being given kernels: the refill waits at most wait_max
            for _ in range(20):
                km._last_handout = clock.monotonic()
                await asyncio.sleep(0.25)

        busy = asyncio.ensure_future(handing_out())
        t0 = clock.monotonic()
        await asyncio.wait_for(km.start_kernel(**pool_env), 6)
        assert 2.9 <= started["k2"] - t0 <= 4.5
        RequestInfoSocketHandler._waiters["k2"] = object()
        # a page waits for a pool kernel (Voila hands out one still to be prepared): no waiting for quiet
        waiting = Claim("cookie z")
        km._claims.add(waiting)
        t0 = clock.monotonic()
        await asyncio.wait_for(km.start_kernel(**pool_env), 5)
        assert started["k3"] - t0 < 0.5
        km._claims.discard(waiting)
        busy.cancel()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_time_limit_holds_when_its_first_timeout_is_swallowed():
    """A timeout raised where Python swallows exceptions (a gc callback of another library, a __del__) must not end
    the limit: the alarm repeats until the block stops (a 10,000-row spectrum fit ran to its end under pytest)."""
    import time

    from pressbook.apps.serving import SimulationTimeout, time_limit

    swallowed = 0
    t0 = time.perf_counter()
    with pytest.raises(SimulationTimeout):
        with time_limit(0.2, "The test loop"):
            try:
                while time.perf_counter() - t0 < 5.0:
                    pass
            except SimulationTimeout:
                swallowed += 1  # as a gc callback would: the exception goes nowhere
            while time.perf_counter() - t0 < 5.0:
                pass
            pytest.fail("the limit ended with its first, swallowed timeout")
    assert swallowed == 1 and time.perf_counter() - t0 < 2.0
