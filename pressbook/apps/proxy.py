"""nginx in front of the class server (issue 27, item 3): the configuration, sized for a class.

``etc/nginx/pressbook.conf`` is a template; ``write_config(folder, ...)`` fills it and creates the folders it
names (pid, logs and temporary files all under ``folder``), and ``nginx_command(folder)`` is the command that
runs it in the foreground.  ``python -m pressbook.apps.proxy --students 40 --listen 0.0.0.0:8080
--upstream 127.0.0.1:8866 --dir .proxy`` writes it and runs nginx (``make proxy``).

Sizes (``limits(students)``), for a class behind one school address (every student the same address):

- requests in progress per address (``limit_conn``, websockets included): ``10 n + 100``, as the class
  server's own connection cap (``make serve-class STUDENTS=n``);
- request rate per address (``limit_req``): ``RATE_PER_STUDENT`` requests/s per student (plus 10) with a
  burst of ``BURST_PER_STUDENT`` per student (plus 100): a designer page makes 101 requests while it loads
  (counted through the proxy, Chromium without a cache), then its page guard asks about its kernel every 5 s;
- a request header within ``HEADER_TIMEOUT`` s, a body's reads ``BODY_TIMEOUT`` s apart, bodies up to
  ``MAX_BODY`` (the server's 10 MiB websocket message limit, which carries every upload).

nginx forwards a request only once its header (and body) is complete, so half-sent requests never reach
Voila; ``limit_conn`` counts a connection only from then on, so connections still sending their header are
bounded by the header time and ``worker_connections`` (at least 8192, about 1 kB each), not per address.
"""
from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path

__all__ = ["TEMPLATE", "limits", "nginx_command", "render", "write_config"]

TEMPLATE = Path(__file__).resolve().parents[2] / "etc" / "nginx" / "pressbook.conf"
NGINX = "/usr/sbin/nginx"

RATE_PER_STUDENT = 3      # requests/s, steady
BURST_PER_STUDENT = 100   # requests at once (a class opening the app together)
HEADER_TIMEOUT = 10       # s
BODY_TIMEOUT = 30         # s between two reads of a body
KEEPALIVE_TIMEOUT = 30    # s
MAX_BODY = "10m"          # the server's websocket message limit (10 MiB)
TEMP_FOLDERS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def limits(students: int) -> dict[str, int]:
    """The per-address limits for a class of ``students`` (1 to 1000) behind one address."""
    if not 1 <= int(students) <= 1000:
        raise ValueError(f"students = {students!r}; allowed: 1 to 1000")
    n = int(students)
    conn = 10 * n + 100
    return {"conn_per_address": conn, "rate": RATE_PER_STUDENT * n + 10, "burst": BURST_PER_STUDENT * n + 100,
            "worker_connections": max(8192, 4 * conn)}


def render(folder: Path, listen: str, upstream: str, students: int = 40, header_timeout: float = HEADER_TIMEOUT,
           body_timeout: float = BODY_TIMEOUT, keepalive_timeout: float = KEEPALIVE_TIMEOUT,
           template: Path = TEMPLATE, **overrides: int) -> str:
    """The template filled in: ``listen`` and ``upstream`` as nginx takes them (``127.0.0.1:8080``), times in
    s, ``overrides`` replacing ``limits(students)``'s numbers (tests use small ones)."""
    sizes = {**limits(students), **overrides}
    unknown = set(overrides) - set(limits(1))
    if unknown:
        raise ValueError(f"unknown limits {sorted(unknown)}; allowed: {sorted(limits(1))}")
    # Started as root, nginx's workers would become 'nobody' and could not use the folder: keep the user.
    user = f"user {getpass.getuser()};" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    fields = {
        "USER": user, "DIR": str(Path(folder).resolve()), "LISTEN": listen, "UPSTREAM": upstream,
        "CONN_PER_ADDRESS": sizes["conn_per_address"], "RATE": sizes["rate"], "BURST": sizes["burst"],
        "WORKER_CONNECTIONS": sizes["worker_connections"], "OPEN_FILES": 2 * sizes["worker_connections"] + 100,
        "HEADER_TIMEOUT": f"{header_timeout:g}", "BODY_TIMEOUT": f"{body_timeout:g}",
        "KEEPALIVE_TIMEOUT": f"{keepalive_timeout:g}", "MAX_BODY": MAX_BODY,
    }
    text = Path(template).read_text()
    for name, value in fields.items():
        text = text.replace(f"@{name}@", str(value))
    if "@" in "".join(line.split("#", 1)[0] for line in text.splitlines()):
        raise ValueError(f"{template}: a field was left unfilled")
    return text


def write_config(folder: Path, listen: str, upstream: str, students: int = 40, **options) -> Path:
    """Write ``folder/nginx.conf`` (``render``) and the temporary folders it names; returns the file."""
    folder = Path(folder)
    for name in TEMP_FOLDERS:
        (folder / "tmp" / name).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(render(folder, listen, upstream, students, **options))
    return conf


def nginx_command(folder: Path, nginx: str = NGINX) -> list[str]:
    """nginx in the foreground with ``folder``'s configuration (its error log there from the start)."""
    folder = Path(folder).resolve()
    return [nginx, "-e", str(folder / "error.log"), "-p", str(folder), "-c", str(folder / "nginx.conf"),
            "-g", "daemon off;"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pressbook.apps.proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40, help="class size behind one address (default 40)")
    parser.add_argument("--listen", default="0.0.0.0:8080", help="address:port nginx listens on")
    parser.add_argument("--upstream", default="127.0.0.1:8866", help="the Voila server (make serve-class)")
    parser.add_argument("--dir", default=".proxy", help="folder for the configuration, pid, logs, temp files")
    parser.add_argument("--write-only", action="store_true", help="write the configuration, do not run nginx")
    args = parser.parse_args(argv)
    try:
        conf = write_config(Path(args.dir), args.listen, args.upstream, args.students)
    except (ValueError, OSError) as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    print(f"nginx configuration: {conf}")
    if args.write_only:
        return 0
    nginx = shutil.which("nginx") or (NGINX if os.access(NGINX, os.X_OK) else None)
    if nginx is None:
        parser.exit(2, f"{parser.prog}: error: no nginx found (Debian: apt-get install nginx)\n")
    command = nginx_command(Path(args.dir), nginx)
    print(f"http://{args.listen}/ -> http://{args.upstream}/   (Ctrl-C to stop)\n$ {' '.join(command)}", flush=True)
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
