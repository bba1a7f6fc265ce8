"""Browser tests: a real Voila server, driven by Debian's Chromium through Playwright.

Fixtures
--------
``voila`` (per test, a factory)
    ``url = voila(notebook, config="app", args=(), timeout=90)`` starts
    ``python -m voila NOTEBOOK`` with this interpreter on a free port of
    127.0.0.1, with the shipped config ``etc/voila/<config>/voila.json``
    (``"app"``: culling, as ``make app``; ``"class"``: culling + preheated
    kernels, as ``make serve-class``), waits until the port accepts a TCP
    connection (never an HTTP GET: that would start a kernel) and returns the
    base URL ``http://127.0.0.1:PORT/``.  Add the query yourself:
    ``url + "?design=..."``.  ``notebook`` may be a directory: then open
    ``url + "voila/render/NAME.ipynb"``.  ``args`` are extra Voila options.
    ``wait_for="text"`` also waits until the server log shows that text, e.g.
    ``"Kernel pool of designer.ipynb is filled"`` (preheated kernels ready).
    Call it several times for several servers.  After the test the servers are
    stopped (SIGTERM, then SIGKILL for the whole process group, kernels
    included); when the test failed, each server log is copied to
    ``test-artifacts/<test>/voila-<port>.log``.

``shared_voila`` (per module, a factory)
    The same call as ``voila``; the same arguments give the same server, kept
    for the whole module (a few seconds and a server's CPU saved per test).
    For tests that each open their own page with the app config (a kernel per
    page); logs of a module with a failed test: ``test-artifacts/<module>/``.

``hermetic_home`` (session, autouse)
    Before anything else: HOME, the XDG folders, IPYTHONDIR and PRESSBOOK_DB point into the session's
    temporary folder (see ``tests/hermetic.py``), so no test, server or kernel reads or writes the
    developer's own files (their pellet log above all).  Returns the variables it set.

``browser`` (session)
    Headless Chromium at ``$PRESSBOOK_CHROMIUM`` or ``/usr/bin/chromium``
    (install: ``apt-get install chromium``; never ``playwright install``).  If it
    is missing the test is skipped with the reason, or fails when ``CI`` is set.

``page`` (per test)
    A fresh context (1280x900) and page, 30 s default timeout (also for
    Playwright's ``expect``), recording JS
    errors, console lines and the kernel's error messages (see ``harness.watch``).
    When the test failed: ``failure.png`` and ``console.log`` in
    ``test-artifacts/<test>/``.  Closed with ``run_before_unload=True``.

Helpers (``from harness import open_app, error_outputs, kernel_errors, snap``)
--------------------------------------------------------------------------------
``open_app(page, url)``
    goto + wait until Voila has rendered every output and every widget view
    (the spinner ``#loading`` is gone, no ``vnd.voila.cell-output+json`` script
    is left, no widget panel is empty): the app is live.  Bokeh draws a moment
    later: wait for it with ``page.locator("canvas").first.wait_for()``.
``error_outputs(page)``
    list of error texts: error/stderr output areas, undisplayable widgets,
    kernel ``error`` messages (exceptions in widget callbacks, which Voila shows
    nowhere), uncaught page JS errors.  ``assert error_outputs(page) == []``.
``snap(page, name)``
    screenshot to ``test-artifacts/<test>/<name>.png`` (gitignored).

Example::

    from harness import ROOT, open_app, error_outputs, snap
    from playwright.sync_api import expect

    NB = ROOT / "notebooks" / "designer.ipynb"

    @pytest.mark.browser
    def test_designer(voila, page):
        open_app(page, voila(NB) + "?preset=three-step")
        assert error_outputs(page) == []
        expect(page.locator("canvas").first).to_be_visible()

Practical notes: Playwright's CSS selectors pierce Bokeh's shadow DOM
(``canvas``), ``document.querySelector`` in page JS does not; Bokeh models are in
``Bokeh.documents[i].all_models`` (a Set; a ColumnDataSource's ``data`` may be
a ``Map`` or a plain object: handle both, see test_serving_smoke.py).
Give widgets a CSS class (``w.add_class("x")``) to find them.  Slider values
come back like 402.99999999999994: compare with a tolerance.  Press keys on a
slider's ``.noUi-handle`` to move it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import hermetic
import pytest

_BROWSER_DIR = Path(__file__).resolve().parent / "browser"
if str(_BROWSER_DIR) not in sys.path:  # for `from harness import ...`
    sys.path.insert(0, str(_BROWSER_DIR))

from harness import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    VOILA_CONFIGS,
    artifacts_dir,
    forget,
    record_of,
    watch,
)


try:  # Playwright's expect() waits 5 s by default: too short on 2 busy cores
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
except ImportError:  # the browser fixture reports what is missing
    pass


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """With two workers (``make test``: ``-n 2 --dist loadgroup``) a test module runs on one worker, so its
    module-scoped servers start once; a test that names its own ``xdist_group`` (a part of a long module) may go
    to the other worker."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so fixtures can see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session", autouse=True)
