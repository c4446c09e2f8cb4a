"""Uploads that survive the page (issue 29): the probe of the issue in a real browser, and the cost of a job.

1. The probe, in Debian's Chromium driven by Playwright against `streamlit run app.py` (a fresh data folder each
   time): create a collection, upload N small text files (PubMedQA abstracts), click "Add to collection", ask a
   question 4 s later, then wait for the upload to end. Recorded: the time from the click to "Adding N file(s)"
   in the sidebar, what the sidebar said after the question and at the end, the documents in the collection at
   the end (read from the data folder once the server stopped) and the seconds to the report. Run with this
   checkout's code (N = 150 and 300) and with the code of ``--before`` (the main branch's checkout, N = 150),
   where the question stopped the upload. Screenshots of the sidebar, running and done, go to --shots.
2. A 150-file upload alone, in the browser: from the click to the documents listed (with the report), the code of
   ``--before`` against this one's, alternated: two servers of each, each taking ``--repeats`` uploads into new
   collections after a first one of 10 files.
3. A 150-file upload alone, in the engine: ``Engine.ingest_uploads`` (the page's path before jobs; the code of
   ``--before``, and this checkout's) against ``Engine.start_ingest`` then waiting for the job (this checkout),
   alternated, each run in a fresh process and a fresh data folder, the model loaded by a warm-up upload first.

Usage: .venv/bin/python bench/upload_jobs.py [--before ../main] [--repeats 3] [--parts engine,probe,alone]
       -> bench/results/upload_jobs.json
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, SHARED, write

from tests.ui.server import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUESTION = "Does tailored telephone counseling increase mammography use?"


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def make_files(folder: Path, n: int) -> list[Path]:
    """The first ``n`` PubMedQA dev abstracts, each a .txt file."""
    records = list(json.loads((SHARED / "pubmedqa" / "dev.json").read_text()).items())[:n]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for pmid, record in records:
        path = folder / f"pubmed-{pmid}.txt"
        path.write_text(" ".join(record["CONTEXTS"]))
        paths.append(path)
    return paths


def copies(files: list[Path], folder: Path, run: int) -> list[Path]:
    """The same files under other names: a file input given the very files it holds already sends nothing."""
    folder.mkdir(parents=True)
    return [Path(shutil.copy(f, folder / f"r{run}-{f.name}")) for f in files]


def documents_on_disk(root: Path, data: Path, name: str) -> int:
    """Documents in collection ``name`` as the code of ``root`` reads the data folder (after the server stopped)."""
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); from rag.engine import Engine; "
            f"from rag.settings import Settings; from pathlib import Path; "
            f"e = Engine(Settings.from_env(data_dir=Path({str(data)!r}))); "
            f"print(next((c['documents'] for c in e.collections() if c['name'] == {name!r}), 0))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    return int(out.stdout.strip().splitlines()[-1])


def sent(response) -> bool:
    """Whether ``response`` answers the upload of a file (not the removal of one the form cleared)."""
    return "/_stcore/upload_file" in response.url and response.request.method in ("PUT", "POST")


def sidebar_lines(sidebar) -> list[str]:
    """The sidebar's lines about the upload (its progress, its report, the documents)."""
    text = sidebar.inner_text(timeout=30_000)
    keep = re.compile(r"Adding|added|Embedding|Reading|Queued|Documents \(|Cancel|Interrupted|Not added", re.I)
    return [line.strip() for line in text.splitlines() if keep.search(line)][:12]


def open_app(p, url: str):
    """Chromium on the app at ``url``, once the sample collection and the models are loaded: (browser, page,
    sidebar)."""
    from playwright.sync_api import expect

    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    expect(page.get_by_label("New collection")).to_be_editable(timeout=300_000)
    expect(page.get_by_text("Preparing the sample collection")).to_have_count(0, timeout=600_000)
    expect(page.get_by_text("Loading the")).to_have_count(0, timeout=600_000)
    return browser, page, page.get_by_test_id("stSidebar")


