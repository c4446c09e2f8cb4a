"""Display and stored names of user files: short enough for any file system in bytes, never empty, no paths."""

import pytest

from rag.load import safe_name
from rag.load.files import MAX_NAME_BYTES


@pytest.mark.parametrize("name", ["Ж" * 200 + ".pdf", "血栓" * 150 + ".txt", "é" * 300, "a" * 400 + ".markdown"])
def test_long_names_are_cut_to_whole_characters_within_the_byte_limit(tmp_path, name):
    safe = safe_name(name)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    suffix = name.rsplit(".", 1)[1] if "." in name else ""
    assert safe.endswith(f".{suffix}" if suffix else name[-1]) and safe[0] == name[0]
    (tmp_path / safe).write_text("stored")  # the file system takes it (255 bytes is the usual limit)


def test_names_lose_paths_and_control_characters_but_never_become_empty():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\paper\u202e.pdf") == "paper.pdf"
    assert safe_name("...") == "unnamed"
    assert safe_name("short.pdf") == "short.pdf"
