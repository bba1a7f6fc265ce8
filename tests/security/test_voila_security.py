"""The served apps cannot be used to run code or read files (issue 6, Security).

A real Voila server is started with the shipped configurations (etc/voila/class:
a directory of notebooks, as `make serve-class`; etc/voila/app: one notebook, as
`make app`) on 127.0.0.1, and attacked the way a visitor could:

- messages that run code (`execute_request`, and `inspect`/`complete`/`history`
  requests) sent on the kernel websocket, in both websocket protocols and on
  every channel: refused (a marker file the code would create never appears);
- the Jupyter REST API and UI (`/api/contents`, `/api/kernels` list and POST,
  `/api/sessions`, `/api/terminals`, `/tree`, `/lab`, ...): 403/404/405, never a
  listing, a file or a new kernel;
- static files: only allow-listed types; path traversal (plain, %-encoded) and
  notebook/Python/TOML sources are refused; rendered pages carry no code;
- a websocket from a foreign origin: refused;
- error pages: no traceback, no server path.

Requests go through `http.client`, which sends the path byte for byte (other
clients normalise `..` away before sending, which would hide traversal bugs).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "tests" / "browser" / "smoke.ipynb"
DESIGNER = ROOT / "notebooks" / "designer.ipynb"

# A line of the smoke notebook's code: must never reach a visitor.
SMOKE_CODE = 'slider.observe(on_change, names="value")'

# Text that must never appear in anything the server sends to a visitor.
LEAKS = [
    "Traceback (most recent call last)",
    'File "/',
    "site-packages",
    str(ROOT),
    "root:x:0:0",
    "SECRET_PY_CONTENT",
    "SECRET_TOML_CONTENT",
]


# --------------------------------------------------------------------------- helpers


def _http(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One raw HTTP request; returns (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


def _assert_no_leak(where: str, data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in text, f"{where}: the response contains {leak!r}:\n{text[:1500]}"


def _port(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def class_root(tmp_path_factory):
    """A notebook directory like notebooks/, plus files a visitor must not get."""
    root = tmp_path_factory.mktemp("served")
    shutil.copy(SMOKE, root / "app.ipynb")
    (root / "secret.py").write_text("SECRET_PY_CONTENT = 1\n")
    (root / "secret.toml").write_text("x = 'SECRET_TOML_CONTENT'\n")
    (root / "data.csv").write_text("a,b\n1,2\n")
    (root / ".hidden.ipynb").write_text(SMOKE.read_text())
    sub = root / "sub"
    sub.mkdir()
    (sub / "notes.txt").write_text("SECRET_PY_CONTENT\n")
    # an allow-listed static file: must be served (the allow list works both ways)
    (root / "figure.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    # a notebook whose cell fails: the page must not show the traceback
    nb = json.loads(SMOKE.read_text())
    nb["cells"] = [
        {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
         "source": "import os\nraise RuntimeError('boom at ' + os.getcwd())"}
    ]
    (root / "broken.ipynb").write_text(json.dumps(nb))
    return root


@contextlib.contextmanager
def serve_class(root: Path, args: list[str], log_dir: Path):
    """A Voila server (``serving_fixtures.VoilaServer``) of ``root`` with the class configuration and
    ``args``; stopped at the end."""
    from serving_fixtures import VoilaServer

    server = VoilaServer(root, "class", args, log_dir / "voila.log")
    try:
        if not server.wait_ready(90):
            pytest.fail("Voila did not start:\n" + server.log_text()[-3000:])
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def class_server(class_root, tmp_path_factory):
    """Voila serving `class_root` with the shipped class configuration (one
    server for the module: the attacks do not change it)."""
    # one client (this test, no cookies) opens many pages: the per-visitor limit, which would refuse the
    # fifth, is off here (tested in tests/test_serving_visitors.py)
    with serve_class(class_root, ["--LimitedKernelManager.max_kernels_per_visitor=0"],
                     tmp_path_factory.mktemp("log")) as server:
        yield server.url, server.port, class_root


def _open_kernel(port: int, notebook_url: str):
    """GET the page like a browser; returns (kernel_id, cookie header)."""
    status, headers, body = _http(port, "GET", notebook_url)
    assert status == 200, (status, body[:500])
    _assert_no_leak(notebook_url, body)
    text = body.decode()
    match = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', text)
    assert match, "no kernel id in the page"
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    return match.group(1), cookie, text


def _msg(msg_type: str, content: dict, channel: str = "shell") -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "visitor",
            "session": uuid.uuid4().hex,
            "date": "2026-01-01T00:00:00Z",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": channel,
        "buffers": [],
    }


def _v1_frame(msg: dict) -> bytes:
    """The v1.kernel.websocket.jupyter.org binary framing of a message."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    return serialize_msg_to_ws_v1(msg, msg["channel"], pack=lambda o: json.dumps(o).encode())


