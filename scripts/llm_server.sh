#!/usr/bin/env bash
# Build llama.cpp's own llama-server and start it on 127.0.0.1 with parallel slots, for the app's RAG_LLM_URL.
# Usage: scripts/llm_server.sh [--dry-run]      (or `make llm-server`)
#
# LLM_PORT (8080), SLOTS (4: questions answered at once), CTX_PER_SLOT (4096 tokens), MODEL (the installed
# default answerer) and LLAMA_SERVER_ARGS (more llama-server flags) change what is started. llama-server divides
# its -c among the slots, so -c is CTX_PER_SLOT * SLOTS; --cont-batching lets a slot start while others generate.
#
# The binary is built from the llama.cpp that the installed llama-cpp-python's sdist vendors (the same version,
# fetched by pip as source, never as a binary), with the CPU flags of scripts/llama_env.sh (no AMX kernels), as one
# static executable at .venv/bin/llama-server. A stamp beside it names the version and flags; while they match, the
# build is skipped. --dry-run prints the build and server commands and runs neither.
set -euo pipefail
cd "$(dirname "$0")/.."
DRY=""
[ "${1:-}" = "--dry-run" ] && DRY=1
PORT=${LLM_PORT:-8080}
SLOTS=${SLOTS:-4}
CTX_PER_SLOT=${CTX_PER_SLOT:-4096}
# Prompts are read BATCH tokens at a time (-b/-ub; llama.cpp's own defaults are 2048 and 512): between two chunks
# every slot already writing gets its next token, so 8 questions arriving at once do not hold up the answers under
# way. bench/load.py on 2 cores: first-sentence p95 23.4-27.0 s in 5 runs at 256, 22.6-29.6 s in 8 at the defaults
BATCH=${BATCH:-256}
MODEL=${MODEL:-.venv/share/biorag/models/qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf}
BIN=${LLAMA_SERVER_BIN:-.venv/bin/llama-server}
PYTHON=${PYTHON:-.venv/bin/python}
CMAKE=${CMAKE:-cmake}
fail() { echo "error: $*" >&2; exit 1; }

# What to serve, and where: checked first, before minutes of building
case "$SLOTS$CTX_PER_SLOT$PORT$BATCH" in
  *[!0-9]*) fail "SLOTS, CTX_PER_SLOT, BATCH and LLM_PORT must be whole numbers" ;;
esac
[ -f "$MODEL" ] || fail "no model at $MODEL: run \`make install\` (it installs the default answerer) or set MODEL=path/to/model.gguf"
if [ -z "$DRY" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "port $PORT on 127.0.0.1 is in use (a server already running?): stop it or set LLM_PORT=another port"
fi

# The llama.cpp version is the installed llama-cpp-python's; the flags are those it was built with
VERSION=$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))' 2>/dev/null) \
  || fail "llama-cpp-python is not installed in .venv: run \`make install\` first"
eval "$(scripts/llama_env.sh)"
STAMP="$VERSION $CMAKE_ARGS $CFLAGS"
WORK=${TMPDIR:-/tmp}/biorag-llama-server-$VERSION
SRC=$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp
# Only the server: no tests, examples, web UI (its prebuilt assets would be downloaded) or HTTPS (loopback)
CONFIGURE=("$CMAKE" -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF
  -DLLAMA_BUILD_NUMBER=0 -DLLAMA_BUILD_COMMIT="llama-cpp-python-$VERSION")
# shellcheck disable=SC2206  # CMAKE_ARGS holds several words (the user's and the backend's), as pip reads them
[ -n "$CMAKE_ARGS" ] && CONFIGURE+=($CMAKE_ARGS)
BUILD=("$CMAKE" --build "$WORK/build" --target llama-server -j "${JOBS:-2}")
SERVE=("$BIN" -m "$MODEL" --host 127.0.0.1 --port "$PORT" --parallel "$SLOTS" --cont-batching
  -c "$((CTX_PER_SLOT * SLOTS))" -b "$BATCH" -ub "$BATCH" --no-webui
  --alias "$(basename "$MODEL")")  # named by its file, not its path
# shellcheck disable=SC2206  # extra flags as words
[ -n "${LLAMA_SERVER_ARGS:-}" ] && SERVE+=($LLAMA_SERVER_ARGS)

if [ -n "$DRY" ]; then
  echo "$PYTHON -m pip download llama-cpp-python==$VERSION --no-deps --no-binary :all: -d $WORK"
  echo "CFLAGS=${CFLAGS@Q} CXXFLAGS=${CXXFLAGS@Q} ${CONFIGURE[*]}"
  echo "${BUILD[*]}"
  echo "${SERVE[*]}"
  exit 0
fi

if [ -x "$BIN" ] && [ "$(cat "$BIN.stamp" 2>/dev/null)" = "$STAMP" ]; then
  echo "llama-server $VERSION is built ($BIN)."
else
  command -v "$CMAKE" >/dev/null || fail "cmake is not installed (apt-get install cmake, or pip install cmake); it builds llama-server"
  command -v "${CXX:-c++}" >/dev/null || fail "no C++ compiler (${CXX:-c++}): install one (apt-get install g++) to build llama-server"
  echo "Building llama-server from llama-cpp-python $VERSION's llama.cpp (several minutes; once) in $WORK"
  mkdir -p "$WORK"
  [ -d "$SRC" ] || {
    "$PYTHON" -m pip download -q "llama-cpp-python==$VERSION" --no-deps --no-binary :all: -d "$WORK" \
      || fail "could not download the source of llama-cpp-python $VERSION (offline?)"
    tar -xzf "$WORK/llama_cpp_python-$VERSION.tar.gz" -C "$WORK"
  }
  CFLAGS="$CFLAGS" CXXFLAGS="$CXXFLAGS" "${CONFIGURE[@]}" >"$WORK/configure.log" 2>&1 \
    || fail "cmake could not configure llama.cpp; see $WORK/configure.log"
  "${BUILD[@]}" >"$WORK/build.log" 2>&1 || fail "llama-server did not build; see $WORK/build.log"
  install -m 755 "$WORK/build/bin/llama-server" "$BIN"
  echo "$STAMP" > "$BIN.stamp"
  rm -rf "$WORK"
fi

echo "Starting llama-server on http://127.0.0.1:$PORT with $SLOTS slots of $CTX_PER_SLOT tokens ($MODEL)."
echo "Once it says 'server is listening', point the app at it:  RAG_LLM_URL=http://127.0.0.1:$PORT/v1 make run"
exec "${SERVE[@]}"
