"""The installer: an installed, unchanged checkout starts with no network and never calls pip; a change installs.

`make test` runs `scripts/install.sh --test` before pytest, so the checkout under test is installed and stamped.
"""

import os
import shutil
import subprocess

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


def checkout_copy(tmp_path, pyproject: str):
    """A copy of this checkout's installer and pyproject.toml, sharing its installed .venv and package."""
    (tmp_path / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "install.sh", tmp_path / "scripts" / "install.sh")
    (tmp_path / "pyproject.toml").write_text(pyproject)
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
