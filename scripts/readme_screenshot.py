"""The README's first screen as a reader meets it: README.md rendered to HTML (GitHub-like type and width) and
photographed at 1280x800 by Debian's Chromium, into docs/readme-first-screen.png.

    .venv/bin/python scripts/readme_screenshot.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from markdown_it import MarkdownIt
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
STYLE = """body{font-family:-apple-system,'Segoe UI','Noto Sans',Helvetica,Arial,sans-serif;font-size:16px;
line-height:1.5;color:#1f2328;max-width:880px;margin:32px auto;padding:0 32px}
h1{font-size:2em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}h2{font-size:1.5em;border-bottom:1px solid
#d1d9e0;padding-bottom:.3em}img{max-width:100%;border:1px solid #d1d9e0}code,pre{font-family:ui-monospace,monospace;
font-size:85%;background:#f6f8fa;border-radius:6px}pre{padding:16px}code{padding:.2em .4em}a{color:#0969da}"""


def main() -> None:
    html = MarkdownIt("commonmark").enable("table").render((ROOT / "README.md").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "README.html"
        # Relative links and images resolve against the repository, as on a forge
        page_file.write_text(f'<!doctype html><meta charset="utf-8"><base href="{ROOT.as_uri()}/">'
                             f"<style>{STYLE}</style>{html}", encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            out = ROOT / "docs" / "readme-first-screen.png"
            page.screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
