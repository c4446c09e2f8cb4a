"""Write docs/settings.md from ``rag.settings.Settings``: every environment variable, its default and what it does.

The table is generated so that it cannot drift from the code; tests/test_settings.py fails when the file is stale.
Usage: .venv/bin/python scripts/settings_doc.py
"""

from dataclasses import MISSING, fields
from pathlib import Path

from rag.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
INTRO = """# Settings

Every setting is an environment variable, read once at start into one `Settings` object (`rag/settings.py`); a
wrong value stops the app with a message naming the variable. This table is generated from that object by
`scripts/settings_doc.py`.

| Variable | Default | What it does |
|---|---|---|
"""


def default_text(field) -> str:
    """A field's default as a reader wants it: the text its metadata gives, else the value ("(empty)" for none)."""
    if "default" in field.metadata:
        return field.metadata["default"]
    value = field.default if field.default is not MISSING else field.default_factory()
    if isinstance(value, bool):
        return str(value).lower()
    return "(empty)" if value == "" else str(value)


def render() -> str:
    rows = [f"| `{f.metadata['env']}` | {default_text(f)} | {f.metadata['help']} |" for f in fields(Settings)]
    return INTRO + "\n".join(rows) + "\n"


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}")