def _v1_parse(data: bytes) -> tuple[str, dict, dict, dict]:
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    channel, parts = deserialize_msg_from_ws_v1(data)
    return channel, json.loads(parts[0]), json.loads(parts[1] or b"{}"), json.loads(parts[3])


def _collect(ws, v1: bool, until_msg_id: str, timeout: float = 20) -> list[tuple[str, dict, dict]]:
    """Read messages until the reply to `until_msg_id` arrives (or timeout)."""
    import websocket

    got = []
    deadline = time.monotonic() + timeout
    ws.settimeout(1)
    while time.monotonic() < deadline:
        try:
            data = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        if v1:
            channel, header, parent, content = _v1_parse(data)
        else:
            msg = json.loads(data)
            channel, header, content, parent = (
                msg.get("channel"), msg["header"], msg.get("content", {}), msg.get("parent_header", {})
            )
        got.append((channel, header, content))
        if parent and parent.get("msg_id") == until_msg_id and header["msg_type"].endswith("_reply"):
            return got
    raise AssertionError(f"no reply to the probe within {timeout} s; got {[g[1]['msg_type'] for g in got]}")


# --------------------------------------------------------------------------- kernel websocket


@pytest.mark.parametrize("protocol", ["legacy-json", "v1-binary"])
def test_code_messages_on_kernel_websocket_are_refused(class_server, tmp_path, protocol):
    import websocket

    url, port, _root = class_server
    kernel_id, cookie, _page = _open_kernel(port, "/voila/render/app.ipynb")
    marker = tmp_path / f"pwned-{protocol}"
    code = (
        f"open({str(marker)!r}, 'w').write('x')\n"
        f"import os; os.system('touch {marker}-shell')"
    )
    v1 = protocol == "v1-binary"
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}",
        cookie=cookie,
        origin=f"http://127.0.0.1:{port}",
        subprotocols=["v1.kernel.websocket.jupyter.org"] if v1 else None,
        timeout=30,
    )
    try:
        attacks = []
        for channel in ("shell", "control"):
            attacks += [
                _msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                         "user_expressions": {"x": f"open({str(marker)!r},'w')"},
                                         "allow_stdin": False, "stop_on_error": False}, channel),
                _msg("inspect_request", {"code": "os", "cursor_pos": 2, "detail_level": 1}, channel),
                _msg("complete_request", {"code": "import o", "cursor_pos": 8}, channel),
                _msg("history_request", {"output": True, "raw": True, "hist_access_type": "tail",
                                         "n": 100}, channel),
                _msg("is_complete_request", {"code": "1+"}, channel),
                _msg("debug_request", {"type": "request", "seq": 1, "command": "evaluate",
                                       "arguments": {"expression": code}}, channel),
            ]
        # an execute_request disguised as a comm message type in the header only
        disguised = _msg("execute_request", {"code": code, "silent": False}, "shell")
        disguised["msg_type"] = "comm_msg"
        attacks.append(disguised)
        for m in attacks:
            ws.send_binary(_v1_frame(m)) if v1 else ws.send(json.dumps(m))
        # an allowed message, sent after the attacks on the same (ordered) channel:
        # once its reply is back, anything forwarded before it has been handled.
        probe = _msg("kernel_info_request", {}, "shell")
        ws.send_binary(_v1_frame(probe)) if v1 else ws.send(json.dumps(probe))
        got = _collect(ws, v1, probe["header"]["msg_id"])
    finally:
        ws.close()
    time.sleep(0.5)
    types = [h["msg_type"] for _c, h, _ in got]
    for forbidden in ("execute_reply", "execute_input", "execute_result", "inspect_reply",
                      "complete_reply", "history_reply", "is_complete_reply", "debug_reply", "stream",
                      "error"):
        assert forbidden not in types, f"the kernel answered a {forbidden}: {types}"
    assert not marker.exists() and not Path(f"{marker}-shell").exists(), "code ran in the kernel"
    for _c, _h, content in got:
        _assert_no_leak("kernel websocket", json.dumps(content).encode())


