"""The package's shape: imports flow one way without cycles, modules stay small, one module reads the environment."""

import importlib.util
import re

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "rag"


@pytest.fixture(scope="module")
def check_imports():
    spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_imports_follow_the_stages(check_imports):
    assert check_imports.check() == []
    assert check_imports.check(PACKAGE) == []


def test_the_stage_list_names_exactly_the_rooms_of_the_package(check_imports):
    """Every module and package right under rag/ has a stage, and no stage names one that is gone."""
    rooms = {p.stem for p in PACKAGE.glob("*.py")} | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert rooms - {"__init__"} == set(check_imports.STAGES)


def test_the_index_reaches_neither_ingestion_nor_retrieval(check_imports):
    """Data flows files -> documents -> passages -> index -> hits: the index stores and searches passages; reading
    files into it (rag.ingest) and searching several collections (rag.retrieve) are built on it, not inside it."""
    stages = check_imports.STAGES
    assert stages["load"] < stages["chunk"] < stages["index"] < stages["ingest"] <= stages["retrieve"] \
        < stages["answer"] < stages["engine"] < stages["cli"]


def write_tree(root, files: dict[str, str]):
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def test_a_backward_import_and_a_cycle_are_reported(check_imports, tmp_path):
    write_tree(tmp_path / "rag", {
        "__init__.py": "",
        "text.py": "from .engine import Engine\n",
        "engine.py": "class Engine: ...\n",
        "load/__init__.py": "from .a import read\n",
        "load/a.py": "from .b import helper\n\ndef read(): ...\n",
        "load/b.py": "def helper():\n    from rag.load.a import read\n",
    })
    faults = check_imports.check(tmp_path / "rag")
    assert "rag.text (stage 0) imports rag.engine (stage 6), a later stage" in faults
    assert "import cycle: rag.load.a -> rag.load.b -> rag.load.a" in faults
    assert len(faults) == 2


def test_a_clean_tree_has_no_faults(check_imports, tmp_path):
    write_tree(tmp_path / "rag", {
        "__init__.py": "", "text.py": "import re\n", "engine.py": "from .text import re\nfrom .load import read\n",
        "load/__init__.py": "from .a import read\n", "load/a.py": "from ..text import re\n\ndef read(): ...\n",
    })
    assert check_imports.check(tmp_path / "rag") == []


def test_app_py_holds_layout_and_wiring_only():
    # Module sizes are left to cohesion; ruff's complexity rules (pyproject.toml) limit functions instead
    assert len((ROOT / "app.py").read_text().splitlines()) < 60


def test_only_settings_reads_the_environment():
    pattern = re.compile(r"os\.environ|os\.getenv|from os import .*\b(environ|getenv)\b")
    # Handing the whole environment on to a child process ({**os.environ, ...}) reads no setting
    readers = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if pattern.search(p.read_text().replace("{**os.environ,", ""))]
    assert readers == ["rag/settings.py"]
