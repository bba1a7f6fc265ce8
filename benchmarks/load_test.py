"""Load test: N students open the designer at once and change pressures.

    .venv/bin/python benchmarks/load_test.py                      # N = 10, 20, 40 (about 15 min)
    .venv/bin/python benchmarks/load_test.py --students 10 --duration 30
    .venv/bin/python benchmarks/load_test.py --students 60 80 --out /tmp/more.json
    .venv/bin/python benchmarks/load_test.py --students 40 --pool 40   # as `make serve-class STUDENTS=40`
    .venv/bin/python benchmarks/load_test.py --students 40 --pool 40 --restart   # a restart mid-class

For each N a fresh Voila server is started exactly as `make serve-class` does
(`voila notebooks --Voila.config_file_paths=etc/voila/class`: preheated kernels,
culling, the kernel limits), on 127.0.0.1 only; `--pool N` sizes the preheated
designer pool as `make serve-class STUDENTS=N` does.  Once the start page's pool
status says ready (GET voila/pressbook/pool: every pool kernel has built the app),
N simulated students start within `--spread` seconds, each from an address of its
own (127.0.x.y: the server keeps at most a few kernels per visitor).  Each student does
what the page does, over HTTP and the kernel websocket (the same messages as
Voila's frontend):

1. GET /voila/render/designer.ipynb?preset=three-step (the server executes the
   notebook or hands out a preheated kernel; the page streams back),
2. opens the kernel websocket and asks for the widgets' state (ipywidgets'
   `jupyter.widget.control` comm, as the page's widget manager does): the app is
   interactive now (time to interactive, TTI),
3. every `--think` seconds (with jitter) sets one step's pressure (a comm
   `update` of the FloatText, as typing a value and pressing Enter does) and waits
   until the kernel is idle again with every widget and Bokeh update sent:
   that round trip is the update latency.

Students keep changing pressures until `--duration` seconds after the last one
became interactive ("steady state"); latencies are reported for all updates and
for the steady state alone.  Errors (must be 0): HTTP errors, failed cells,
websocket failures, kernel `error` messages, an app error message in a widget,
updates without an answer within 30 s.  Memory: RSS and USS of the server plus
its kernels (psutil) before, at the peak and after.  Then the students leave
(close their sockets, like closing the tab; Voila's shutdown beacon does not work,
see TOOLCHAIN) and the test waits for culling to bring the kernels and memory
back to the baseline; for that phase the cull timeout is shortened to
`--cull-timeout` seconds (shipped: 600).

What this does not include: the browser's own work (downloading the 3 MB page,
BokehJS drawing: about 10-20 ms per update on a desktop, measured separately with
Playwright); the students' browsers do not share the 2 cores with the server
here, which is the real situation in a class.

Results: JSON (--out, default benchmarks/results/load.json) and a Markdown table
beside it (.md).  Exit status 0 when every run had 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import cpu_seconds, tree_cpu_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASS_CONFIG = ROOT / "etc" / "voila" / "class"
NOTEBOOKS = ROOT / "notebooks"
APP_PATH = "voila/render/designer.ipynb"
QUERY = "preset=three-step"
P95_TARGET_MS = 250.0
LOG_DIR = ROOT / "test-artifacts" / "load"  # the servers' logs (gitignored)


# ---------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`voila <root> --Voila.config_file_paths=etc/voila/class` on 127.0.0.1."""

    def __init__(self, root: Path, extra_args=(), log_path: Path | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="voila-load-", suffix=".log")[1])
        cmd = [
            sys.executable, "-m", "voila", str(root),
            "--no-browser", f"--port={self.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
            f"--Voila.config_file_paths={CLASS_CONFIG}", *extra_args,
        ]
        env = dict(os.environ, PYTHONUNBUFFERED="1", JUPYTER_PLATFORM_DIRS="1")
        env["JUPYTER_CONFIG_DIR"] = str(Path(tempfile.mkdtemp(prefix="jupyter-config-")))
        self._log = open(self.log_path, "w")
        self._log.write("$ " + " ".join(cmd) + "\n")
        self._log.flush()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ps = psutil.Process(self.proc.pid)

    def wait_port(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Voila exited:\n" + self.log_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"Voila did not listen on {self.port} within {timeout} s")

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_pools(self, n_notebooks: int, timeout: float = 600) -> float:
        """Wait until every preheated pool is ready (the start page's pool status); returns the seconds
        waited.  A server without the status: the log's "filled" lines, and 8 s for the last renders."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            status = self.pool_status()
            if status is not None and status.get("filled"):
                return time.monotonic() - t0
            if status is None and len(re.findall(r"Kernel pool of .* is filled", self.log_text())) >= n_notebooks:
                time.sleep(8)
                return time.monotonic() - t0
            time.sleep(0.5)
        return time.monotonic() - t0

    def pool_status(self) -> dict | None:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url + "voila/pressbook/pool", timeout=10) as r:
                return json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def kernels(self) -> list[psutil.Process]:
        out = []
        try:
            children = self.ps.children(recursive=True)
        except psutil.Error:
            children = []
        for c in children:
            try:
                if "ipykernel" in " ".join(c.cmdline()):
                    out.append(c)
            except psutil.Error:  # exited meanwhile
                pass
        return out

    def memory(self, uss: bool = False) -> dict:
        """RSS (and USS) in MB of the server and of its kernels."""
        out = {"server_rss_mb": 0.0, "kernels_rss_mb": 0.0, "kernels": 0}
        if uss:
            out.update(server_uss_mb=0.0, kernels_uss_mb=0.0)
        try:
            procs = [(self.ps, "server")] + [(k, "kernels") for k in self.kernels()]
        except psutil.Error:
            return out
        for p, kind in procs:
            try:
                if uss:
                    info = p.memory_full_info()
                    out[f"{kind}_uss_mb"] += info.uss / 2**20
                else:
                    info = p.memory_info()
                out[f"{kind}_rss_mb"] += info.rss / 2**20
                if kind == "kernels":
                    out["kernels"] += 1
            except psutil.Error:
                pass
        out["total_rss_mb"] = out["server_rss_mb"] + out["kernels_rss_mb"]
        if uss:
            out["total_uss_mb"] = out["server_uss_mb"] + out["kernels_uss_mb"]
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in out.items()}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self._log.close()


def _busy_cpu_s() -> float:
    t = psutil.cpu_times()
    return sum(v for k, v in t._asdict().items() if k not in ("idle", "iowait", "guest", "guest_nice"))


def _tree_cpu_s(server: "Server") -> float:
    """CPU seconds used so far by the server, its kernels and this load generator."""
    return cpu_seconds([psutil.Process()]) + tree_cpu_seconds(server.ps.pid)


def expected_pools(root: Path) -> int:
    """How many notebooks the class config preheats (its VoilaKernelManager.preheat_denylist)."""
    cfg = json.loads((CLASS_CONFIG / "voila.json").read_text())
    deny = cfg.get("VoilaKernelManager", {}).get("preheat_denylist", [])
    # Voila 0.5.13 matches the patterns against the notebooks' absolute paths
    names = [str(p) for p in root.resolve().rglob("*.ipynb") if ".ipynb_checkpoints" not in str(p)]
    return sum(1 for n in names if not any(d in n or re.match(d, n) for d in deny))


# ---------------------------------------------------------------------------- one student


def _msg(msg_type: str, content: dict, channel: str = "shell", session: str = "", metadata=None) -> dict:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student",
                   "session": session, "date": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                   "version": "5.3"},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel, "buffers": [],
    }


@dataclass
class Student:
    index: int
    base: str
    stop_at: list  # [monotonic time] shared, set once everyone is interactive
    think: float
    rng: random.Random
    page_timeout: float = 240.0  # a page that never completes is an error, not a stall
    address: str = "127.0.0.1"  # the student's own address (loopback has all of 127.0.0.0/8)
    t_start: float = 0.0
    tti_s: float | None = None
    render_s: float | None = None
    interactive_at: float | None = None
    latencies: list = field(default_factory=list)  # (monotonic time sent, seconds)
    errors: list = field(default_factory=list)
    updates: int = 0
    ws = None

    async def run(self, deadline: float) -> None:
        from tornado.httpclient import AsyncHTTPClient, HTTPRequest
        from tornado.websocket import websocket_connect

        self.t_start = time.monotonic()
        client = AsyncHTTPClient()
        try:
            resp = await client.fetch(HTTPRequest(f"{self.base}{APP_PATH}?{QUERY}", request_timeout=self.page_timeout,
                                                  connect_timeout=60, network_interface=self.address),
                                      raise_error=False)
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            self.errors.append(f"page: {type(exc).__name__}: {exc}")
            return
        self.render_s = time.monotonic() - self.t_start
        if resp.code != 200:
            self.errors.append(f"page: HTTP {resp.code} {resp.reason}")
            return
        html = resp.body.decode("utf-8", "replace")
        if "There was an error when executing cell" in html:
            self.errors.append("page: a cell failed")
        m = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
        if not m:
            self.errors.append("page: no kernel id")
            return
        kernel_id = m.group(1)
        cookies = resp.headers.get_list("Set-Cookie")
        cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
        session = uuid.uuid4().hex
        try:
            self.ws = await websocket_connect(HTTPRequest(
                f"ws://127.0.0.1:{self.base.rsplit(':', 1)[1].rstrip('/')}/api/kernels/{kernel_id}/channels"
                f"?session_id={session}",
                headers={"Cookie": cookie, "Origin": self.base.rstrip("/")}, connect_timeout=60,
                request_timeout=60, network_interface=self.address), max_message_size=256 * 2**20)
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"websocket: {type(exc).__name__}: {exc}")
            return
        try:
            await self._session(session, deadline)
        finally:
            self.ws.close()

    async def _send(self, msg) -> str:
        await self.ws.write_message(json.dumps(msg))
        return msg["header"]["msg_id"]

    async def _until(self, parent_id: str, done, timeout: float):
        """Read messages until done(msg) for a message whose parent is parent_id; check errors."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError
            raw = await asyncio.wait_for(self.ws.read_message(), left)
            if raw is None:
                raise ConnectionError("websocket closed")
            msg = json.loads(raw)
            mtype = msg["header"]["msg_type"]
            if mtype == "error":
                self.errors.append(f"kernel error: {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
            elif mtype == "status" and msg["content"].get("execution_state") in ("dead", "restarting"):
                self.errors.append(f"kernel {msg['content']['execution_state']}")
            elif mtype == "comm_msg":
                state = msg["content"].get("data", {}).get("state", {})
                value = state.get("value") if isinstance(state, dict) else None
                if isinstance(value, str) and "Something went wrong" in value:
                    self.errors.append("app error message: " + re.sub("<[^>]+>", "", value)[:200])
            if msg.get("parent_header", {}).get("msg_id") == parent_id and done(msg):
                return msg

    async def _session(self, session: str, deadline: float) -> None:
        # the widget manager asks for every widget's state (ipywidgets 8 control comm)
        comm_id = uuid.uuid4().hex
        from ipywidgets._version import __control_protocol_version__

        await self._send(_msg("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                            "data": {}}, session=session,
                              metadata={"version": __control_protocol_version__}))
        req = await self._send(_msg("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}},
                                    session=session))
        try:
            reply = await self._until(req, lambda m: m["header"]["msg_type"] == "comm_msg"
                                      and m["content"]["data"].get("method") == "update_states", 120)
        except (TimeoutError, asyncio.TimeoutError, ConnectionError) as exc:
            self.errors.append(f"widget state: {type(exc).__name__}")
            return
        states = reply["content"]["data"]["states"]
        pressures = {mid: s["state"]["value"] for mid, s in states.items()
                     if s.get("model_name") == "FloatTextModel"
                     and "pb-step-pressure" in s["state"].get("_dom_classes", [])}
        if not pressures:
            self.errors.append("no pressure input found in the app")
            return
        self.interactive_at = time.monotonic()
        self.tti_s = self.interactive_at - self.t_start
        while True:
            now = time.monotonic()
            stop = self.stop_at[0]
            if now >= deadline or (stop is not None and now >= stop):
                return
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
            mid = self.rng.choice(sorted(pressures))
            value = round(pressures[mid] * self.rng.uniform(0.9, 1.1), 1)
            msg = _msg("comm_msg", {"comm_id": mid, "data": {"method": "update", "state": {"value": value},
                                                            "buffer_paths": []}}, session=session)
            sent = time.monotonic()
            await self._send(msg)
            try:
                await self._until(msg["header"]["msg_id"], lambda m: m["header"]["msg_type"] == "status"
                                  and m["content"].get("execution_state") == "idle", 30)
            except (TimeoutError, asyncio.TimeoutError):
                self.errors.append("update: no answer within 30 s")
                return
            except ConnectionError as exc:
                self.errors.append(f"update: {exc}")
                return
            self.latencies.append((sent, time.monotonic() - sent))
            self.updates += 1


# ---------------------------------------------------------------------------- one run


def _pct(values, q):
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * (len(s) - 1)))))
    return s[k]


