"""The local JupyterHub (etc/jupyterhub/jupyterhub_config.py) serves each user the pressbook apps.

Starts the hub on 127.0.0.1 (free ports), with configurable-http-proxy from npm
(installed into build/hub by etc/jupyterhub/install-proxy.sh when missing) and
JupyterHub from PyPI (installed into this venv when missing), logs in two users
with the shared password, checks that each lands on the start page, opens the
designer in Voila for each (HTTP; the first user also in Chromium, which must
ask nothing of the internet: the offline pressbook template), checks that one
user cannot reach the other's server, then stops everything.  Outside CI a missing npm/network skips the test with the
reason; with CI set it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hermetic import package_tool_env

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "etc" / "jupyterhub" / "jupyterhub_config.py"
INSTALL_PROXY = ROOT / "etc" / "jupyterhub" / "install-proxy.sh"
CONSTRAINTS = ROOT / "binder" / "constraints.txt"
PASSWORD = "pressbook-test-password"
USERS = ("ada", "grace")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(reason + " [CI is set: the JupyterHub test must run]")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_jupyterhub() -> None:
    try:
        import jupyterhub  # noqa: F401
        return
    except ImportError:
        pass
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "jupyterhub>=5"]
    if CONSTRAINTS.exists():
        cmd += ["-c", str(CONSTRAINTS)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=package_tool_env())
    if proc.returncode != 0:
        _unavailable(f"could not install jupyterhub from PyPI:\n{proc.stderr[-2000:]}")


def _ensure_proxy() -> str:
    if shutil.which("npm") is None and not (ROOT / "build/hub/node_modules/.bin/configurable-http-proxy").exists():
        _unavailable("npm is missing (apt-get install -y nodejs npm): cannot install configurable-http-proxy")
    proc = subprocess.run(["bash", str(INSTALL_PROXY)], capture_output=True, text=True, timeout=300,
                          env=package_tool_env())  # npm with the developer's registry settings
    if proc.returncode != 0:
        _unavailable(f"could not install configurable-http-proxy from npm:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("JupyterHub exited:\n" + log.read_text(errors="replace")[-4000:])
        try:  # the proxy listens before the hub has added its route: ask the hub's API
            import requests

            if requests.get(f"http://127.0.0.1:{port}/hub/api", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail(f"JupyterHub did not answer on {port}:\n" + log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _ensure_jupyterhub()
    chp = _ensure_proxy()
    state = tmp_path_factory.mktemp("hub-state")
    port = _free_port()
    env = dict(
        os.environ,
        PRESSBOOK_HUB_PASSWORD=PASSWORD,
        PRESSBOOK_HUB_PORT=str(port),
        PRESSBOOK_HUB_API_PORT=str(_free_port()),
        PRESSBOOK_HUB_PROXY_PORT=str(_free_port()),
        PRESSBOOK_HUB_STATE=str(state),
        PRESSBOOK_CHP=chp,
        PRESSBOOK_HUB_CULL_IDLE="0",
        PYTHONUNBUFFERED="1",
        JUPYTER_CONFIG_DIR=str(state / "jupyter-config"),
    )
    log = state / "jupyterhub.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
            cwd=state, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_port(port, proc, log)
        yield {"url": f"http://127.0.0.1:{port}", "log": log, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # cleanup_servers: stops the users' servers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        # the users' servers and the proxy may run in sessions of their own: stop any that survived
        _kill_leftovers(state, env["PRESSBOOK_HUB_PROXY_PORT"])


def _kill_leftovers(state: Path, proxy_api_port: str) -> None:
    import psutil

    for p in psutil.process_iter(["cmdline", "environ"]):
        try:
            argv = p.info["cmdline"] or []
            cmd = " ".join(argv)
            home = str((p.info.get("environ") or {}).get("HOME", ""))
            ours = ("jupyterhub-singleuser" in cmd and str(state) in home) or (
                "configurable-http-proxy" in cmd and "--api-port" in argv
                and argv[argv.index("--api-port") + 1] == proxy_api_port
            )
            if ours:
                p.kill()
        except (psutil.Error, TypeError, IndexError):
            pass


def _login(base: str, user: str):
    import requests

    s = requests.Session()
    r = s.get(f"{base}/hub/login", timeout=30)
    r.raise_for_status()
    xsrf = s.cookies.get("_xsrf") or re.search(r'name="_xsrf" value="([^"]+)"', r.text).group(1)
    r = s.post(f"{base}/hub/login", data={"username": user, "password": PASSWORD, "_xsrf": xsrf},
               timeout=60, allow_redirects=False)
    assert r.status_code == 302, f"login of {user} answered {r.status_code}: {r.text[:500]}"
    return s


def _open_designer(base: str, s, user: str, timeout: float = 150) -> str:
    """Follow the hub's redirects (spawn, OAuth) until Voila has rendered the designer."""
    url = f"{base}/user/{user}/voila/render/designer.ipynb?preset=three-step"
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        r = s.get(url, timeout=120)
        last = r
        if r.status_code == 200 and f"/user/{user}/voila/render/" in r.url and '"kernelId"' in r.text:
            return r.text
        time.sleep(1)
    raise AssertionError(f"no designer for {user}: {last.status_code} {last.url}\n{last.text[:1000]}")


