"""Load: 8 browser sessions ask questions while another process ingests 200 files into the same collection.

A real server (``streamlit run app.py``) on loopback with a fresh data folder holding the five shared PDFs is
asked one first question (it loads the models; timed apart). Then one Debian Chromium with 8 pages (each its own
Streamlit session) asks 3 questions per page, all pages at once, and ``rag ingest`` adds 200 text files (SciFact
abstracts, ten to a file) to the collection they ask. Records each answer's time from Enter to its sources
shown, whether the ingest was running meanwhile, every error the pages showed, whether the ingest completed,
and the server's peak memory.

Writes bench/results/load.json. Usage: .venv/bin/python bench/load.py [--pages 8] [--questions 3] [--files 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, SHARED, write

from tests.ui.server import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
RAG = str(ROOT / ".venv" / "bin" / "rag")
QUESTIONS = [
    "Which prophylactic methods are used to prevent deep venous thrombosis in trauma patients?",
    "What are the complications of inferior vena cava filters?",
    "How often does bleeding occur with pharmacologic DVT prophylaxis?",
    "What barriers to quality improvement were found at Kamuzu Central Hospital?",
    "How was the situational analysis in Malawi carried out?",
    "What did patients value in structured heart failure programmes?",
    "Why did some patients not attend heart failure rehabilitation?",
    "What role does ACE play in blood pressure regulation?",
    "From which cells was the N-domain angiotensin-converting enzyme expressed and purified?",
    "What is fragment-based drug design?",
    "What does the VESPA software automate?",
    "Which programs does VESPA use for selective pressure analyses?",
    "Do statins reduce cardiovascular mortality?",
    "What causes sudden infant death syndrome?",
    "Does vitamin D supplementation prevent fractures?",
    "Which patients with colorectal cancer have metastases at diagnosis?",
    "How does insulin resistance develop?",
    "What do microRNAs do in cancer?",
    "Does aspirin prevent colorectal cancer?",
    "How does smoking affect lung function?",
    "How do T cells recognise antigens?",
    "What is the role of autophagy in neurodegeneration?",
    "Does exercise training improve outcomes in heart failure?",
    "How is tuberculosis diagnosed in children?",
]
PROBLEMS = "[data-testid=stException], [data-testid=stAlertContentError]"


def write_batch(folder: Path, files: int, per_file: int = 10) -> list[Path]:
    """``files`` text files of ``per_file`` SciFact abstracts each (title line, then text)."""
    folder.mkdir(parents=True)
    rows = [json.loads(line) for line in open(SHARED / "scifact" / "corpus.jsonl", encoding="utf-8")]
    paths = []
    for i in range(files):
        chunk = rows[i * per_file:(i + 1) * per_file]
        path = folder / f"scifact-{i:03d}.txt"
        path.write_text("\n\n".join(f"{r['title']}\n\n{r['text']}" for r in chunk), encoding="utf-8")
        paths.append(path)
    return paths


def peak_memory_mb(pid: int) -> float | None:
    """The high-water mark of a process's resident memory (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def session(browser, url: str, questions: list[str], ready: asyncio.Event, go: asyncio.Event,
                  ingest: dict) -> dict:
    """One page: wait until usable, wait for the start signal, ask each question in turn and time it."""
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 1300, "height": 900})
    await page.goto(url)
    chat_input = page.get_by_test_id("stChatInputTextArea")
    await expect(chat_input).to_be_visible(timeout=600_000)
    ready.set()
    await go.wait()
    answers = []
    for i, question in enumerate(questions):
        await chat_input.fill(question)
        asked = time.perf_counter()
        running = ingest.get("end") is None
        await chat_input.press("Enter")
        assistant = page.get_by_test_id("stChatMessage").nth(2 * i + 1)
        try:
            await expect(assistant.get_by_test_id("stExpander").first).to_be_visible(timeout=600_000)
        except AssertionError:  # no sources within 10 minutes: recorded as unanswered, the page goes on
            answers.append({"question": question, "seconds": None, "during_ingest": True, "cited": False,
                            "problems": await page.locator(PROBLEMS).count()})
            continue
        seconds = time.perf_counter() - asked
        text = await assistant.inner_text()
        answers.append({"question": question, "seconds": round(seconds, 2),
                        "during_ingest": running or ingest.get("end") is None,
                        "cited": bool(re.search(r"\[\d+\]", text)),
                        "problems": await page.locator(PROBLEMS).count()})
    problems = [await e.inner_text() for e in await page.locator(PROBLEMS).all()]
    await page.close()
    return {"answers": answers, "problems": problems}


