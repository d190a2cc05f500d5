#!/usr/bin/env bash
# Quick start, first command: install Muster in .venv and run the main job on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/muster demo "$@"
