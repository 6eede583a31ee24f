#!/usr/bin/env bash
# `make setup`: the virtualenv with pinned requirements, then the Pulumi CLI (found or built).
# Idempotent: a second run checks stamps and exits in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
say() { printf '\033[1m==>\033[0m %s\n' "$*"; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is required (found: $("$PYTHON" --version 2>&1 || echo none))." >&2
  echo "Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python@3.12)" >&2
  echo "or point PYTHON at one: make setup PYTHON=/path/to/python3.12" >&2
  exit 2
fi

if [[ ! -x .venv/bin/python ]]; then
  say "creating the virtualenv in .venv"
  "$PYTHON" -m venv .venv || { echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv" >&2; exit 2; }
fi

want="$(sha256sum requirements.txt | cut -d' ' -f1)"
have="$(cat .venv/.requirements.sha256 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  say "installing pinned requirements into .venv (first time: about a minute)"
  .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip
  .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
  echo "$want" > .venv/.requirements.sha256
else
  say "requirements up to date"
fi

# The project itself, editable, for the `workshelf-infra` command (pyproject.toml): it runs this clone's
# code from any directory. Re-installed when pyproject.toml changes or the clone moved. A virtualenv
# that lives elsewhere (a symlink to another clone's, as the end-to-end tests make) keeps the install
# it has: pointing it at this directory would take the command away from its own clone.
here="$(pwd -P)"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $here"
have="$(cat .venv/.project.stamp 2>/dev/null || true)"
if [[ "$(cd .venv && pwd -P)" != "$here/.venv" ]]; then
  say "the virtualenv is shared from $(cd .venv && pwd -P): its workshelf-infra command stays as it is"
elif [[ "$want" != "$have" || ! -x .venv/bin/workshelf-infra ]]; then
  say "installing the workshelf-infra command into .venv"
  .venv/bin/python -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation --editable .
  echo "$want" > .venv/.project.stamp
fi

exec .venv/bin/python -m infra.toolchain.setup "$@"
