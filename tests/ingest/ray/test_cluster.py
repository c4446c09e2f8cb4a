"""The Ray session's checks, without starting or importing Ray (a local instance must be the first to import it,
see ``rag.ingest.ray.cluster``): what an address may be, a missing Ray named, the error a worker raised."""

import re
import sys

import pytest

from rag.cli import main
from rag.errors import ClusterError
from rag.ingest.ray.cluster import check_address, first_line, session


@pytest.mark.parametrize("address", ["auto", "10.0.0.5:6379", "head-node.lab.example:6379", "ray://head:10001",
                                     "[fd00::5]:6379", "ray://[::1]:10001"])
def test_a_ray_address_is_accepted(address):
    check_address(address)


@pytest.mark.parametrize("address", ["papers/heparin.pdf", "head", "http://head:8265", "head:port", "a b:1"])
def test_what_is_not_a_ray_address_is_refused(address):
    with pytest.raises(ClusterError, match=re.escape(f"--ray {address!r} is not a Ray address: give HOST:PORT")):
        check_address(address)


def test_a_file_taken_for_the_address_stops_the_ingest_before_anything_is_created(tmp_path, capsys, data_dir):
    (tmp_path / "a.txt").write_text("Heparin prevents thrombosis.")
    (tmp_path / "b.txt").write_text("Bed nets prevent malaria.")
    assert main(["ingest", "--ray", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--collection", "notes"]) == 2
    assert capsys.readouterr().err == (
        f"rag: --ray '{tmp_path / 'a.txt'}' is not a Ray address: give HOST:PORT of the head node, ray://HOST:PORT "
        "or auto, or --ray alone (after the files) for a local Ray instance.\n")
    assert not (data_dir / "collections" / "notes").exists()


def test_without_ray_the_message_says_what_to_install(tmp_path, capsys, data_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does where it is not installed
    with pytest.raises(ClusterError, match=re.escape("needs Ray Data, which is not installed")), session(None):
        pass
    (tmp_path / "a.txt").write_text("Heparin prevents thrombosis.")
    assert main(["ingest", str(tmp_path / "a.txt"), "--collection", "notes", "--ray"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: The Ray ingest needs Ray Data") and err.endswith(
        ": pip install 'biorag[ray]' (or pip install 'ray[data]').\n") and err.count("\n") == 1
    assert not (data_dir / "collections" / "notes").exists()


def test_the_cli_passes_the_address_to_the_engine(tmp_path, monkeypatch, capsys):
    from rag.engine import Engine
    from rag.ingest.ingest import IngestReport

    calls = []

    def ingest(self, name, paths, progress=None, ray=None):
        calls.append((name, [p.name for p in paths], ray))
        return IngestReport(added=[("a.txt", 1)])

    monkeypatch.setattr(Engine, "ingest", ingest)
    (tmp_path / "a.txt").write_text("Heparin prevents thrombosis.")
    for extra in (["--ray"], ["--ray", "ray://head:10001"], ["--ray=10.0.0.5:6379"], []):
        assert main(["ingest", str(tmp_path / "a.txt"), "-c", "notes", *extra]) == 0
    assert calls == [("notes", ["a.txt"], ""), ("notes", ["a.txt"], "ray://head:10001"),
                     ("notes", ["a.txt"], "10.0.0.5:6379"), ("notes", ["a.txt"], None)]


def test_the_error_a_worker_raised_is_said_in_one_line():
    class RayTaskError(Exception):  # how Ray carries a worker's exception: its traceback, as text
        pass

    sent = RayTaskError('ray::Map(prepare_row)() (pid=7, ip=127.0.0.1)\n  File "x.py", line 3, in f\n'
                        '    raise OSError("disk on fire")\nOSError: disk on fire\n\nThe above exception was the '
                        "direct cause of the following exception:\n\nray.exceptions.UserCodeException: UDF failed")
    assert first_line(sent) == "OSError: disk on fire"
    try:
        raise ValueError("while reading") from KeyError("page")
    except ValueError as error:
        assert first_line(error) == "KeyError: 'page'"  # the innermost cause
    assert first_line(TimeoutError()) == "TimeoutError: no message"