def _ms(v):
    return None if v is None else round(v * 1000, 1)


async def _drive(students, deadline, stop_at, spread, server, samples):
    async def start(st):
        await asyncio.sleep(st.rng.uniform(0, spread))
        await st.run(deadline)

    async def watch_all_interactive():
        while time.monotonic() < deadline:
            done = [s for s in students if s.interactive_at is not None or s.errors]
            if len(done) == len(students):
                return
            await asyncio.sleep(0.2)

    async def sample_memory():
        while True:
            samples.append((time.monotonic(), server.memory()))
            await asyncio.sleep(2)

    sampler = asyncio.ensure_future(sample_memory())
    tasks = [asyncio.ensure_future(start(s)) for s in students]
    await watch_all_interactive()
    return tasks, sampler


def student_address(i: int) -> str:
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def run_once(n: int, duration: float = 60, think: float = 3.0, spread: float = 2.0, cull_timeout: int = 30,
             max_seconds: float = 900, seed: int = 1, notebooks: Path = NOTEBOOKS, log_dir: Path | None = None,
             quiet: bool = False, pool: int | None = None, voila_args=()) -> dict:
    """One load run with n students; returns the result dict."""
    from tornado.httpclient import AsyncHTTPClient

    def say(*a):
        if not quiet:
            print(f"[N={n}]", *a, flush=True)

    n_notebooks = expected_pools(Path(notebooks))
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
    log_path = (Path(log_dir) / f"voila-load-{n}.log") if log_dir else None
    server = Server(notebooks, extra_args=[f"--MappingKernelManager.cull_idle_timeout={cull_timeout}",
                                          "--MappingKernelManager.cull_interval=5",
                                          *([f"--VoilaConfiguration.default_pool_size={pool}"] if pool else []),
                                          *voila_args],
                    log_path=log_path)
    result: dict = {"students": n, "pool": pool or 2, "voila_args": list(voila_args)}
    try:
        server.wait_port()
        waited = server.wait_pools(n_notebooks)
        result["pool_ready_s"] = round(waited, 1)
        baseline = server.memory(uss=True)
        say(f"server up, pools filled in {waited:.0f} s; baseline {baseline}")

        rng = random.Random(seed)
        stop_at = [None]
        t0 = time.monotonic()
        deadline = t0 + max_seconds
        students = [Student(i, server.url, stop_at, think, random.Random(rng.random()), address=student_address(i))
                    for i in range(n)]
        samples: list = []
        AsyncHTTPClient.configure(None, max_clients=max(10, 2 * n))
        loop = asyncio.new_event_loop()
        try:
            tasks, sampler = loop.run_until_complete(
                _drive(students, deadline, stop_at, spread, server, samples))
            all_in = time.monotonic()
            stop_at[0] = min(all_in + duration, deadline)
            busy0, tree0 = _busy_cpu_s(), _tree_cpu_s(server)
            say(f"all interactive after {all_in - t0:.1f} s; steady state for {duration:.0f} s")
            peak_uss = None

            async def finish():
                nonlocal peak_uss
                await asyncio.sleep(max(0.0, stop_at[0] - time.monotonic() - 3))
                peak_uss = server.memory(uss=True)  # near the end, all kernels alive
                await asyncio.gather(*tasks, return_exceptions=True)

            loop.run_until_complete(finish())
            window = time.monotonic() - all_in
            busy1, tree1 = _busy_cpu_s(), _tree_cpu_s(server)
            # CPU used on the machine by anything else than this test (other users, other jobs):
            # steady-state numbers are only comparable when this is near 0.
            result["other_load_cores"] = round(max(0.0, (busy1 - busy0) - (tree1 - tree0)) / window, 2)
            result["test_load_cores"] = round((tree1 - tree0) / window, 2)
            result["loadavg_1min_end"] = round(os.getloadavg()[0], 2)
            sampler.cancel()
            loop.run_until_complete(asyncio.gather(sampler, return_exceptions=True))
        finally:
            async def close_client():
                AsyncHTTPClient().close()

            loop.run_until_complete(close_client())
            loop.close()
        t_end = time.monotonic()

        lat_all = [lat for s in students for _t, lat in s.latencies]
        lat_steady = [lat for s in students for t, lat in s.latencies if t >= all_in]
        ttis = [s.tti_s for s in students if s.tti_s is not None]
        renders = [s.render_s for s in students if s.render_s is not None]
        errors = [f"student {s.index}: {e}" for s in students for e in s.errors]
        peak_rss = max((m["total_rss_mb"] for _t, m in samples), default=None)
        kernels_peak = max((m["kernels"] for _t, m in samples), default=None)
        result.update({
            "errors": len(errors),
            "error_samples": errors[:20],
            "updates": len(lat_all),
            "updates_steady": len(lat_steady),
            "update_ms_p50": _ms(_pct(lat_all, 50)),
            "update_ms_p95": _ms(_pct(lat_all, 95)),
            "update_ms_max": _ms(max(lat_all) if lat_all else None),
            "steady_update_ms_p50": _ms(_pct(lat_steady, 50)),
            "steady_update_ms_p95": _ms(_pct(lat_steady, 95)),
            "tti_s_p50": None if not ttis else round(_pct(ttis, 50), 2),
            "tti_s_p95": None if not ttis else round(_pct(ttis, 95), 2),
            "tti_s_max": None if not ttis else round(max(ttis), 2),
            "page_s_p50": None if not renders else round(_pct(renders, 50), 2),
            "all_interactive_s": round(all_in - t0, 1),
            "steady_s": round(t_end - all_in, 1),
            "memory_baseline": baseline,
            "memory_peak_total_rss_mb": peak_rss,
            "memory_end_of_load": peak_uss,
            "kernels_peak": kernels_peak,
        })
        if peak_uss and baseline and peak_uss["kernels"] > baseline["kernels"]:
            extra = peak_uss["kernels"] - baseline["kernels"]
            result["per_student_uss_mb"] = round((peak_uss["total_uss_mb"] - baseline["total_uss_mb"]) / extra, 1)
            result["per_kernel_rss_mb"] = round(peak_uss["kernels_rss_mb"] / peak_uss["kernels"], 1)
        say(f"errors {len(errors)}; updates {len(lat_all)} (steady {len(lat_steady)}); "
            f"p50/p95 {result['update_ms_p50']}/{result['update_ms_p95']} ms "
            f"(steady {result['steady_update_ms_p50']}/{result['steady_update_ms_p95']} ms); "
            f"TTI p50/max {result['tti_s_p50']}/{result['tti_s_max']} s")

        # the students leave: closed sockets; culling frees the kernels
        t_leave = time.monotonic()
        limit = cull_timeout + 5 + 5 * 3 + 60
        while time.monotonic() - t_leave < limit:
            if len(server.kernels()) <= baseline["kernels"]:
                break
            time.sleep(2)
        time.sleep(3)
        after = server.memory(uss=True)
        result["memory_after_culling"] = after
        result["culling_s"] = round(time.monotonic() - t_leave, 1)
        result["kernels_back_to_baseline"] = after["kernels"] <= baseline["kernels"]
        say(f"after culling ({result['culling_s']} s): {after}")
    finally:
        server.stop()
    return result


