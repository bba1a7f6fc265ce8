"""A local JupyterHub in which every logged-in user gets the pressbook apps in Voila, starting at the start page.

    etc/jupyterhub/install-proxy.sh                 # configurable-http-proxy from npm, once
    PRESSBOOK_HUB_PASSWORD=... .venv/bin/jupyterhub -f etc/jupyterhub/jupyterhub_config.py

then open http://127.0.0.1:8000/ and log in with any user name and that password.
Each user gets a single-user Jupyter server (jupyterhub-singleuser from this
repository's .venv) whose default page is the start page (notebooks/index.ipynb,
linking every app) rendered by Voila's server extension
(/user/<name>/voila/render/index.ipynb); notebooks/ is the root.  Voila renders
with the pressbook template of etc/voila/templates (found through JUPYTER_PATH):
no page asks anything of the internet (etc/voila/offline.py does the same for
`make app` and `make serve-class`).

This is the tested local set-up (tests/hub/test_jupyterhub.py), for a workshop on
one machine or as a model for production.  It is NOT a production configuration:

- DummyAuthenticator: one shared password, any user name.  Use a real
  authenticator (OAuthenticator for GitHub/Google/your university's OIDC, LTI for
  an LMS, NativeAuthenticator) in production.
- SimpleLocalProcessSpawner: every user's server runs as the hub's own OS user,
  so users are not isolated from each other's files.  In production use
  KubeSpawner (Zero to JupyterHub), DockerSpawner, or SystemdSpawner with one OS
  user each.

Settings from the environment (all optional except the password):
PRESSBOOK_HUB_PASSWORD      the shared password (required)
PRESSBOOK_HUB_PORT          public port on 127.0.0.1 (8000)
PRESSBOOK_HUB_API_PORT      the hub's own API port (8081)
PRESSBOOK_HUB_PROXY_PORT    the proxy's API port (8001)
PRESSBOOK_HUB_STATE         directory for the database, cookie secret, user homes (build/hub/state)
PRESSBOOK_HUB_IP            listening address (127.0.0.1; set 0.0.0.0 only behind TLS)
PRESSBOOK_CHP               configurable-http-proxy executable (build/hub/node_modules/.bin/...)
PRESSBOOK_HUB_CULL_IDLE     seconds before an idle user server is stopped by jupyterhub-idle-culler,
                            when that package is installed (3600; 0 = off)
"""

# `c` is provided by JupyterHub when it loads this file.
# ruff: noqa: F821

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
STATE = Path(os.environ.get("PRESSBOOK_HUB_STATE", ROOT / "build" / "hub" / "state")).resolve()
STATE.mkdir(parents=True, exist_ok=True)
(STATE / "homes").mkdir(exist_ok=True)

password = os.environ.get("PRESSBOOK_HUB_PASSWORD", "")
if len(password) < 8:
    raise SystemExit("set PRESSBOOK_HUB_PASSWORD (8 characters or more) for the shared login password")

ip = os.environ.get("PRESSBOOK_HUB_IP", "127.0.0.1")

# ------------------------------------------------------------------ hub and proxy
c.JupyterHub.ip = ip
c.JupyterHub.port = int(os.environ.get("PRESSBOOK_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("PRESSBOOK_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ.get('PRESSBOOK_HUB_PROXY_PORT', '8001'))}"
c.ConfigurableHTTPProxy.command = [
    os.environ.get("PRESSBOOK_CHP", str(ROOT / "build" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"))
]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the users' servers
c.JupyterHub.cleanup_proxy = True

# ------------------------------------------------------------------ login
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = password
c.Authenticator.allow_all = True  # any user name, with the shared password

# ------------------------------------------------------------------ each user's server
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: no OS user per person
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(ROOT / "notebooks")
c.Spawner.default_url = "/voila/render/index.ipynb"  # the start page: every app, the guides, the routes
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    "JUPYTER_PLATFORM_DIRS": "1",
    # Voila finds the offline `pressbook` template in etc/voila/templates and, in etc/jupyter, the file
    # list page that sends a visitor to the start page (as `make serve-class` does)
    "JUPYTER_PATH": os.pathsep.join([str(ROOT / "etc"), str(ROOT / "etc" / "jupyter")]),
}
c.Spawner.args = [
    # the same serving rules as etc/voila (Voila as a server extension)
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaConfiguration.allow_theme_override=NOTEBOOK",
    "--VoilaConfiguration.allow_template_override=NOTEBOOK",
    "--VoilaConfiguration.template=pressbook",  # Voila's lab page without its CDN stylesheets
    # nor MathJax from a CDN: Voila's page loads MathJax only when these are set (standalone Voila leaves
    # them None; as a server extension it falls back to cdnjs); every text response gzipped (Jupyter Server
    # reads compress_response when it builds its application, unlike standalone Voila: pressbook.apps.transfer)
    '--ServerApp.tornado_settings={"mathjax_url": None, "mathjax_config": None, "compress_response": True}',
    # free the kernels of closed tabs (Voila's shutdown beacon fails, see TOOLCHAIN)
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
    "--MappingKernelManager.cull_connected=False",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI run as root
    c.Spawner.args.append("--ServerApp.allow_root=True")
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Measured: one designer kernel about 110 MB RSS, the single-user server about 100 MB
# (benchmarks/results/load.md).  Enforced only by container spawners (KubeSpawner,
# DockerSpawner, SystemdSpawner); the local spawner ignores them.
c.Spawner.mem_guarantee = "256M"
c.Spawner.mem_limit = "1G"
c.Spawner.cpu_limit = 1.0

# ------------------------------------------------------------------ idle culling
cull_idle = int(os.environ.get("PRESSBOOK_HUB_CULL_IDLE", "3600"))
if cull_idle and importlib.util.find_spec("jupyterhub_idle_culler") is not None:
    c.JupyterHub.load_roles = [
        {
            "name": "jupyterhub-idle-culler-role",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["jupyterhub-idle-culler-service"],
        }
    ]
    c.JupyterHub.services = [
        {
            "name": "jupyterhub-idle-culler-service",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull_idle}"],
        }
    ]
