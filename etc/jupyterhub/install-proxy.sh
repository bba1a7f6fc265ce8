#!/usr/bin/env bash
# Install JupyterHub's proxy (configurable-http-proxy, from the npm registry) into
# build/hub/node_modules of this repository; prints the path of the executable.
#   etc/jupyterhub/install-proxy.sh            # idempotent: does nothing when present
# Needs node and npm (Debian: apt-get install -y nodejs npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
PREFIX=build/hub
CHP="$PREFIX/node_modules/.bin/configurable-http-proxy"
VERSION="${CHP_VERSION:-5.3.0}"
if [ ! -x "$CHP" ]; then
  command -v npm >/dev/null 2>&1 || { echo "ERROR: npm is missing (apt-get install -y nodejs npm)" >&2; exit 1; }
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error \
      "configurable-http-proxy@$VERSION" >&2
fi
echo "$PWD/$CHP"
