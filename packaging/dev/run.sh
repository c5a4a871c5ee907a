#!/usr/bin/env bash
# Run Reframe from a checkout: set up (idempotent), then open the app. With no display
# the app runs its headless end-to-end captions job on the bundled sample instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash packaging/dev/setup.sh --runtime
exec .venv/bin/reframe-desktop "$@"
