"""The CPU that bench/load.py's browser pages use by themselves, apart from any answering.

load.py stands for 8 users with 8 pages of one headless Chromium on the same cores as the servers; on a real
deployment each user's browser runs on their own machine. This measures what those pages cost: 8 pages of the app
(served on loopback, a fresh data folder with the five shared PDFs) for ``--seconds`` while idle, then for as long
again while each waits for its answer, the app pointed at a stand-in OpenAI-compatible server on loopback that
lists one model and never answers a chat request (so each page shows its evidence and "Waiting for the LLM
server"). Reports the CPU seconds of the browser's processes, the app's and the rest, as load.py counts them.

Writes bench/results/pages_cpu.json. Usage: .venv/bin/python bench/pages_cpu.py [--pages 8] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import write
from load import ARGS, CHROMIUM, QUESTIONS, CpuUse, shared_papers

from tests.ui.server import serve


class Silent(BaseHTTPRequestHandler):
    """An OpenAI-compatible server that lists one model and never answers a chat request (until it is closed)."""

    closing = threading.Event()

    def do_GET(self):  # noqa: N802 (the http.server name)
        body = json.dumps({"object": "list", "data": [{"id": "silent", "object": "model",
                                                       "owned_by": "llamacpp"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.closing.wait(600)

    def log_message(self, *args) -> None:
        pass


async def measure(url: str, pages: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        boxes = []
        for _ in range(pages):
            page = await browser.new_page(viewport={"width": 1300, "height": 900})
            await page.goto(url)
            box = page.get_by_test_id("stChatInputTextArea")
            await box.wait_for(timeout=600_000)
            boxes.append((page, box))
        await asyncio.sleep(3)  # the pages settle
        cpu = CpuUse()
        await asyncio.sleep(seconds)
        idle = cpu.stop()
        for n, (_, box) in enumerate(boxes):
            await box.fill(QUESTIONS[n % len(QUESTIONS)])
            await box.press("Enter")
        for page, _ in boxes:  # every page shows the wait under its evidence
            await page.get_by_text("Waiting for the LLM server").wait_for(timeout=600_000)
        cpu = CpuUse()
        await asyncio.sleep(seconds)
        waiting = cpu.stop()
        await browser.close()
    return {"idle": idle, "waiting_for_the_llm": waiting}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    work, _ = shared_papers("rag-pages-")
    silent = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=silent.serve_forever, daemon=True).start()
    llm = f"http://127.0.0.1:{silent.server_address[1]}/v1"
    try:
        with serve(work / "data", work / "server.log", {"RAG_LLM_URL": llm}) as (url, _):
            started = time.perf_counter()
            used = asyncio.run(measure(url, args.pages, args.seconds))
    finally:
        Silent.closing.set()
        silent.shutdown()
    cores = os.cpu_count() or 1
    write("pages_cpu.json", {
        "pages": args.pages, "seconds": args.seconds, "cpus": cores,
        "cpu_seconds": used,
        # the share of all the cores that the pages' browser took in each state
        "browser_share_of_cores": {state: round(u["browser"] / (args.seconds * cores), 3) for state, u in used.items()},
        "wall_s": round(time.perf_counter() - started, 1),
    })


if __name__ == "__main__":
    main()