def browser_run(root: Path, n: int, files: list[Path], ask: bool, shots: Path | None, label: str) -> dict:
    """One upload in a real browser against the app of ``root``; ``ask``: a question 4 s after the click."""
    from playwright.sync_api import expect, sync_playwright

    work = Path(tempfile.mkdtemp(prefix="rag-bench-upload-"))
    result: dict = {"code": label, "files": n, "question_after_s": 4 if ask else None}
    try:
        with serve(work / "data", work / "server.log", root=root) as (url, _), sync_playwright() as p:
            browser, page, sidebar = open_app(p, url)
            page.get_by_label("New collection").fill("Probe")
            page.get_by_role("button", name="Create").click()
            expect(page.get_by_role("heading", name="Probe")).to_be_visible(timeout=60_000)
            uploaded = []
            page.on("response", lambda r: uploaded.append(1) if sent(r) else None)
            uploader = page.locator("input[type=file]")
            expect(uploader).to_have_count(1, timeout=30_000)
            uploader.set_input_files([str(f) for f in files])
            deadline = time.monotonic() + 300
            while len(uploaded) < n and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            result["files_sent_to_server"] = len(uploaded)
            page.wait_for_timeout(1000)  # the uploader takes the last file in
            clicked = time.perf_counter()
            page.get_by_role("button", name="Add to collection").click()
            expect(sidebar.get_by_text(f"Adding {n} file(s)")).to_be_visible(timeout=120_000)
            result["click_to_job_shown_s"] = round(time.perf_counter() - clicked, 2)
            if shots is not None and ask:
                page.wait_for_timeout(1500)  # a progress line past its first file
                sidebar.screenshot(path=str(shots / f"{label}-{n}-running.png"))
            if ask:
                page.wait_for_timeout(max(0, 4000 - (time.perf_counter() - clicked) * 1000))
                chat = page.get_by_test_id("stChatInputTextArea")
                chat.fill(QUESTION, timeout=300_000)  # under load the box was seen disabled for a while, once
                chat.press("Enter")
                result["asked_at_s"] = round(time.perf_counter() - clicked, 2)
                expect(page.get_by_test_id("stChatMessage").nth(1)).to_be_visible(timeout=300_000)
                page.wait_for_timeout(1000)
                result["sidebar_after_question"] = sidebar_lines(sidebar)
            report = sidebar.get_by_text(re.compile(rf"^{n} file\(s\) added"))
            try:  # the report, or (the code before jobs, after a question) nothing: the page just goes idle
                expect(report).to_be_visible(timeout=900_000 if not ask or label == "jobs" else 60_000)
                result["click_to_report_s"] = round(time.perf_counter() - clicked, 2)
            except AssertionError:
                result["click_to_report_s"] = None
            page.wait_for_timeout(1500)
            result["sidebar_at_end"] = sidebar_lines(sidebar)
            if shots is not None and ask:
                sidebar.screenshot(path=str(shots / f"{label}-{n}-done.png"))
            browser.close()
        result["documents_at_end"] = documents_on_disk(root, work / "data", "Probe")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def browser_alone(root: Path, files: list[Path], repeats: int, label: str) -> list[float]:
    """Seconds from "Add to collection" to the documents listed, for ``repeats`` uploads of ``files`` into new
    collections of one server with the app of ``root`` (after a first upload of 10 other files, which loads what
    an upload needs)."""
    from playwright.sync_api import expect, sync_playwright

    work, times = Path(tempfile.mkdtemp(prefix="rag-bench-upload-")), []
    extra = make_files(work / "warm-up", len(files) + 10)[len(files):]
    try:
        with serve(work / "data", work / "server.log", root=root) as (url, _), sync_playwright() as p:
            browser, page, sidebar = open_app(p, url)
            uploaded = []
            page.on("response", lambda r: uploaded.append(1) if sent(r) else None)
            for run, batch in enumerate([extra] + [copies(files, work / f"run-{r}", r) for r in range(repeats)]):
                name = f"Upload {run}"
                page.get_by_label("New collection").fill(name)
                page.get_by_role("button", name="Create").click()
                expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=60_000)
                uploaded.clear()
                uploader = page.locator("input[type=file]")
                expect(uploader).to_have_count(1, timeout=60_000)  # the previous page's uploader gone
                uploader.set_input_files([str(f) for f in batch])
                deadline = time.monotonic() + 300
                while len(uploaded) < len(batch) and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
                assert len(uploaded) == len(batch), f"{len(uploaded)} of {len(batch)} files sent to the server"
                page.wait_for_timeout(1000)  # the uploader takes the last file in
                clicked = time.perf_counter()
                page.get_by_role("button", name="Add to collection").click()
                # The files listed: the report and the documents are drawn in the same run, by either code
                expect(sidebar.get_by_text(f"Documents ({len(batch)})")).to_be_visible(timeout=900_000)
                if run:
                    times.append(round(time.perf_counter() - clicked, 2))
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(label, times, file=sys.stderr, flush=True)
    return times


