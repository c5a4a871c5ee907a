#!/usr/bin/env bash
# The whole test suite: set up (idempotent), then pytest on real media and models.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash packaging/dev/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest "$@"