def test_foreign_origin_websocket_is_refused(class_server):
    import websocket

    url, port, _root = class_server
    kernel_id, cookie, _page = _open_kernel(port, "/voila/render/app.ipynb")
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id=x",
            cookie=cookie, origin="http://evil.example", timeout=30,
        )
    assert err.value.status_code == 403


def test_unknown_kernel_websocket_is_refused(class_server):
    import websocket

    url, port, _root = class_server
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{uuid.uuid4()}/channels?session_id=x",
            origin=f"http://127.0.0.1:{port}", timeout=30,
        )
    assert err.value.status_code in (403, 404)


# --------------------------------------------------------------------------- REST API and UI

JUPYTER_API = [
    ("GET", "/api/contents"),
    ("GET", "/api/contents/secret.py"),
    ("GET", "/api/contents/app.ipynb"),
    ("GET", "/api/kernels"),
    ("GET", "/api/sessions"),
    ("GET", "/api/terminals"),
    ("GET", "/api/kernelspecs"),
    ("GET", "/api/config/notebook"),
    ("GET", "/api/nbconvert"),
    ("GET", "/api/me"),
    ("GET", "/tree"),
    ("GET", "/lab"),
    ("GET", "/lab/tree/secret.py"),
    ("GET", "/notebooks/app.ipynb"),
    ("GET", "/edit/secret.py"),
    ("GET", "/files/secret.py"),
    ("GET", "/view/secret.py"),
    ("GET", "/nbconvert/python/app.ipynb"),
    ("GET", "/terminals/1"),
    ("POST", "/api/kernels"),
    ("POST", "/api/sessions"),
    ("POST", "/api/terminals"),
    ("POST", "/api/contents"),
    ("PUT", "/api/contents/new.py"),
    ("PATCH", "/api/contents/secret.py"),
    ("DELETE", "/api/contents/secret.py"),
    ("POST", "/voila/api/contents/new.py"),
    ("PUT", "/voila/api/contents/new.py"),
    ("DELETE", "/voila/api/contents/secret.py"),
]


def test_jupyter_rest_api_is_closed(class_server):
    url, port, root = class_server
    before = sorted(p.name for p in root.iterdir())
    for method, path in JUPYTER_API:
        body = json.dumps({"name": "python3", "path": "x.ipynb", "type": "file",
                           "content": "print(1)", "format": "text",
                           "kernel": {"name": "python3"}}).encode()
        status, _h, data = _http(port, method, path, body=body if method != "GET" else None,
                                 headers={"Content-Type": "application/json"})
        assert status in (403, 404, 405), f"{method} {path} answered {status}: {data[:300]!r}"
        _assert_no_leak(f"{method} {path}", data)
        assert b"SECRET" not in data
    assert sorted(p.name for p in root.iterdir()) == before, "a file was created or deleted"


