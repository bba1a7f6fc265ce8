"""A kernel whose page is still loading is not culled (issue 27, item 5).

Before: after a restart with 40 students reloading at once, clients that opened their kernel websocket only
after loading the whole page lost 19 of 40 kernels to the fixed 60 s cull of kernels no page connected to.
The cull now counts from the page's last sign of progress (``class_handlers.page_progress``): the page being
sent, then its visitor's requests (scripts, styles, kernel polls).  Replayed against a real Voila server with
the class configuration at a test scale (``cull_unconnected_timeout=4`` s, culled every second): a browser-like
client that keeps loading its page's files for 12 s (three times the timeout) and only then opens its kernel
websocket still finds its kernel, which answers within 1 s; a script's page that nothing follows is culled.
"""
from __future__ import annotations

import json
import re
import time

import pytest
from sockets import round_trip
from test_kernel_places import _kernel_id, _socket
from test_serving_visitors import APP, NOTEBOOK, Client
from test_voila_security import serve_class

TIMEOUT = 4
STATIC = "/voila/static/voila.js"


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "apps"
    root.mkdir()
    (root / "tiny.ipynb").write_text(json.dumps(NOTEBOOK))
    with serve_class(root, [f"--LimitedKernelManager.cull_unconnected_timeout={TIMEOUT}",
                            "--MappingKernelManager.cull_interval=1",
                            "--LimitedKernelManager.page_load_max=60"], tmp_path) as server:
        yield server


def _page(client: Client) -> str:
    status, body = client.get(APP)
    if status == 307:  # the first visit: a cookie, then the page
        status, body = client.get(APP)
    assert status == 200, (status, body[:300])
    return _kernel_id(body)


def test_a_page_still_loading_keeps_its_kernel_and_a_lone_get_does_not(server):
    script = Client(server.port, source="127.0.0.2")  # no cookies, nothing after the page
    lone = _page(script)
    student = Client(server.port, cookies=True)
    mine = _page(student)
    start = time.monotonic()
    while time.monotonic() - start < 3 * TIMEOUT:  # the browser still loading the page's files
        assert student.get(STATIC)[0] == 200
        time.sleep(1)
    assert f"culling kernel {mine}" not in server.log_text()
    ws = _socket(server.port, student, mine)
    try:
        answered = round_trip(ws)
        assert answered < 1.0, f"the student's kernel answered after {answered:.2f} s"
    finally:
        ws.close()
    assert server.wait_log(f"culling kernel {lone}: no page connected", 10), server.log_text()[-2000:]
    assert f"culling kernel {mine}" not in server.log_text()
    assert re.search(rf"culling kernel {lone}: no page connected to it in \d+ s", server.log_text())
