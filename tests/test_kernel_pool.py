"""Preheated kernels whose pre-execution failed are not handed out (pressbook.apps.kernel_pool), without a
server: Voila's pool entries and renderers are stand-ins with the same attributes."""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from types import SimpleNamespace

import pytest

from pressbook.apps.kernel_pool import FAILURE, discard_poisoned, guard_pool, poisoned, watch_renderer


def _run(coro):
    """Run ``coro`` on a new event loop in a thread of its own: in the whole suite this thread may already
    have a running loop (the session's Playwright browser), and a loop cannot run inside another."""
    def run():
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(coro)
        finally:
            loop.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


class FakeExecutor:
    def __init__(self, behaviour):
        self.behaviour = behaviour  # per cell index: "ok", "error-output" or an exception
        self.raise_on_iopub_timeout = False

    async def execute_cell(self, cell, resources, cell_index, store_history=True):
        what = self.behaviour[cell_index]
        if isinstance(what, BaseException):
            raise what
        if what == "error-output":
            cell["outputs"] = [{"output_type": "error", "ename": "ValueError"}]
        return cell


class FakeRenderer:
    def __init__(self, behaviour):
        self._behaviour = behaviour

    async def _jinja_kernel_start(self, nb, kernel_id, kernel_future):
        self.executor = FakeExecutor(self._behaviour)
        return kernel_id


def _prerun(renderer, cells):
    """What Voila's template does with a pooled kernel: start it, then execute cell after cell."""
    async def go():
        await renderer._jinja_kernel_start(None, "k", None)
        for i in range(cells):
            try:
                await renderer.executor.execute_cell({"outputs": []}, None, i)
            except Exception:
                break
    _run(go())


def test_a_sound_pre_execution_leaves_the_kernel_sound():
    renderer = FakeRenderer(["ok", "ok", "ok"])
    watch_renderer(renderer)
    _prerun(renderer, 3)
    assert renderer.executor.raise_on_iopub_timeout is True  # a lost output is an error, not a warning
    assert poisoned({"kernel_id": "k", "renderer": renderer}, lambda kid: True) == ""


@pytest.mark.parametrize("failure, expected", [
    (TimeoutError("Timeout waiting for IOPub output"), "cell 2: TimeoutError: Timeout waiting for IOPub output"),
    (RuntimeError("boom"), "cell 2: RuntimeError: boom"),
    ("error-output", "cell 2: error output"),
])
def test_a_failed_cell_poisons_the_kernel(failure, expected):
    renderer = FakeRenderer(["ok", failure, "ok"])
    watch_renderer(renderer)
    _prerun(renderer, 3)
    assert poisoned({"kernel_id": "k", "renderer": renderer}, lambda kid: True) == expected


def test_a_dead_kernel_or_a_crashed_render_is_poisoned():
    renderer = FakeRenderer(["ok"])
    assert poisoned({"kernel_id": "k", "renderer": renderer}, lambda kid: False) == "its kernel is no longer running"

    async def crash():
        raise OSError("socket")

    async def make_task():
        task = asyncio.ensure_future(crash())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return task

    task = _run(make_task())
    assert poisoned({"kernel_id": "k", "renderer": renderer, "task": task}, lambda kid: True) \
        == "its pre-execution raised OSError"


class FakePoolManager:
    """The parts of Voila's VoilaKernelManager that guard_pool and discard_poisoned use."""

    def __init__(self, entries):
        self.log = logging.getLogger("test-pool")
        self.running = {content["kernel_id"] for content in entries if isinstance(content, dict)}
        self._pools = {"designer.ipynb": [self._done(content) for content in entries]}
        self.shut, self.filled, self.handed = [], 0, []

    @staticmethod
    def _done(content):
        future = asyncio.Future(loop=asyncio.new_event_loop())
        if isinstance(content, BaseException):
            future.set_exception(content)
        else:
            future.set_result(content)
        return future

    def __contains__(self, kernel_id):
        return kernel_id in self.running

    async def shutdown_kernel(self, kernel_id, now=False):
        self.running.discard(kernel_id)
        self.shut.append(kernel_id)

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        self.filled += 1
        self._pools[notebook_name].append(self._done({"kernel_id": f"new{self.filled}", "renderer": None}))

    def _notebook_renderer_factory(self, notebook_path=None):
        return FakeRenderer(["ok"])

    async def get_rendered_notebook(self, notebook_name, **kwargs):  # Voila's: hand out the head of the pool
        content = self._pools[notebook_name].pop(0).result()
        self.handed.append(content["kernel_id"])
        return None, [], content["kernel_id"]


