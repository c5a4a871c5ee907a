#!/usr/bin/env bash
# The whole test suite: set up (idempotent; apt packages, Python deps), the lint gate
# (ruff, ruff format, mypy on the engine), then pytest on real media and models. Test
# assets are fetched by the tests themselves (tests/assets.py).
#   REFRAME_SKIP_LINT=1  skip the lint gate (a quick local re-run of one test file)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash packaging/dev/setup.sh
if [ "${REFRAME_SKIP_LINT:-0}" != 1 ]; then
  echo "lint: ruff check, ruff format --check, mypy media_core"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  .venv/bin/mypy media_core
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
