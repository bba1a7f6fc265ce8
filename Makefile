# pressbook: set-up, app, tests.   Run `make help` for the list.
#
#   make venv          .venv with pressbook (editable) + app, test, hub and lab extras, pinned
#   make app           the sequence designer at http://127.0.0.1:8866/ (PORT=...)
#   make serve-class   every notebook in notebooks/, preheated kernels, for a class
#   make test          the import contracts and the whole test suite, including the browser tests
#   make clean         remove .venv, caches and test artefacts
#   make bench         benchmarks -> benchmarks/results/latest.md
#   make load-test     a class of simulated students -> benchmarks/results/load.md
#   make hub           a local JupyterHub serving the apps per user (start page first)
#   make proxy         nginx in front of serve-class (PROXY_PORT, default 8080), sized for STUDENTS
#
# Variables: PORT (8866), IP (127.0.0.1; IP=0.0.0.0 lets other machines in), STUDENTS (serve-class:
# preheated designer kernels, default 2; about 120 MB each; the start page says when they are ready; also
# 10 x STUDENTS + 100 connections and 2 x STUDENTS + 4 kernels per client address, the defaults 400 and 60,
# for a class behind one school address),
# PROXIED=1 (serve-class behind `make proxy`: Voila takes the visitor's address from the proxy),
# PYTHON (python3), VOILA_ARGS (extra Voila options), PYTEST_ARGS, WORKERS (make test's pytest workers, 1;
# WORKERS=2 runs two, not yet proven on a loaded 2-core machine),
# PRESSBOOK_CHROMIUM (browser for the browser tests; default /usr/bin/chromium).

PYTHON      ?= python3
VENV        ?= .venv
PORT        ?= 8866
IP          ?= 127.0.0.1
VOILA_ARGS  ?=
STUDENTS    ?=
PROXY_PORT  ?= 8080
PROXY_IP    ?= 0.0.0.0
PROXIED     ?=
PYTEST_ARGS ?=
WORKERS     ?= 1
CHROMIUM    := $(or $(PRESSBOOK_CHROMIUM),/usr/bin/chromium)

BIN   := $(VENV)/bin
STAMP := $(VENV)/.stamp
VOILA := $(BIN)/voila --no-browser --port=$(PORT) --Voila.ip=$(IP)

.DEFAULT_GOAL := help
.PHONY: help venv app serve-class test chromium postgresql nginx clean bench load-test hub proxy

help:
	@sed -n '3,20p' Makefile | sed 's/^# \{0,1\}//'

venv: $(STAMP)

# Re-run only when the dependencies change; the package itself is editable.
$(STAMP): pyproject.toml binder/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "ERROR: the pinned versions (binder/constraints.txt) need Python >= 3.11;"; \
	  echo "       '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.11 ..."; \
	  exit 1; }
	@if [ ! -x "$(BIN)/pip" ]; then \
	  echo "creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv $(VENV) || { \
	    echo "ERROR: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv"; \
	    exit 1; }; \
	fi
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[app,test,hub,lab]' -c binder/constraints.txt
	@touch $@

app: venv
	@test -f notebooks/designer.ipynb || { echo "ERROR: notebooks/designer.ipynb is missing"; exit 1; }
	@echo
	@echo "    pressbook designer:  http://$(IP):$(PORT)/      (Ctrl-C to stop)"
	@echo
	$(VOILA) --Voila.config_file_paths=etc/voila/app $(VOILA_ARGS) notebooks/designer.ipynb

serve-class: venv
	@echo
	@echo "    start page:           http://$(IP):$(PORT)/      (Ctrl-C to stop)"
	@echo "    the designer:         http://$(IP):$(PORT)/voila/render/designer.ipynb"
	@echo "    the start page says 'Server ready' once the $(or $(STUDENTS),2) designer places are prepared"
	@echo
	PRESSBOOK_LOG=$(or $(PRESSBOOK_LOG),off) JUPYTER_PATH=$(CURDIR)/etc/jupyter \
	  $(VOILA) --Voila.config_file_paths=etc/voila/class \
	  $(if $(STUDENTS),--VoilaConfiguration.default_pool_size=$(STUDENTS) \
	    --LimitedKernelManager.max_connections_per_address=$$((10 * $(STUDENTS) + 100)) \
	    --LimitedKernelManager.max_kernels_per_address=$$((2 * $(STUDENTS) + 4))) \
	  $(if $(PROXIED),--LimitedKernelManager.trust_xheaders=True) $(VOILA_ARGS) notebooks