async def run(url: str, pages: int, per_page: int, batch: list[Path], env: dict) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    ingest: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # A first question loads the models into the server; it is timed on its own, not with the load
        warm, started = asyncio.Event(), time.perf_counter()
        warm.set()
        first = await session(browser, url, ["What is deep venous thrombosis prophylaxis?"], asyncio.Event(), warm,
                              {"end": 0})
        ingest["warmup"] = {"seconds_with_page_load": round(time.perf_counter() - started, 2), **first}
        events = [asyncio.Event() for _ in range(pages)]
        go = asyncio.Event()
        questions = [QUESTIONS[(n * per_page + i) % len(QUESTIONS)] for n in range(pages) for i in range(per_page)]
        tasks = [asyncio.create_task(session(browser, url, questions[n * per_page:(n + 1) * per_page], events[n],
                                             go, ingest)) for n in range(pages)]
        for event in events:
            await event.wait()
        # Every page is usable: the ingest starts, and so do the questions
        process = await asyncio.create_subprocess_exec(
            RAG, "ingest", *map(str, batch), "--collection", "papers", "--json", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        ingest["start"] = time.perf_counter()
        go.set()
        stdout, stderr = await process.communicate()
        ingest.update(end=time.perf_counter(), returncode=process.returncode, stdout=stdout.decode(),
                      stderr=stderr.decode()[-2000:])
        results = await asyncio.gather(*tasks)
        await browser.close()
    return results, ingest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--questions", type=int, default=3, help="questions per page")
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rag-load-"))
    env = {**os.environ, "RAG_DATA_DIR": str(work / "data")}
    pdfs = [SHARED / "pdfs" / m["file"] for m in json.loads((SHARED / "pdfs" / "manifest.json").read_text())]
    subprocess.run([RAG, "ingest", *map(str, pdfs), "--collection", "papers"], env=env, check=True,
                   capture_output=True)
    batch = write_batch(work / "batch", args.files)

    with serve(work / "data", work / "server.log") as (url, server):
        results, ingest = asyncio.run(run(url, args.pages, args.questions, batch, env))
        server_peak = peak_memory_mb(server.pid)

    answers = [a for r in results for a in r["answers"]]
    times = sorted(a["seconds"] for a in answers if a["seconds"] is not None)
    report = json.loads(ingest["stdout"]) if ingest["returncode"] == 0 else {}
    documents = subprocess.run([RAG, "collections"], env=env, capture_output=True, text=True).stdout
    write("load.json", {
        "pages": args.pages, "questions_per_page": args.questions,
        "answered": len(times), "asked": args.pages * args.questions,
        "answered_during_ingest": sum(a["during_ingest"] for a in answers),
        "answers_with_citations": sum(a["cited"] for a in answers),
        "answer_s": {"p50": round(statistics.median(times), 2),
                     "p95": round(times[max(0, round(0.95 * len(times)) - 1)], 2),
                     "max": times[-1], "min": times[0]},
        "problems_shown": [p for r in results for p in r["problems"]],
        "ingest": {"files": args.files, "seconds": round(ingest["end"] - ingest["start"], 1),
                   "returncode": ingest["returncode"], "added": len(report.get("added", [])),
                   "failed": report.get("failed", []), "stderr_tail": ingest["stderr"][-500:]},
        "collections_after": documents.strip(),
        "first_question_after_start": ingest["warmup"],
        "server_peak_rss_mb": server_peak,
        "answers": answers,
    })
    problems = [p for r in results for p in r["problems"]]
    if len(times) < args.pages * args.questions or problems or ingest["returncode"] != 0:
        raise SystemExit("under load: a question went unanswered, a page showed an error, or the ingest failed")


if __name__ == "__main__":
    main()