def test_no_kernel_started_by_the_api(class_server):
    """Only rendering a page starts a kernel: count the kernel processes."""
    import psutil

    url, port, _root = class_server
    server = next(p for p in psutil.process_iter(["cmdline"])
                  if p.info["cmdline"] and f"--port={port}" in p.info["cmdline"])
    time.sleep(3)  # the class config preheats a pool of kernels at start

    def kernels():
        return sum(1 for c in server.children(recursive=True)
                   if "ipykernel_launcher" in " ".join(c.cmdline()))

    n0 = kernels()
    for method, path in [("POST", "/api/kernels"), ("POST", "/api/sessions"), ("GET", "/api/kernels"),
                         ("POST", "/api/kernels/" + str(uuid.uuid4()) + "/restart")]:
        _http(port, method, path, body=b'{"name":"python3"}', headers={"Content-Type": "application/json"})
    time.sleep(2)
    assert kernels() <= n0


def test_directory_listing_shows_notebooks_only(class_server):
    """In directory mode Voila lists notebooks (by design); no other file, no content."""
    url, port, _root = class_server
    status, _h, data = _http(port, "GET", "/voila/api/contents")
    assert status == 200
    model = json.loads(data)
    names = {item["name"] for item in model["content"]}
    assert "app.ipynb" in names
    assert not names & {"secret.py", "secret.toml", "data.csv", ".hidden.ipynb"}, names
    assert model["writable"] is False and all(item["writable"] is False for item in model["content"])  # issue 14
    for path in ("/voila/api/contents/app.ipynb", "/voila/api/contents/app.ipynb?format=text&content=1"):
        status, _h, data = _http(port, "GET", path)
        assert status == 200
        assert json.loads(data)["content"] is None, "notebook content leaked"
    for path in ("/voila/api/contents/secret.py", "/voila/api/contents/secret.toml",
                 "/voila/api/contents/sub/notes.txt", "/voila/api/contents/.hidden.ipynb",
                 "/voila/api/contents/..", "/voila/api/contents/%2e%2e/%2e%2e/etc/passwd"):
        status, _h, data = _http(port, "GET", path)
        assert status in (400, 403, 404), (path, status, data[:200])
        _assert_no_leak(path, data)


# --------------------------------------------------------------------------- static files

REFUSED_FILES = [
    "/voila/files/secret.py",
    "/voila/files/secret.toml",
    "/voila/files/data.csv",
    "/voila/files/app.ipynb",
    "/voila/files/.hidden.ipynb",
    "/voila/files/sub/notes.txt",
    "/voila/files/../../etc/passwd",
    "/voila/files/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/files/..%5c..%5cetc%5cpasswd",
    "/voila/files//etc/passwd",
    "/voila/files/%2fetc%2fpasswd",
    "/voila/files/../secret.py",
    "/voila/files/../../../../../../../../../../../../etc/passwd%00.png",
    "/voila/files/../../../../../../../../../../../../etc/hosts#.svg",
    "/static/../pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/voila/static/../../pyproject.toml",
    "/voila/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/templates/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/templates/lab/static/../../../../../../../../etc/passwd",
    "/voila/templates/lab/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/labextensions/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/labextensions/../../../../../../etc/passwd",
    "/voila/api/themes/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/api/themes/../../../../../../etc/passwd",
    "/voila/render/../secret.py",
    "/voila/render/..%2fsecret.py",
    "/voila/render/secret.py",
    "/voila/render/data.csv",
    "/voila/render/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/render/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/render/.hidden.ipynb",
    "/voila/render/does-not-exist.ipynb",
    "/voila/tree/..",
    "/voila/tree/%2e%2e/%2e%2e",
    "/voila/tree/sub/../..",
]


def test_only_intended_static_files_are_served(class_server):
    url, port, root = class_server
    for path in REFUSED_FILES:
        status, headers, data = _http(port, "GET", path)
        hops = 0
        while status in (301, 302, 307, 308) and hops < 3:  # follow redirects by hand
            location = headers.get("Location", "")
            assert location.startswith("/"), f"{path} redirects off-site: {location}"
            status, headers, data = _http(port, "GET", location)
            hops += 1
        assert status in (400, 403, 404, 405, 500), f"{path} answered {status}: {data[:300]!r}"
        _assert_no_leak(path, data)
        assert b"SECRET" not in data and b"root:" not in data and b"localhost" not in data, path
    # the allow list lets the intended files through
    status, _h, data = _http(port, "GET", "/voila/files/figure.svg")
    assert status == 200 and data.startswith(b"<svg")
    # Voila's own assets are served
    status, _h, _d = _http(port, "GET", "/voila/static/voila.js")
    assert status == 200


