"""`make llm-server` (scripts/llm_server.sh): the llama-server it builds and starts, and its one-line errors.

Nothing here compiles llama.cpp (minutes on two cores): --dry-run prints the build and server commands, and the
errors come before any build. The manual check of a real build is in docs/llm-server.md.
"""

import importlib.metadata
import os
import socket
import subprocess
import sys

from tests.conftest import ROOT


def script(tmp_path, *args, **env):
    """Run the script with a model file in tmp_path and the binary kept there (never the checkout's)."""
    model = tmp_path / "model.gguf"
    model.touch()
    compiler = tmp_path / "cc"  # accepts -mno-amx-int8, as GCC on x86-64 does
    compiler.write_text("#!/bin/sh\nexit 0\n")
    compiler.chmod(0o755)
    settings = {"MODEL": str(model), "LLAMA_SERVER_BIN": str(tmp_path / "llama-server"), "PYTHON": sys.executable,
                "CC": str(compiler), "TMPDIR": str(tmp_path), **env}
    return subprocess.run(["bash", str(ROOT / "scripts" / "llm_server.sh"), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **settings})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dry_run_builds_only_llama_server_from_the_installed_version_and_gives_each_slot_its_context(tmp_path):
    done = script(tmp_path, "--dry-run", SLOTS="8", LLM_PORT="9123")
    assert done.returncode == 0, done.stderr
    download, configure, build, serve = done.stdout.splitlines()
    version = importlib.metadata.version("llama_cpp_python")
    assert f"llama-cpp-python=={version} --no-deps --no-binary :all:" in download  # the source, never a binary
    assert configure.startswith("CFLAGS='-mno-amx-int8' CXXFLAGS='-mno-amx-int8' cmake ")  # scripts/llama_env.sh's
    assert f"llama_cpp_python-{version}/vendor/llama.cpp" in configure
    for flag in ("-DLLAMA_BUILD_SERVER=ON", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF"):
        assert flag in configure.split()
    assert build.split()[-4:] == ["--target", "llama-server", "-j", "2"]
    words = serve.split()
    assert words[0] == str(tmp_path / "llama-server") and words[words.index("-m") + 1] == str(tmp_path / "model.gguf")
    assert " --host 127.0.0.1 --port 9123 --parallel 8 --cont-batching -c 32768 " in serve  # 4096 tokens a slot
    assert " -b 256 -ub 256 " in serve  # prompts read in chunks, between which the writing slots go on
    assert words[-2:] == ["--alias", "model.gguf"]  # the app knows a catalogued model by its file name


def test_the_defaults_are_four_slots_on_port_8080_and_a_gpu_backend_reaches_cmake(tmp_path):
    done = script(tmp_path, "--dry-run", LLAMA_BACKEND="cuda")
    assert done.returncode == 0, done.stderr
    configure, serve = done.stdout.splitlines()[1], done.stdout.splitlines()[3]
    assert "-DGGML_CUDA=on" in configure.split()
    assert "--port 8080 --parallel 4 --cont-batching -c 16384" in serve


def test_no_model_is_one_line_naming_the_fix(tmp_path):
    done = script(tmp_path, MODEL=str(tmp_path / "missing.gguf"))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert "no model at" in done.stderr and "make install" in done.stderr and "MODEL=" in done.stderr


def test_a_port_in_use_is_said_before_anything_is_built(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = script(tmp_path, LLM_PORT=str(port))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"error: port {port} on 127.0.0.1 is in use") and "LLM_PORT=" in done.stderr
    assert not (tmp_path / "llama-server").exists()


def test_no_cmake_is_one_line(tmp_path):
    done = script(tmp_path, CMAKE=str(tmp_path / "no-cmake"), LLM_PORT=str(free_port()))
    assert done.returncode == 1 and done.stderr.startswith("error: cmake is not installed")
    assert len(done.stderr.splitlines()) == 1


def test_a_built_binary_of_this_version_is_started_without_building(tmp_path):
    fake = tmp_path / "llama-server"
    fake.write_text('#!/bin/sh\necho "served $*"\n')
    fake.chmod(0o755)
    env = subprocess.run(["bash", str(ROOT / "scripts" / "llama_env.sh")], capture_output=True, text=True,
                         env={**os.environ, "CC": "false"}, check=True).stdout
    flags = subprocess.run(["bash", "-c", env + 'echo "$CMAKE_ARGS $CFLAGS"'], capture_output=True, text=True).stdout
    (tmp_path / "llama-server.stamp").write_text(f"{importlib.metadata.version('llama_cpp_python')} {flags}")
    port = free_port()
    done = script(tmp_path, CMAKE=str(tmp_path / "no-cmake"), LLM_PORT=str(port), CC="false")
    assert done.returncode == 0, done.stderr
    assert "is built" in done.stdout and f"RAG_LLM_URL=http://127.0.0.1:{port}/v1 make run" in done.stdout
    assert f"served -m {tmp_path / 'model.gguf'} --host 127.0.0.1 --port {port} --parallel 4" in done.stdout


def test_the_batch_can_be_set_and_must_be_a_number(tmp_path):
    done = script(tmp_path, "--dry-run", BATCH="2048")
    assert done.returncode == 0 and " -b 2048 -ub 2048 " in done.stdout.splitlines()[3]
    done = script(tmp_path, "--dry-run", BATCH="lots")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: SLOTS, CTX_PER_SLOT, BATCH and LLM_PORT must be whole numbers"