async def _hand_out(km, notebook_name="designer.ipynb"):
    """What the class server's kernel manager does when a page asks for a pool kernel (its one wrapper of
    Voila's get_rendered_notebook: PooledKernelManager.before_pool_handout, then Voila's hand-out)."""
    await discard_poisoned(km, notebook_name)
    return await km.get_rendered_notebook(notebook_name)


def _failed_renderer(why):
    renderer = FakeRenderer([])
    setattr(renderer, FAILURE, why)
    return renderer


def test_poisoned_pool_kernels_are_shut_down_and_the_next_sound_one_is_handed_out():
    km = FakePoolManager([
        {"kernel_id": "bad", "renderer": _failed_renderer("cell 2: TimeoutError")},
        {"kernel_id": "good", "renderer": FakeRenderer([])},
    ])
    guard_pool(km)
    _, _, kernel_id = _run(_hand_out(km))
    assert kernel_id == "good" and km.handed == ["good"]
    assert km.shut == ["bad"] and km.replaced_kernels == [("bad", "cell 2: TimeoutError")]
    assert km.filled == 0  # Voila's own refill follows the hand-out


def test_a_pool_of_only_poisoned_kernels_gets_a_replacement_started_at_once():
    km = FakePoolManager([
        {"kernel_id": "bad1", "renderer": _failed_renderer("cell 3: error output")},
        OSError("kernel did not start"),
    ])
    guard_pool(km)
    _, _, kernel_id = _run(_hand_out(km))
    assert kernel_id == "new1" and km.shut == ["bad1"]
    assert [why for _, why in km.replaced_kernels] == [
        "cell 3: error output", "its start failed: OSError: kernel did not start"]


def test_renderers_made_by_the_guarded_pool_are_watched():
    km = FakePoolManager([])
    guard_pool(km)
    renderer = km._notebook_renderer_factory("designer.ipynb")
    _prerun(renderer, 1)
    assert renderer.executor.raise_on_iopub_timeout is True


def test_a_pool_entry_still_starting_is_left_to_voila():
    km = FakePoolManager([])
    pending = asyncio.Future(loop=asyncio.new_event_loop())
    km._pools["designer.ipynb"] = [pending]
    _run(discard_poisoned(km, "designer.ipynb"))
    assert km._pools["designer.ipynb"] == [pending] and km.shut == [] and km.filled == 0


def test_the_class_config_uses_the_guarded_pool():
    import json

    from harness import ROOT  # tests/browser is on sys.path (tests/conftest.py)

    config = json.loads((ROOT / "etc" / "voila" / "class" / "voila.json").read_text())
    assert config["VoilaConfiguration"]["multi_kernel_manager_class"] == "pressbook.apps.kernel_pool.PooledKernelManager"
    pytest.importorskip("jupyter_server")
    from pressbook.apps.kernel_pool import PooledKernelManager
    from pressbook.apps.serving import LimitedKernelManager

    assert issubclass(PooledKernelManager, LimitedKernelManager)


def test_one_wrapper_checks_the_pool_then_hands_the_kernel_to_the_visitor():
    """The class server's kernel manager wraps Voila's hand-out once: the pool check (poisoned kernels out),
    Voila's hand-out, then the visitor accounting (the page's claim gets the kernel)."""
    pytest.importorskip("voila")
    from pressbook.apps.class_handlers import Claim, current_claim
    from pressbook.apps.kernel_pool import PooledKernelManager

    class VoilaLike(PooledKernelManager):  # Voila builds its pool class on top of the configured one
        def __init__(self, **kwargs):
            self._pools = {"designer.ipynb": [
                FakePoolManager._done({"kernel_id": "bad", "renderer": _failed_renderer("cell 2: error output")}),
                FakePoolManager._done({"kernel_id": "good", "renderer": FakeRenderer([])})]}
            super().__init__(**kwargs)

        def _notebook_renderer_factory(self, notebook_path=None):
            return FakeRenderer([])

        async def get_rendered_notebook(self, notebook_name, **kwargs):
            return None, [], self._pools[notebook_name].pop(0).result()["kernel_id"]

        async def shutdown_kernel(self, kernel_id, *args, **kwargs):
            self._kernels.pop(kernel_id)

    km = VoilaLike()
    km._kernels.update(bad=object(), good=object())
    claim = Claim("cookie x")

    async def page_request():
        token = current_claim.set(claim)
        try:
            return await km.get_rendered_notebook("designer.ipynb")
        finally:
            current_claim.reset(token)

    _, _, kernel_id = _run(page_request())
    assert kernel_id == "good" and km.replaced_kernels == [("bad", "cell 2: error output")]
    assert list(km._kernels) == ["good"]
    assert claim.kernel_id == "good" and km.visitor_kernels("cookie x") == ["good"]
    assert "good" in km._handed_out