# nginx (Debian's) in the foreground in front of `make serve-class PROXIED=1` (run that first, same PORT and
# STUDENTS): etc/nginx/pressbook.conf filled in by pressbook.apps.proxy into .proxy/ (pid, logs, temp files).
proxy: venv nginx
	$(BIN)/python -m pressbook.apps.proxy --students $(or $(STUDENTS),40) --listen $(PROXY_IP):$(PROXY_PORT) \
	  --upstream 127.0.0.1:$(PORT) --dir .proxy

# The suite on WORKERS workers (pytest-xdist; a test module stays on one worker, its shared servers start
# once), then the timing-sensitive tests (marked serial: a class burst, a load test) alone on the machine.
# Exit status 5 (no test selected, e.g. PYTEST_ARGS names a file without serial tests) is no failure.
test: venv chromium postgresql nginx
	$(BIN)/lint-imports --config pyproject.toml
	@$(BIN)/python -m pytest -q -rs -n $(WORKERS) --dist loadgroup --no-loadscope-reorder -m "not serial" $(PYTEST_ARGS); \
	  parallel=$$?; \
	  $(BIN)/python -m pytest -q -rs -p no:xdist -m serial $(PYTEST_ARGS); serial=$$?; \
	  [ $$parallel -eq 5 ] && parallel=0; [ $$serial -eq 5 ] && serial=0; \
	  echo "make test: parallel part exit $$parallel, serial part exit $$serial"; \
	  [ $$parallel -eq 0 ] && [ $$serial -eq 0 ]

# The browser tests need Debian's Chromium (never `playwright install`: no
# download of browser builds).  Installed with apt when possible; otherwise the
# browser tests skip with a reason (or fail when CI is set).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "browser for the browser tests: $(CHROMIUM)"; \
	elif [ -n "$(PRESSBOOK_CHROMIUM)" ]; then \
	  echo "WARNING: PRESSBOOK_CHROMIUM=$(PRESSBOOK_CHROMIUM) is not an executable file."; \
	else \
	  bash tools/apt_install.sh "the browser tests" chromium; \
	  [ -x /usr/bin/chromium ] || echo "NOTE: still no /usr/bin/chromium: browser tests will not run (set PRESSBOOK_CHROMIUM)."; \
	fi

# The pellet-log tests start a throwaway PostgreSQL server (initdb + pg_ctl from Debian's postgresql
# package, as the postgres user when run as root). Installed with apt when possible; otherwise those
# tests skip with a reason (or fail when CI is set).
postgresql:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then \
	  echo "PostgreSQL for the pellet-log tests: $$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -1)"; \
	else \
	  bash tools/apt_install.sh "the pellet-log tests" --no-install-recommends postgresql; \
	fi

# The proxy tests (tests/security/test_proxy.py) start Debian's nginx themselves (a configuration in a
# temporary folder, free ports). Installed with apt when possible; otherwise those tests skip with a reason
# (or fail when CI is set).
nginx:
	@if [ -x /usr/sbin/nginx ]; then \
	  echo "nginx for the proxy tests and make proxy: /usr/sbin/nginx"; \
	else \
	  bash tools/apt_install.sh "the reverse-proxy tests" --no-install-recommends nginx; \
	fi

clean:
	rm -rf $(VENV) .proxy test-artifacts .pytest_cache .hypothesis build *.egg-info
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

bench: venv   ## benchmarks -> benchmarks/results/latest.{md,json}
	$(BIN)/python benchmarks/run_all.py

load-test: venv   ## full load test (about 15 min) -> benchmarks/results/load.{json,md}
	$(BIN)/python benchmarks/load_test.py $(LOAD_ARGS)

hub: venv   ## local JupyterHub on http://127.0.0.1:8000 (needs PRESSBOOK_HUB_PASSWORD)
	bash etc/jupyterhub/install-proxy.sh >/dev/null
	$(BIN)/jupyterhub -f etc/jupyterhub/jupyterhub_config.py
