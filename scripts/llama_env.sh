#!/usr/bin/env bash
# The build settings of llama-cpp-python for this machine, as shell assignments for scripts/install.sh to eval.
#
# LLAMA_BACKEND picks llama.cpp's backend: cpu (the default), cuda (NVIDIA, needs the CUDA toolkit) or metal
# (Apple Silicon). On x86-64, -march=native compiles in llama.cpp's AMX kernels on Xeons that have AMX, and
# they crash (SIGSEGV in ggml_backend_amx_mul_mat), so -mno-amx-int8 leaves them out; it is passed only to a
# compiler that accepts it (GCC on aarch64 and clang on Apple Silicon reject it, and the build would fail).
# The flags go through CFLAGS/CXXFLAGS, which CMake reads, so a user's own CMAKE_ARGS are kept as they are.
set -euo pipefail
case "${LLAMA_BACKEND:-cpu}" in
  cpu) backend="" ;;
  cuda) backend="-DGGML_CUDA=on" ;;
  metal) backend="-DGGML_METAL=on" ;;
  *) echo "error: LLAMA_BACKEND must be cpu, cuda or metal (it is '${LLAMA_BACKEND}')" >&2; exit 1 ;;
esac
flag=""
if "${CC:-cc}" -mno-amx-int8 -x c - -o /dev/null 2>/dev/null <<< 'int main(void) { return 0; }'; then
  flag="-mno-amx-int8"
fi
join() { local out="$1"; [ -n "$2" ] && out="${out:+$out }$2"; echo "$out"; }  # the user's words, then ours
printf 'CMAKE_ARGS=%q\nCFLAGS=%q\nCXXFLAGS=%q\n' "$(join "${CMAKE_ARGS:-}" "$backend")" \
  "$(join "${CFLAGS:-}" "$flag")" "$(join "${CXXFLAGS:-}" "$flag")"