ENGINE_RUN = """
import json, shutil, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from rag.engine import Engine
from rag.settings import Settings
files = [Path(p) for p in json.loads(sys.argv[2])]
data = Path(tempfile.mkdtemp(prefix="rag-bench-engine-"))
engine = Engine(Settings.from_env(data_dir=data))
engine.ingest_uploads("warm-up", [(f.name, f.read_bytes()) for f in files[:3]])  # the model and tokenizer loaded
uploads = [(f.name, f.read_bytes()) for f in files]
started = time.perf_counter()
if sys.argv[3] == "job":
    job = engine.start_ingest("Probe", uploads)
    engine.jobs.wait(job.id)
    added = len(job.result["added"])
else:
    added = len(engine.ingest_uploads("Probe", uploads).added)
print(json.dumps({"seconds": time.perf_counter() - started, "added": added}))
shutil.rmtree(data)
"""


def engine_runs(before: Path, files: list[Path], repeats: int) -> dict:
    """The upload alone in the engine: the path before jobs (code of ``before``) and the job path, alternated."""
    times: dict[str, list[float]] = {"before_ingest_uploads": [], "after_job": [], "after_ingest_uploads": []}
    for _ in range(repeats):
        for key, root, path in (("before_ingest_uploads", before, "direct"), ("after_job", ROOT, "job"),
                                ("after_ingest_uploads", ROOT, "direct")):
            out = subprocess.run([sys.executable, "-c", ENGINE_RUN, str(root), json.dumps([str(f) for f in files]),
                                  path], capture_output=True, text=True, check=True, cwd=root)
            run = json.loads(out.stdout.strip().splitlines()[-1])
            assert run["added"] == len(files), run
            times[key].append(round(run["seconds"], 2))
            print(key, run, file=sys.stderr, flush=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {"files": len(files), "runs_s": times, "median_s": medians,
            "after_vs_before": round(medians["after_job"] / medians["before_ingest_uploads"] - 1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=ROOT.parent / "main", help="checkout of the code before jobs")
    parser.add_argument("--repeats", type=int, default=3, help="engine runs of each path")
    parser.add_argument("--parts", default="engine,probe,alone", help="which parts to run (the others' results are "
                        "kept): engine, probe, alone")
    parser.add_argument("--shots", type=Path, default=ROOT / "bench" / "results" / "upload_jobs")
    args = parser.parse_args()
    args.parts = set(args.parts.split(","))
    command = "python bench/upload_jobs.py " + " ".join(sys.argv[1:])
    work = Path(tempfile.mkdtemp(prefix="rag-bench-files-"))
    try:
        files = make_files(work / "files", 300)
        # Each part replaces its own entry of the results file, with when it ran; the others are kept
        out = RESULTS / "upload_jobs.json"
        result: dict = json.loads(out.read_text()) if out.exists() else {}
        result.pop("machine", None), result.pop("peak_rss_mb", None)
        result["before"] = str(args.before.resolve())
        if "engine" in args.parts:
            result["engine_upload_150"] = {"command": command, "measured": now(),
                                           **engine_runs(args.before, files[:150], args.repeats)}
        if ("probe" in args.parts or "alone" in args.parts) and not os.path.exists(CHROMIUM):
            raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium)")
        if "probe" in args.parts:
            args.shots.mkdir(parents=True, exist_ok=True)
            result["probe"] = {"command": command, "measured": now(), "runs": [
                browser_run(ROOT, 150, files[:150], True, args.shots, "jobs"),
                browser_run(ROOT, 300, files, True, args.shots, "jobs"),
                browser_run(args.before, 150, files[:150], True, args.shots, "before")]}
        if "alone" in args.parts:
            alone: dict[str, list[float]] = {"before": [], "jobs": []}
            for _ in range(2):
                alone["before"] += browser_alone(args.before, files[:150], args.repeats, "before")
                alone["jobs"] += browser_alone(ROOT, files[:150], args.repeats, "jobs")
            medians = {k: statistics.median(v) for k, v in alone.items()}
            result["browser_upload_150_alone"] = {
                "command": command, "measured": now(), "runs_s": alone, "median_s": medians,
                "after_vs_before": round(medians["jobs"] / medians["before"] - 1, 4)}
        write("upload_jobs.json", result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
