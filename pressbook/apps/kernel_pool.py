"""The class server's preheated kernels: a pooled kernel whose pre-execution failed is never handed out.

Voila 0.5.13 keeps, per notebook, a pool of kernels that have already run the notebook up to the cell
waiting for the page request (``voila.utils.wait_for_request``).  When a whole class opens the app at once
the machine is saturated while the pool refills; a pooled kernel's pre-execution could then fail (a cell
error, Voila's wait for a cell's outputs running out, the kernel dying) and Voila handed that kernel to the
next visitor anyway, whose page stayed blank.  Here:

- each pooled kernel's pre-execution is watched (``watch_renderer``): a cell that raises, times out or
  shows an error output, and an output wait that runs out (made an error for pooled kernels, instead of
  Voila's silent loss of the outputs), mark the kernel poisoned with the reason;
- when a page asks for a pooled kernel (``discard_poisoned``), poisoned ones, dead ones and ones whose start
  failed are shut down and replaced, and the page gets a sound pooled kernel or, when none is left, a
  replacement started for it at once (the page waits for that kernel's start, as on a server without
  a pool).

``PooledKernelManager`` (``etc/voila/class/voila.json``) is ``serving.LimitedKernelManager`` with this
guard; nothing here imports Voila at module level.
"""
from __future__ import annotations

__all__ = ["PooledKernelManager", "guard_pool", "poisoned", "watch_renderer"]

#: Attribute set on a pooled kernel's NotebookRenderer when its pre-execution failed (the reason, in words).
FAILURE = "_pressbook_failure"


def watch_renderer(renderer) -> None:
    """Record on ``renderer`` (a Voila ``NotebookRenderer`` of a pooled kernel) why its pre-execution failed.

    Its executor is made to raise when a cell's outputs do not all arrive within ``iopub_timeout``
    (nbclient's default only logs a warning and drops them), and every cell's execution is watched.
    """
    start = renderer._jinja_kernel_start

    async def kernel_start(*args, **kwargs):
        kernel_id = await start(*args, **kwargs)
        executor = renderer.executor
        executor.raise_on_iopub_timeout = True
        execute_cell = executor.execute_cell

        async def watched(cell, resources, cell_index, *a, **kw):
            try:
                result = await execute_cell(cell, resources, cell_index, *a, **kw)
            except BaseException as exc:
                _fail(renderer, f"cell {cell_index + 1}: {type(exc).__name__}: {str(exc)[:200]}")
                raise
            if any(out.get("output_type") == "error" for out in cell.get("outputs", ())):
                _fail(renderer, f"cell {cell_index + 1}: error output")
            return result

        executor.execute_cell = watched
        return kernel_id

    renderer._jinja_kernel_start = kernel_start


def _fail(renderer, why: str) -> None:
    if not getattr(renderer, FAILURE, None):
        setattr(renderer, FAILURE, why)


def poisoned(content: dict, alive) -> str:
    """Why a pooled kernel must not be handed out ('' when it is sound).

    ``content``: Voila's pool entry (``{"task", "renderer", "kernel_id"}``); ``alive(kernel_id)``: whether
    the kernel manager still runs that kernel.
    """
    kernel_id = content.get("kernel_id")
    if not alive(kernel_id):
        return "its kernel is no longer running"
    why = getattr(content.get("renderer"), FAILURE, None)
    if why:
        return why
    task = content.get("task")
    if task is not None and task.done():
        if task.cancelled():
            return "its pre-execution was cancelled"
        if task.exception() is not None:
            return f"its pre-execution raised {type(task.exception()).__name__}"
    return ""


def guard_pool(km) -> None:
    """Watch the pre-execution of every pool kernel a Voila ``VoilaKernelManager`` instance prepares (no-op
    without preheated kernels); ``PooledKernelManager.before_pool_handout`` then runs ``discard_poisoned``
    before each hand-out."""
    if not hasattr(km, "get_rendered_notebook") or getattr(km, "_pressbook_pool_guard", False):
        return
    km._pressbook_pool_guard = True
    km.replaced_kernels = []  # (kernel id, reason) of every poisoned kernel taken out of a pool

    factory = km._notebook_renderer_factory

    def renderer_factory(*args, **kwargs):
        renderer = factory(*args, **kwargs)
        watch_renderer(renderer)
        return renderer

    km._notebook_renderer_factory = renderer_factory


async def discard_poisoned(km, notebook_name: str) -> None:
    """Take the poisoned kernels at the head of ``notebook_name``'s pool out (shut down, replaced).

    Entries still starting are left alone (they cannot be judged yet; the page waits for them as Voila
    does).  When the pool ends up empty a replacement is started at once.
    """
    pool = km._pools.get(notebook_name, [])
    while pool and pool[0].done():
        entry = pool[0]
        try:
            content = entry.result()
        except BaseException as exc:  # the kernel did not even start
            content, why = {}, f"its start failed: {type(exc).__name__}: {str(exc)[:200]}"
        else:
            why = poisoned(content, lambda kid: kid in km)
        if not why:
            return
        pool.pop(0)
        kernel_id = content.get("kernel_id")
        km.log.warning("preheated kernel %s of %s not handed out (%s): replaced", kernel_id, notebook_name, why)
        km.replaced_kernels.append((kernel_id, why))
        task = content.get("task")
        if task is not None and not task.done():
            task.cancel()
        if kernel_id is not None and kernel_id in km:
            try:
                await km.shutdown_kernel(kernel_id, now=True)
            except Exception as exc:  # already gone: nothing to free
                km.log.warning("could not shut down kernel %s: %s", kernel_id, exc)
    if not pool:
        km.fill_if_needed(delay=0, notebook_name=notebook_name)


def _pooled_kernel_manager():
    from .serving import LimitedKernelManager

    class PooledKernelManager(LimitedKernelManager):
        """``LimitedKernelManager`` whose preheated kernels are checked before they are handed out
        (Voila builds its pool class on top of this one; see the module docstring)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            guard_pool(self)

        async def before_pool_handout(self, notebook_name: str) -> None:
            await discard_poisoned(self, notebook_name)

    return PooledKernelManager


def __getattr__(name):  # needs jupyter_server: built on first use only
    if name == "PooledKernelManager":
        cls = _pooled_kernel_manager()
        cls.__module__ = __name__
        globals()[name] = cls
        return cls
    raise AttributeError(name)