#: a stylesheet or script the page would fetch from another machine (a CDN)
_REMOTE = re.compile(r"""<(?:link|script)\b[^>]*\b(?:href|src)=["']?(?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.I)


def _land(base: str, s, user: str, timeout: float = 150):
    """Where a user's server sends them (its default page), once it has started and Voila has rendered it."""
    deadline = time.monotonic() + timeout
    while True:
        r = s.get(f"{base}/user/{user}/", timeout=120)
        if (r.status_code == 200 and "/voila/render/" in r.url) or time.monotonic() > deadline:
            return r
        time.sleep(1)


def test_two_users_get_the_start_page_and_the_designer(hub):
    base = hub["url"]
    t0 = time.monotonic()
    sessions = {u: _login(base, u) for u in USERS}
    # start both servers; each user lands on the start page (notebooks/index.ipynb), then opens the designer
    for u, s in sessions.items():
        s.get(f"{base}/hub/spawn/{u}", timeout=60)
    for u, s in sessions.items():
        r = _land(base, s, u)
        assert r.status_code == 200 and r.url.endswith(f"/user/{u}/voila/render/index.ipynb"), (r.status_code, r.url)
        assert "pressing solid-state battery pellets" in r.text and "designer.ipynb" in r.text
        assert not _REMOTE.search(r.text), f"the start page fetches from the internet: {_REMOTE.search(r.text)}"
        assert r.headers.get("Content-Encoding") == "gzip", "the start page is sent uncompressed"
    pages = {u: _open_designer(base, s, u) for u, s in sessions.items()}
    for u, html in pages.items():
        assert "There was an error when executing cell" not in html, u
        assert "Traceback" not in html and "build_designer(" not in html, f"{u}: code or traceback in the page"
        assert html.count('"kernelId"') == 1
        # the pressbook template: Voila's lab page without its CDN stylesheets
        assert not _REMOTE.search(html), f"the designer fetches from the internet: {_REMOTE.search(html)}"
    kernel_ids = {re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html).group(1) for html in pages.values()}
    assert len(kernel_ids) == 2, "the two users share a kernel"

    # one user cannot use the other's server
    r = sessions["ada"].get(f"{base}/user/grace/voila/render/designer.ipynb", timeout=60)
    assert not (r.status_code == 200 and "/user/grace/voila/render/" in r.url and '"kernelId"' in r.text), \
        "ada opened grace's app"
    # and a visitor who is not logged in is sent to the login page
    import requests

    r = requests.get(f"{base}/user/ada/voila/render/designer.ipynb", timeout=60)
    assert "/hub/login" in r.url, r.url
    # a wrong password is refused
    s = requests.Session()
    s.get(f"{base}/hub/login", timeout=30)
    r = s.post(f"{base}/hub/login", data={"username": "eve", "password": "wrong-password",
                                          "_xsrf": s.cookies.get("_xsrf", "")}, allow_redirects=False, timeout=30)
    assert r.status_code != 302 or "/hub/login" in r.headers.get("Location", "")
    print(f"two users logged in and served in {time.monotonic() - t0:.1f} s")


@pytest.mark.browser
def test_start_page_and_designer_in_the_browser_through_the_hub(hub, browser):
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from harness import error_outputs, open_app, snap, watch

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch(page)
    # the browser resolves no host name but 127.0.0.1: a request out of the machine fails (a local request the
    # page aborts, such as Voila's shutdown beacon of the page left, is no such request)
    failed: list[str] = []
    page.on("requestfailed", lambda r: None if urlsplit(r.url).hostname in ("127.0.0.1", "localhost")
            else failed.append(f"{r.url} ({r.failure})"))
    page.set_default_timeout(60_000)
    try:
        page.goto(hub["url"] + "/hub/login")
        page.fill("input[name=username]", "ada")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        # logging in lands on the start page, rendered by Voila
        page.wait_for_url(re.compile(r".*/user/ada/voila/render/index\.ipynb.*"), timeout=120_000)
        page.locator("h1").first.wait_for()
        assert "pressing solid-state battery pellets" in page.locator("h1").first.inner_text()
        snap(page, "start-page-through-jupyterhub")
        open_app(page, hub["url"] + "/user/ada/voila/render/designer.ipynb?preset=co-press", timeout=120_000)
        page.locator(".pb-fig-compaction canvas").first.wait_for()
        assert error_outputs(page) == []
        assert failed == [], "requests that left the machine (and failed)"
        snap(page, "designer-through-jupyterhub")
    finally:
        page.close(run_before_unload=True)
        context.close()
