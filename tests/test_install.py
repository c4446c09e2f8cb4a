"""The installer: an installed, unchanged checkout starts with no network and never calls pip; a change installs.

`make test` runs `scripts/install.sh --test` before pytest, so the checkout under test is installed and stamped.
"""

import hashlib
import os
import shutil
import subprocess

from rag.models import ModelStore, resolve_llm
from rag.models.catalogue import DEFAULT_LLM_NAME, entry
from tests.conftest import ROOT

# No network: pip and any proxy-aware tool point at a closed port; RAG_PIP makes any pip call fail loudly
OFFLINE = {"RAG_PIP": "false", "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "http_proxy": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "PIP_NO_INPUT": "1"}


def install(checkout, *args, env=None):
    return subprocess.run(["bash", str(checkout / "scripts" / "install.sh"), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **OFFLINE, **(env or {})})


def test_an_installed_unchanged_checkout_starts_without_pip_or_network():
    for mode in ([], ["--test"]):
        done = install(ROOT, *mode)
        assert done.returncode == 0, f"install.sh called pip offline (run `make test` first):\n{done.stderr}"
        assert "nothing to install" in done.stdout


def test_the_install_put_the_default_answerer_where_every_data_folder_finds_it(tmp_path):
    """scripts/install.sh pulled Qwen2.5-Coder-0.5B from its PyPI mirror into the environment: the LLM of a fresh
    data folder, and byte for byte the publisher's file."""
    default = entry(DEFAULT_LLM_NAME)
    found = resolve_llm("", ModelStore(tmp_path / "models"))
    assert (found.name, found.source) == (default.title, "installed with the app")
    digest = hashlib.sha256()
    with open(found.path, "rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    assert (found.path.stat().st_size, digest.hexdigest()) == (default.mirror.size, default.mirror.sha256)


def checkout_copy(tmp_path, pyproject: str):
    """A copy of this checkout's installer and pyproject.toml, sharing its installed .venv and package."""
    (tmp_path / "scripts").mkdir(parents=True)
    for script in ("install.sh", "llama_env.sh"):
        shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "rag").symlink_to(ROOT / "rag")
    return tmp_path


def test_a_changed_pyproject_is_installed_again(tmp_path):
    pyproject = (ROOT / "pyproject.toml").read_text()
    same = checkout_copy(tmp_path / "same", pyproject)
    assert install(same, "--test").returncode == 0
    changed = checkout_copy(tmp_path / "changed", pyproject + "\n# a new dependency\n")
    done = install(changed, "--test")
    # It went to pip (which fails offline): a changed project is not taken as installed
    assert done.returncode != 0 and "nothing to install" not in done.stdout
    # ...and the stamp of the real install was left alone
    assert install(ROOT, "--test").returncode == 0


def llama_env(tmp_path, accepts_no_amx: bool, **env) -> dict[str, str]:
    """scripts/llama_env.sh's assignments, with a compiler that accepts -mno-amx-int8 (x86-64) or rejects it (GCC
    on aarch64: "unrecognized command-line option")."""
    compiler = tmp_path / "cc"
    compiler.write_text("#!/bin/sh\n" + ("exit 0\n" if accepts_no_amx else
                        'case "$*" in *-mno-amx-int8*) echo "unrecognized option" >&2; exit 1;; esac\nexit 0\n'))
    compiler.chmod(0o755)
    done = subprocess.run(["bash", str(ROOT / "scripts" / "llama_env.sh")], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "CC": str(compiler), **env})
    assert done.returncode == 0, done.stderr
    out = subprocess.run(["bash", "-c", done.stdout + 'printf "%s\\n" "$CMAKE_ARGS" "$CFLAGS" "$CXXFLAGS"'],
                         capture_output=True, text=True).stdout.splitlines()
    return dict(zip(("CMAKE_ARGS", "CFLAGS", "CXXFLAGS"), out, strict=True))


def test_the_amx_flag_goes_only_to_a_compiler_that_accepts_it(tmp_path):
    assert llama_env(tmp_path, True) == {"CMAKE_ARGS": "", "CFLAGS": "-mno-amx-int8", "CXXFLAGS": "-mno-amx-int8"}
    assert llama_env(tmp_path, False) == {"CMAKE_ARGS": "", "CFLAGS": "", "CXXFLAGS": ""}


def test_a_users_build_flags_are_kept_and_the_backend_is_added(tmp_path):
    mine = "-DGGML_BLAS=ON -DGGML_BLAS_VENDOR=OpenBLAS -DNAME='two words'"
    got = llama_env(tmp_path, True, CMAKE_ARGS=mine, CFLAGS="-O2", LLAMA_BACKEND="cuda")
    assert got == {"CMAKE_ARGS": f"{mine} -DGGML_CUDA=on", "CFLAGS": "-O2 -mno-amx-int8", "CXXFLAGS": "-mno-amx-int8"}
    assert llama_env(tmp_path, False, LLAMA_BACKEND="metal")["CMAKE_ARGS"] == "-DGGML_METAL=on"
    done = subprocess.run(["bash", str(ROOT / "scripts" / "llama_env.sh")], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "LLAMA_BACKEND": "rocm"})
    assert done.returncode == 1 and "LLAMA_BACKEND must be cpu, cuda or metal (it is 'rocm')" in done.stderr


def test_the_tested_set_in_requirements_lock_is_what_is_installed():
    """scripts/install.sh installs with requirements.lock as constraints where it was made (same Python and
    platform): every locked package is there at its locked version."""
    import platform
    import re
    from importlib.metadata import PackageNotFoundError, version

    import pytest

    lines = (ROOT / "requirements.lock").read_text().splitlines()
    made = re.search(r"Python (\d+\.\d+)\.\d+ (\S+) ([^)\s]+)\)", lines[0])
    if made.groups() != (".".join(platform.python_version_tuple()[:2]), platform.system(), platform.machine()):
        pytest.skip(f"requirements.lock was made on {' '.join(made.groups())}: pyproject.toml's ranges apply here")
    locked = dict(line.split("==", 1) for line in lines if line and not line.startswith("#"))
    assert "txtai" in locked and "torch" in locked
    wrong = {}
    for name, want in locked.items():
        try:
            have = version(name)
        except PackageNotFoundError:
            have = None
        if have != want:
            wrong[name] = (want, have)
    assert wrong == {}, "installed versions differ from requirements.lock (run `make test`, or scripts/lock.sh)"
