"""Tests never read or write the developer's own files (issue 25).

``tests/conftest.py`` calls :func:`enter` once per test session, before any server starts: ``HOME``, the XDG
folders, ``IPYTHONDIR`` and ``PRESSBOOK_DB`` point into the session's temporary folder, and the variables that
would switch pressbook to another user's log or settings are dropped. Every process the tests start (Voila, its
kernels, nbclient kernels, the hub, the CLI) inherits that environment, so the pellet log a test opens by
default is a fresh one under that folder, never ``~/.local/share/pressbook/pellets.sqlite``.

Package managers (pip, npm) are the exception: a test that installs packages runs them with
:func:`package_tool_env`, the developer's own environment, for their registry settings (mirrors, certificates).
"""
from __future__ import annotations

import os
from pathlib import Path

#: the environment as the developer started pytest (read at import, before :func:`enter`)
DEVELOPER_ENV = dict(os.environ)

#: variables that say where a user's files are: each gets its own folder under the session's root
FOLDERS = {"HOME": "home", "XDG_DATA_HOME": "home/.local/share", "XDG_CONFIG_HOME": "home/.config",
           "XDG_CACHE_HOME": "home/.cache", "XDG_STATE_HOME": "home/.local/state", "IPYTHONDIR": "home/.ipython"}
#: variables that would pick another user, log, admin list or Jupyter settings
DROPPED = ("PRESSBOOK_LOG", "PRESSBOOK_LOG_ADMINS", "PRESSBOOK_LOG_USER", "JUPYTERHUB_USER", "VOILA_BASE_URL",
           "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR")


def environment(root: Path) -> dict[str, str]:
    """The variables :func:`enter` sets: each folder of ``FOLDERS`` under ``root``, ``PRESSBOOK_DB`` a fresh SQLite
    file there."""
    env = {name: str(root / sub) for name, sub in FOLDERS.items()}
    env["PRESSBOOK_DB"] = str(root / "pressbook" / "pellets.sqlite")
    return env


def enter(root: Path) -> dict[str, str]:
    """Point this process (and so every child it starts) at ``root``: create the folders, set the variables,
    drop ``DROPPED``. Returns what was set."""
    env = environment(root)
    for name in FOLDERS:
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    for name in DROPPED:
        os.environ.pop(name, None)
    os.environ.update(env)
    return env


def leave() -> None:
    """Give the variables :func:`enter` set or dropped back their values of the developer's environment."""
    for name in (*FOLDERS, "PRESSBOOK_DB", *DROPPED):
        if name in DEVELOPER_ENV:
            os.environ[name] = DEVELOPER_ENV[name]
        else:
            os.environ.pop(name, None)


def package_tool_env(**extra: str) -> dict[str, str]:
    """The developer's environment for pip and npm (their registry configuration), plus ``extra``. Never for a
    server, a kernel or pressbook itself."""
    return {**DEVELOPER_ENV, **extra}
