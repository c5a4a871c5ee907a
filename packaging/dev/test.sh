#!/usr/bin/env bash
# The whole test suite: set up (idempotent; apt packages, Python deps), then pytest on real
# media and models. Test assets are fetched by the tests themselves (tests/assets.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash packaging/dev/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
