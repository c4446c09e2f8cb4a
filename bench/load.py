"""Load: 8 browser sessions ask questions while another process ingests 200 files into the same collection.

A real server (``streamlit run app.py``) on loopback with a fresh data folder holding the five shared PDFs is
asked one first question (it loads the models; timed apart). Then one Debian Chromium with 8 pages (each its own
Streamlit session) asks 3 questions per page, all pages at once, and ``rag ingest`` adds 200 text files (SciFact
abstracts, ten to a file) to the collection they ask. Records each answer's time from Enter to its first answer
sentence and to its sources shown (the answer finished), answers per minute, whether the ingest was running
meanwhile, every error the pages showed, whether the ingest completed, the servers' peak memory and the machine's
load average before the run (the machine may be shared: a load above its cores slows every figure), how
far below the answers' CPU priority the ingest ran (RAG_BACKGROUND_NICE), and the CPU seconds the browser, the
LLM server, the app and the ingest each used while the questions ran (the browser's pages stand for users who
would be on machines of their own, yet here they share the cores).

Each answer also has the app's own times (``app_s``, from the conversations it saved): from the question reaching
the app to the search done, to the evidence chosen, and to the first answer sentence written (or the line saying
there is none). The difference from the page's time is the browser's and the network's.

The app answers with its own LLM, or through ``--llm-url`` (any OpenAI-compatible server), or through a llama.cpp
``llama-server`` with ``--llm-server-slots N`` parallel slots that this script starts with scripts/llm_server.sh
(build it first: ``make llm-server``) and stops.

Writes bench/results/load.json, or load_<config>.json with ``--config``. Usage: .venv/bin/python bench/load.py
[--pages 8] [--questions 3] [--files 200] [--config NAME] [--llm-url URL | --llm-server-slots N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import ROOT, SHARED, write

from rag.chats import ChatStore
from rag.settings import Settings
from tests.ui.server import free_port, serve

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
# In the n-th chat message: the answer's first words once shown (a Markdown element outside the evidence quotes,
# the captions and the sources), or with ``any`` "(ended)" when the answer ended without any (sources or an error)
ANSWER_STARTED = """([n, any]) => {
  const message = document.querySelectorAll('[data-testid=stChatMessage]')[n];
  if (!message) return "";
  const shown = [...message.querySelectorAll('[data-testid=stMarkdown]')].filter(m =>
    !m.closest('[data-testid=stExpander]') && !m.querySelector('[data-testid=stCaptionContainer]'))
    .map(m => m.innerText.trim()).find(t => t && !/^(Evidence$|\\[\\d+\\]\\s*“)/.test(t));
  if (shown) return shown.slice(0, 100);
  return any && message.querySelector('[data-testid=stExpander], [data-testid=stAlertContentError]') ? "(ended)" : "";
}"""


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


def shared_papers(prefix: str) -> tuple[Path, dict]:
    """A fresh work folder whose data folder holds the five shared PDFs in the collection "papers", and the
    environment that points ``rag`` at it."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**os.environ, "RAG_DATA_DIR": str(work / "data")}
    pdfs = [SHARED / "pdfs" / m["file"] for m in json.loads((SHARED / "pdfs" / "manifest.json").read_text())]
    subprocess.run([RAG, "ingest", *map(str, pdfs), "--collection", "papers"], env=env, check=True,
                   capture_output=True)
    return work, env


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
    from playwright.async_api import TimeoutError as PlaywrightTimeout
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
        first, words = None, ""
        try:
            await page.wait_for_function(ANSWER_STARTED, arg=[2 * i + 1, True], polling=200, timeout=600_000)
            if words := await page.evaluate(ANSWER_STARTED, [2 * i + 1, False]):
                first = round(time.perf_counter() - asked, 2)
            await expect(assistant.get_by_test_id("stExpander").first).to_be_visible(timeout=600_000)
        except (AssertionError, TimeoutError, PlaywrightTimeout):  # nothing within 10 minutes: unanswered
            answers.append({"question": question, "seconds": None, "first_sentence_s": first, "during_ingest": True,
                            "cited": False, "problems": await page.locator(PROBLEMS).count()})
            continue
        seconds = time.perf_counter() - asked
        text = await assistant.inner_text()
        answers.append({"question": question, "seconds": round(seconds, 2), "first_sentence_s": first,
                        "first_words": words,
                        "finished_at": time.perf_counter(),
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
        cpu = CpuUse()
        go.set()
        stdout, stderr = await process.communicate()
        ingest.update(end=time.perf_counter(), returncode=process.returncode, stdout=stdout.decode(),
                      stderr=stderr.decode()[-2000:])
        results = await asyncio.gather(*tasks)
        ingest["cpu_seconds"] = cpu.stop()
        ingest["window_s"] = round(time.perf_counter() - ingest["start"], 1)
        await browser.close()
    return results, ingest


@contextlib.contextmanager
def llama_server(slots: int, log: Path):
    """Yield (url, process) of a llama-server with ``slots`` parallel slots on a free port, once it is ready."""
    port = free_port()
    env = {**os.environ, "LLM_PORT": str(port), "SLOTS": str(slots)}
    with open(log, "w") as output:
        process = subprocess.Popen([str(ROOT / "scripts" / "llm_server.sh")], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            for _ in range(1200):  # /health answers 503 while the model loads
                if process.poll() is not None:
                    raise SystemExit(f"llama-server did not start: {log.read_text()[-500:]}")
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.25)
            yield f"http://127.0.0.1:{port}/v1", process
        finally:
            process.terminate()
            process.wait(timeout=60)


# Whose CPU time it was, by command line: the 8 pages' browser shares these cores with the servers (on a real
# deployment it runs on each user's own machine), and so does the ingest
CPU_KINDS = {"browser": "chromium", "llm_server": "llama-server", "app": "streamlit", "ingest": "rag ingest"}


class CpuUse:
    """CPU seconds used by each kind of process (CPU_KINDS, the rest as "other") while it runs: each process's
    user and system time, read from /proc once a second, counted from the start or from its own start."""

    def __init__(self):
        self.tick, self.seen, self.done = os.sysconf("SC_CLK_TCK"), {}, threading.Event()
        self.first = self._read()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _read(self) -> dict:
        found = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            except OSError:
                continue  # ended since it was listed
            found[pid] = (command, (int(fields[11]) + int(fields[12])) / self.tick)
        return found

    def _watch(self) -> None:
        while not self.done.wait(1.0):
            self.seen.update(self._read())

    def stop(self) -> dict:
        self.done.set()
        self.thread.join()
        self.seen.update(self._read())
        used = dict.fromkeys([*CPU_KINDS, "other"], 0.0)
        for pid, (command, seconds) in self.seen.items():
            kind = next((k for k, name in CPU_KINDS.items() if name in command), "other")
            before = self.first.get(pid)
            used[kind] += seconds - (before[1] if before and before[0] == command else 0.0)
        return {k: round(v, 1) for k, v in used.items()}


def app_times(data_dir: Path) -> dict[str, dict]:
    """The app's own times of each answer it saved, by question: seconds from the question reaching the app to the
    search done (a follow-up's rewrite included), to the evidence chosen, and to the first answer sentence (or, for
    an answer with none, its no-answer line)."""
    store, found = ChatStore(data_dir / "chats.sqlite"), {}
    for conversation in store.conversations("papers"):
        for message in store.messages(conversation["id"]):
            timings = message.get("answer", {}).get("timings", {})
            if "retrieve_ms" in timings:
                marks = {"searched": timings["retrieve_ms"]}
                marks["evidence"] = marks["searched"] + timings.get("evidence_ms", 0)
                # the first sentence shown, or for an answer without one the line saying so, as the page counts it
                if "first_sentence_ms" in timings or "generate_ms" in timings:
                    marks["first_sentence"] = marks["evidence"] + timings.get("first_sentence_ms",
                                                                              timings.get("generate_ms", 0))
                found[message["answer"]["question"]] = {k: round(v / 1000, 2) for k, v in marks.items()}
    return found


def spread(values: list[float]) -> dict:
    """p50, p95, max and min of some seconds (p95 as the nearest rank)."""
    values = sorted(values)
    if not values:
        return {}
    return {"p50": round(statistics.median(values), 2), "p95": values[max(0, round(0.95 * len(values)) - 1)],
            "max": values[-1], "min": values[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--questions", type=int, default=3, help="questions per page")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--config", help="a name for this setup: writes load_<config>.json")
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--llm-url", help="answer through this OpenAI-compatible server (RAG_LLM_URL)")
    server.add_argument("--llm-server-slots", type=int, help="start llama-server with this many parallel slots")
    args = parser.parse_args()

    work, env = shared_papers("rag-load-")
    batch = write_batch(work / "batch", args.files)

    load_before = [round(x, 2) for x in os.getloadavg()]
    with contextlib.ExitStack() as stack:
        llm_url, llm_process = args.llm_url, None
        if args.llm_server_slots:
            llm_url, llm_process = stack.enter_context(llama_server(args.llm_server_slots, work / "llama-server.log"))
        app_env = {"RAG_LLM_URL": llm_url} if llm_url else {}
        url, app = stack.enter_context(serve(work / "data", work / "server.log", app_env))
        results, ingest = asyncio.run(run(url, args.pages, args.questions, batch, env))
        server_peak = peak_memory_mb(app.pid)
        llm_peak = peak_memory_mb(llm_process.pid) if llm_process else None

    answers = [a for r in results for a in r["answers"]]
    for a in ingest["warmup"]["answers"]:
        a.pop("finished_at", None)
    for a in answers:  # when each answer was finished, counted from the start of the questions
        if "finished_at" in a:
            a["finished_after_start_s"] = round(a.pop("finished_at") - ingest["start"], 2)
    own = app_times(work / "data")
    for a in answers:
        a["app_s"] = own.get(a["question"], {})
    times = sorted(a["seconds"] for a in answers if a["seconds"] is not None)
    firsts = [a["first_sentence_s"] for a in answers if a["first_sentence_s"] is not None]
    window = max((a["finished_after_start_s"] for a in answers if "finished_after_start_s" in a), default=None)
    report = json.loads(ingest["stdout"]) if ingest["returncode"] == 0 else {}
    documents = subprocess.run([RAG, "collections"], env=env, capture_output=True, text=True).stdout
    problems = [p for r in results for p in r["problems"]]
    write(f"load_{args.config}.json" if args.config else "load.json", {
        "config": args.config or "default",
        "llm": (f"llama-server, {args.llm_server_slots} parallel slots, continuous batching" if args.llm_server_slots
                else f"server at {llm_url}" if llm_url else "the app's own LLM (in-process llama-cpp-python)"),
        "load_average_before": load_before, "cpus": os.cpu_count(),
        "background_nice": Settings.from_env().background_nice,  # how far below answers the ingest ran
        "pages": args.pages, "questions_per_page": args.questions,
        "answered": len(times), "asked": args.pages * args.questions,
        "answered_during_ingest": sum(a["during_ingest"] for a in answers),
        "answers_with_citations": sum(a["cited"] for a in answers),
        "first_sentence_s": spread(firsts),
        "answer_s": spread(times),
        # the same first sentences as the app timed them, from the question's arrival (see above)
        "app_first_sentence_s": spread([a["app_s"]["first_sentence"] for a in answers
                                        if "first_sentence" in a["app_s"]]),
        "answers_per_minute": round(len(times) / window * 60, 2) if window else None,
        "last_answer_after_start_s": window,
        "errors": len(problems) + args.pages * args.questions - len(times),
        "problems_shown": problems,
        "ingest": {"files": args.files, "seconds": round(ingest["end"] - ingest["start"], 1),
                   "returncode": ingest["returncode"], "added": len(report.get("added", [])),
                   "failed": report.get("failed", []), "stderr_tail": ingest["stderr"][-500:]},
        "collections_after": documents.strip(),
        "first_question_after_start": ingest["warmup"],
        # Where the cores went from the start of the questions to the last answer (cores x window available)
        "cpu_seconds": {**ingest["cpu_seconds"], "available": round(ingest["window_s"] * (os.cpu_count() or 1), 1)},
        "server_peak_rss_mb": server_peak,
        "llm_server_peak_rss_mb": llm_peak,
        "answers": answers,
    })
    if len(times) < args.pages * args.questions or problems or ingest["returncode"] != 0:
        raise SystemExit("under load: a question went unanswered, a page showed an error, or the ingest failed")


if __name__ == "__main__":
    main()
