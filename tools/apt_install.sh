#!/usr/bin/env bash
# Install Debian packages for the test suite when this machine allows it.
#   tools/apt_install.sh "WHAT IT IS FOR" [APT-OPTION...] PACKAGE...
# As root: apt-get directly; otherwise through passwordless sudo; otherwise print the command
# to run and exit 0 (the tests that need the package then skip with a reason, or fail under CI).
set -u
what=$1; shift
names=(); for a in "$@"; do [[ $a == -* ]] || names+=("$a"); done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "NOTE: no apt-get here: install ${names[*]} yourself for $what."
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "NOTE: ${names[*]} missing and installing needs root:"
  echo "      sudo apt-get update && sudo apt-get install -y ${names[*]}"
  exit 0
fi
echo "installing ${names[*]} for $what (apt-get install)"
"${sudo[@]}" apt-get update -q &&
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" ||
  echo "WARNING: could not install ${names[*]} with apt-get."
exit 0