def hermetic_home(tmp_path_factory):
    """The session's own HOME, XDG folders and PRESSBOOK_DB, inherited by every process the tests start."""
    env = hermetic.enter(tmp_path_factory.mktemp("hermetic"))
    yield env
    hermetic.leave()


def _failed(node) -> bool:
    return any(
        getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """One Voila subprocess (also used by tests/serving_fixtures.py: keep the interface)."""

    def __init__(self, notebook: Path, config: str, args, log: Path):
        self.port = _free_port()
        self.log = log.with_name(f"voila-{self.port}.log")
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [
            sys.executable, "-m", "voila", str(notebook),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",  # never move silently to another port
            f"--Voila.config_file_paths={VOILA_CONFIGS[config]}",
            *args,
        ]
        env = dict(os.environ, PYTHONUNBUFFERED="1", JUPYTER_PLATFORM_DIRS="1")
        # Keep the user's ~/.jupyter out; the environment's own config stays.
        env["JUPYTER_CONFIG_DIR"] = str(log.parent / "jupyter-config")
        self._logfile = open(self.log, "w")
        self._logfile.write("$ " + " ".join(cmd) + "\n")
        self._logfile.flush()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=self._logfile, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def wait_log(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if text in self.log_text():
                return True
            time.sleep(0.2)
        return False

    def log_text(self) -> str:
        if not self._logfile.closed:
            self._logfile.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # Voila shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group (kernels), at once
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self._logfile.close()


def _starter(servers: list, folder: Path):
    """start(notebook, config="app", args=(), timeout=90, wait_for=None) -> base URL; each server started is
    added to ``servers``, its log in ``folder``."""

    def start(notebook, config: str = "app", args=(), timeout: float = 90, wait_for=None) -> str:
        notebook = Path(notebook).resolve()
        if not notebook.exists():
            raise FileNotFoundError(notebook)
        if config not in VOILA_CONFIGS:
            raise ValueError(f"config must be one of {sorted(VOILA_CONFIGS)}")
        for _attempt in range(3):  # a free port can be taken before Voila binds it
            server = _Server(notebook, config, list(args), folder / "voila.log")
            servers.append(server)
            if server.wait_ready(timeout):
                if wait_for is None or server.wait_log(wait_for, timeout):
                    return server.url
                break
            server.stop()
            if "is already in use" not in server.log_text():
                break
        server.stop()
        waited = f" (waited for {wait_for!r} in its log)" if wait_for else ""
        pytest.fail(f"Voila on port {server.port} did not get ready{waited}:\n{server.log_text()[-4000:]}")

    return start


@pytest.fixture
def voila(request, tmp_path):
    """Factory: voila(notebook, config="app", args=(), timeout=90, wait_for=None) -> base URL."""
    servers: list[_Server] = []
    yield _starter(servers, tmp_path)
    for server in servers:
        server.stop()
    if _failed(request.node):
        for server in servers:
            shutil.copy(server.log, artifacts_dir() / server.log.name)


@pytest.fixture(scope="module")
def shared_voila(request, tmp_path_factory):
    """Factory like ``voila``, whose servers serve the whole module: the same arguments give the same running
    server. For tests that each open their own page on the app config (a kernel per page), so they share
    nothing but the server; a test that needs a fresh server (its log, its kernel count, the class config's
    pool) uses ``voila``. When a test of the module failed, the logs go to ``test-artifacts/<module>/``."""
    servers: list[_Server] = []
    start = _starter(servers, tmp_path_factory.mktemp("voila"))
    started: dict = {}
    failed_before = request.session.testsfailed

    def shared(notebook, config: str = "app", args=(), timeout: float = 90, wait_for=None) -> str:
        key = (Path(notebook).resolve(), config, tuple(args), wait_for)
        if key not in started:
            started[key] = start(notebook, config, args, timeout, wait_for)
        return started[key]

    yield shared
    for server in servers:
        server.stop()
    if request.session.testsfailed > failed_before:
        out = ARTIFACTS / Path(request.node.name).stem
        out.mkdir(parents=True, exist_ok=True)
        for server in servers:
            shutil.copy(server.log, out / server.log.name)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (PRESSBOOK_CHROMIUM or /usr/bin/chromium)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = (
            f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) "
            "or set PRESSBOOK_CHROMIUM to a Chromium/Chrome binary"
        )
        if _in_ci():
            pytest.fail(reason + " [CI is set: browser tests must run]")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(request, browser, voila):
    """A fresh page; set up after `voila`, so closed before the servers stop."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch(page)
    yield page
    if _failed(request.node):
        out = artifacts_dir()
        try:
            page.screenshot(path=str(out / "failure.png"), full_page=True)
        except Exception as exc:  # the page may be gone
            print(f"no failure screenshot: {exc}")
        record = record_of(page)
        (out / "console.log").write_text(
            "\n".join(record.console + ["", "page errors:"] + record.page_errors
                      + ["", "kernel errors:"] + record.kernel_errors)
        )
    forget(page)
    page.close(run_before_unload=True)
    context.close()