# ---------------------------------------------------------------------------- restart mode


async def _reload_until_back(st: Student, start_at: float, deadline: float, retry_s: float) -> int:
    """A student whose page lost its server: reload at ``start_at``, and again every ``retry_s`` seconds
    (with jitter) while the page fails, as a person clicking Reload; returns the number of reloads."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    reloads = 0
    while time.monotonic() < deadline:
        reloads += 1
        st.errors.clear()
        st.t_start = time.monotonic()
        await st.run(deadline)
        if st.interactive_at is not None:
            return reloads
        await asyncio.sleep(retry_s * st.rng.uniform(0.5, 1.5))
    return reloads


def run_restart(n: int, pool: int | None = None, work: float = 20, duration: float = 30, think: float = 3.0,
                spread: float = 2.0, retry_s: float = 4.0, max_seconds: float = 600, seed: int = 1,
                notebooks: Path = NOTEBOOKS, log_dir: Path | None = None, quiet: bool = False,
                voila_args=()) -> dict:
    """A restart mid-class (issue 27, item 5): n students work ``work`` s, the server is stopped and started
    again on the same port with the same settings, and each student reloads within ``spread`` s (reloading
    again every ``retry_s`` s while the page fails), then keeps changing pressures for ``duration`` s.
    ``back_s_*``: from the restart (the old server stopped) until a student's app is interactive again."""
    from tornado.httpclient import AsyncHTTPClient

    def say(*a):
        if not quiet:
            print(f"[restart N={n}]", *a, flush=True)

    n_notebooks = expected_pools(Path(notebooks))
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
    args = ["--MappingKernelManager.cull_interval=5",
            *([f"--VoilaConfiguration.default_pool_size={pool}"] if pool else []), *voila_args]

    def start(tag: str, port: int | None = None) -> Server:
        return Server(notebooks, extra_args=args, port=port,
                      log_path=(Path(log_dir) / f"voila-restart-{n}-{tag}.log") if log_dir else None)

    result: dict = {"mode": "restart", "students": n, "pool": pool or 2, "voila_args": list(voila_args)}
    AsyncHTTPClient.configure(None, max_clients=max(10, 2 * n))
    rng = random.Random(seed)
    addresses = [student_address(i) for i in range(n)]
    server = start("before")
    loop = asyncio.new_event_loop()
    try:
        server.wait_port()
        result["pool_ready_s"] = round(server.wait_pools(n_notebooks), 1)
        stop_at = [None]
        t0 = time.monotonic()
        before = [Student(i, server.url, stop_at, think, random.Random(rng.random()), address=addresses[i])
                  for i in range(n)]
        tasks, sampler = loop.run_until_complete(_drive(before, t0 + max_seconds, stop_at, spread, server, []))
        result["before_all_interactive_s"] = round(time.monotonic() - t0, 1)
        result["before_errors"] = sum(len(s.errors) for s in before)
        say(f"pool ready after {result['pool_ready_s']} s; all {n} interactive after "
            f"{result['before_all_interactive_s']} s; working {work:.0f} s, then the restart")
        stop_at[0] = time.monotonic() + work
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        sampler.cancel()
        loop.run_until_complete(asyncio.gather(sampler, return_exceptions=True))

        port = server.port
        server.stop()
        t_restart = time.monotonic()
        server = start("after", port=port)
        say(f"server stopped and started again on port {port}; the class reloads")
        stop_after = [None]
        after = [Student(i, server.url, stop_after, think, random.Random(rng.random()), address=addresses[i])
                 for i in range(n)]
        deadline = t_restart + max_seconds

        async def all_back():
            reloads = [asyncio.ensure_future(_reload_until_back(s, t_restart + s.rng.uniform(0, spread), deadline,
                                                                 retry_s)) for s in after]
            while time.monotonic() < deadline and not all(s.interactive_at is not None for s in after):
                await asyncio.sleep(0.2)
            stop_after[0] = time.monotonic() + duration
            return await asyncio.gather(*reloads, return_exceptions=True)

        counts = loop.run_until_complete(all_back())
        backs = [s.interactive_at - t_restart for s in after if s.interactive_at is not None]
        lat = [lat for s in after for t, lat in s.latencies if t >= stop_after[0] - duration]
        errors = [f"student {s.index}: {e}" for s in after for e in s.errors]
        result.update({
            "back": len(backs),
            "back_s_p50": round(_pct(backs, 50), 1) if backs else None,
            "back_s_p95": round(_pct(backs, 95), 1) if backs else None,
            "back_s_max": round(max(backs), 1) if backs else None,
            "all_back_within_120_s": len(backs) == n and max(backs) <= 120,
            "reloads_total": sum(c for c in counts if isinstance(c, int)),
            "reloads_max": max((c for c in counts if isinstance(c, int)), default=None),
            "errors": len(errors) + n - len(backs),
            "error_samples": errors[:20],
            "updates_after": len(lat),
            "update_ms_p50_after": _ms(_pct(lat, 50)),
            "update_ms_p95_after": _ms(_pct(lat, 95)),
            "culled_unconnected": len(re.findall(r"culling kernel .*: no page connected", server.log_text())),
            "loadavg_1min_end": round(os.getloadavg()[0], 2),
        })
        say(f"back: {len(backs)}/{n}, median {result['back_s_p50']} s, max {result['back_s_max']} s, "
            f"{result['reloads_total']} reloads; updates after {result['update_ms_p50_after']}/"
            f"{result['update_ms_p95_after']} ms (p50/p95); errors {result['errors']}")
    finally:
        async def close_client():
            AsyncHTTPClient().close()

        loop.run_until_complete(close_client())
        loop.close()
        server.stop()
    return result