def test_rendered_page_has_no_code(class_server):
    url, port, _root = class_server
    _kernel, _cookie, page = _open_kernel(port, "/voila/render/app.ipynb")
    assert SMOKE_CODE not in page
    _assert_no_leak("rendered page", page.encode())


def test_failing_cell_shows_no_traceback(class_server):
    url, port, root = class_server
    status, _h, data = _http(port, "GET", "/voila/render/broken.ipynb")
    text = data.decode("utf-8", "replace")
    assert status == 200
    assert "There was an error when executing cell" in text
    assert "boom at" not in text and str(root) not in text and "RuntimeError" not in text
    _assert_no_leak("broken notebook", data)


def test_error_pages_leak_nothing(class_server):
    url, port, _root = class_server
    for method, path in [("GET", "/voila/render/nope.ipynb"), ("GET", "/%ff%fe"), ("GET", "/voila/tree/nope"),
                         ("GET", "/voila/api/contents/nope"), ("GET", "/api/kernels/" + "0" * 36),
                         ("GET", "/api/kernels/" + str(uuid.uuid4())),
                         ("POST", "/voila/api/shutdown/" + str(uuid.uuid4())),
                         ("GET", "/voila/templates/x/static/%00"), ("GET", "/" + "a" * 5000),
                         ("GET", "/voila/render/app.ipynb?template=../../../../etc"),
                         ("GET", "/voila/render/app.ipynb?theme=../../../../etc/passwd"),
                         # Voila 0.5.13 writes ?theme= unescaped into the page (reflected
                         # XSS) unless allow_theme_override is NOTEBOOK or NO (etc/voila/*)
                         ("GET", "/voila/render/app.ipynb?theme=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"),
                         ("GET", "/voila/render/app.ipynb?template=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")]:
        status, _h, data = _http(port, method, path)
        assert status >= 300 or "template=" in path or "theme=" in path, (path, status)
        _assert_no_leak(path, data)
        assert b"<script>alert(1)" not in data, f"{path}: query reflected unescaped"


# --------------------------------------------------------------------------- app config (make app)


def test_single_notebook_app_config(voila, tmp_path):
    """`make app` serves one notebook: every other path redirects to /voila/files/,
    which refuses it; the REST API does not exist."""
    nb = DESIGNER if DESIGNER.exists() else SMOKE
    url = voila(nb, config="app")
    port = _port(url)
    for method, path in [("GET", "/api/contents"), ("GET", "/api/kernels"), ("GET", "/api/sessions"),
                         ("GET", "/api/terminals"), ("GET", "/tree"), ("GET", "/lab"),
                         ("POST", "/api/kernels"), ("GET", "/" + nb.name + "x"),
                         ("GET", "/../../etc/passwd"), ("GET", "/..%2f..%2fpyproject.toml"),
                         ("GET", "/voila/files/" + nb.name), ("GET", "/voila/files/../pyproject.toml"),
                         ("GET", "/voila/files/..%2f..%2fpyproject.toml"),
                         ("GET", "/voila/static/..%2f..%2f..%2f..%2fpyproject.toml")]:
        status, headers, data = _http(port, method, path)
        if status in (301, 302):
            location = headers["Location"]
            assert location.startswith("/voila/files/"), (path, location)
            status, headers, data = _http(port, "GET", location)
        assert status in (403, 404, 405), f"{method} {path} answered {status}: {data[:200]!r}"
        _assert_no_leak(path, data)
        assert b"[project]" not in data and b"import " not in data
    status, _h, data = _http(port, "GET", "/?theme=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 200
    _assert_no_leak("app page", data)
    assert b"<script>alert(1)" not in data, "?theme= reflected unescaped (reflected XSS)"
    if nb == SMOKE:
        assert SMOKE_CODE.encode() not in data