# ---------------------------------------------------------------------------- report


def write_report(results: list[dict], args: dict, out: Path) -> dict:
    ok = [r for r in results if r["errors"] == 0 and r.get("steady_update_ms_p95") is not None
          and r["steady_update_ms_p95"] < P95_TARGET_MS]
    capacity = max((r["students"] for r in ok), default=0)
    doc = {
        "command": "python benchmarks/load_test.py " + " ".join(sys.argv[1:]),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(), "platform": platform.platform()},
        "settings": args,
        "p95_target_ms": P95_TARGET_MS,
        "capacity_students": capacity,
        "capacity_rule": "largest N measured with 0 errors and steady-state p95 update latency < 250 ms",
        "runs": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    rows = [
        "| students | pool (ready after s) | errors | updates | p50 / p95 update (ms), all | p50 / p95 update (ms), steady | "
        "TTI p50 / p95 / max (s) | all interactive (s) | memory baseline -> peak RSS (MB) | "
        "USS per student (MB) | kernels back to baseline | other load (cores) | load average (1 min, end) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['students']} | {r.get('pool', 2)} ({r.get('pool_ready_s')}) | {r['errors']} | {r.get('updates')} | {r.get('update_ms_p50')} / "
            f"{r.get('update_ms_p95')} | {r.get('steady_update_ms_p50')} / {r.get('steady_update_ms_p95')} | "
            f"{r.get('tti_s_p50')} / {r.get('tti_s_p95')} / {r.get('tti_s_max')} | {r.get('all_interactive_s')} | "
            f"{r['memory_baseline'].get('total_rss_mb')} -> {r.get('memory_peak_total_rss_mb')} | "
            f"{r.get('per_student_uss_mb')} | {r.get('kernels_back_to_baseline')} "
            f"({r.get('memory_after_culling', {}).get('total_rss_mb')} MB after {r.get('culling_s')} s) | "
            f"{r.get('other_load_cores')} | {r.get('loadavg_1min_end')} |"
        )
    md = [
        "# Load test: the sequence designer served to a class",
        "",
        f"Command: `{doc['command']}`  ",
        f"Date: {doc['date']}; machine: {doc['machine']['cores']} cores, {doc['machine']['memory_gb']} GiB, "
        f"Python {doc['machine']['python']}.  ",
        f"Settings: {json.dumps(args)}",
        "",
        *rows,
        "",
        f"**Capacity: {capacity} students** ({doc['capacity_rule']}; N measured: "
        f"{', '.join(str(r['students']) for r in results)}).",
        "",
        "Update latency: from a pressure change sent on the kernel websocket until the kernel is idle again "
        "with every widget and Bokeh update sent (the browser's drawing, about 10-20 ms, is not included). "
        "Steady: updates sent after every student had the app interactive. TTI: from the page request until "
        "the widget state arrived over the websocket. Memory: server plus kernels (psutil). Other load: CPU "
        "cores used during the steady state by processes outside this test (other jobs on the machine); the "
        "latencies are only comparable when it is near 0.",
    ]
    out.with_suffix(".md").write_text("\n".join(md) + "\n")
    return doc


def write_restart_report(runs: list[dict], args: dict, out: Path) -> None:
    """JSON (``out``) and a Markdown table beside it of restart-mode runs."""
    doc = {"command": "python benchmarks/load_test.py " + " ".join(sys.argv[1:]),
           "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": {"cores": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)},
           "settings": args, "target": "every student back (app interactive) within 120 s of the restart",
           "runs": runs}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    rows = ["| students | pool | back | back p50 / p95 / max (s) | reloads (most by one) | errors | "
            "update p50 / p95 after (ms) | load average (1 min, end) |", "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        rows.append(f"| {r['students']} | {r['pool']} | {r['back']} | {r['back_s_p50']} / {r['back_s_p95']} / "
                    f"{r['back_s_max']} | {r['reloads_total']} ({r['reloads_max']}) | {r['errors']} | "
                    f"{r['update_ms_p50_after']} / {r['update_ms_p95_after']} | {r['loadavg_1min_end']} |")
    out.with_suffix(".md").write_text("\n".join([
        "# Load test, restart mode: a whole class reloading after a server restart", "",
        f"Command: `{doc['command']}`  ", f"Date: {doc['date']}; {doc['machine']['cores']} cores, "
        f"{doc['machine']['memory_gb']} GiB.  ", f"Settings: {json.dumps(args)}", "", *rows, "",
        "Back: from the old server's stop until the student's app is interactive again on the new server (the "
        "page and its widgets' state over the kernel websocket). A student reloads within the spread after the "
        "restart and again every few seconds while the page fails (connection refused, server busy). Target: "
        "every student back within 120 s."]) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10, 20, 40])
    ap.add_argument("--duration", type=float, default=60, help="steady-state seconds (default 60)")
    ap.add_argument("--think", type=float, default=3.0, help="mean seconds between a student's changes (default 3)")
    ap.add_argument("--spread", type=float, default=2.0, help="students arrive within this many seconds")
    ap.add_argument("--cull-timeout", type=int, default=30, help="cull_idle_timeout for this test (shipped: 600)")
    ap.add_argument("--max-seconds", type=float, default=900, help="hard limit per run")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pool", type=int, default=None, help="preheated designer kernels (make serve-class "
                                                             "STUDENTS=N; default: the class config's 2)")
    ap.add_argument("--voila-arg", action="append", default=[], help="an extra Voila option (repeatable)")
    ap.add_argument("--restart", action="store_true", help="restart mode: the class works, the server restarts, "
                    "everyone reloads; reports how long until each is back (see run_restart)")
    ap.add_argument("--work", type=float, default=20, help="restart mode: seconds of work before the restart")
    args = ap.parse_args(argv)
    if any(n < 1 or n > 200 for n in args.students):
        ap.error("students must be between 1 and 200")
    if args.restart:
        out = args.out if args.out != ap.get_default("out") else args.out.with_name("load_restart.json")
        runs = [run_restart(n, args.pool, args.work, args.duration, args.think, args.spread,
                            max_seconds=args.max_seconds, seed=args.seed, log_dir=LOG_DIR, voila_args=args.voila_arg)
                for n in args.students]
        write_restart_report(runs, {k: v for k, v in vars(args).items() if k != "out"}, out)
        print(out.with_suffix(".md").read_text())
        return 0 if all(r["errors"] == 0 and r["all_back_within_120_s"] for r in runs) else 1
    results = []
    for n in args.students:
        results.append(run_once(n, args.duration, args.think, args.spread, args.cull_timeout, args.max_seconds,
                                args.seed, log_dir=LOG_DIR, pool=args.pool, voila_args=args.voila_arg))
    settings = {k: v for k, v in vars(args).items() if k not in ("out",)}
    doc = write_report(results, settings, args.out)
    print(Path(args.out.with_suffix(".md")).read_text())
    return 0 if all(r["errors"] == 0 for r in doc["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
