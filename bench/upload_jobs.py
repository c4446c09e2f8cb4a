"""Uploads that survive the page (issue 29): the probe of the issue in a real browser, and the cost of a job.

1. The probe, in Debian's Chromium driven by Playwright against `streamlit run app.py` (a fresh data folder each
   time): create a collection, upload N small text files (PubMedQA abstracts), click "Add to collection", ask a
   question 4 s later, then wait for the upload to end. Recorded: the time from the click to "Adding N file(s)"
   in the sidebar, what the sidebar said after the question and at the end, the documents in the collection at
   the end (read from the data folder once the server stopped) and the seconds to the report. Run with this
   checkout's code (N = 150 and 300) and with the code of ``--before`` (the main branch's checkout, N = 150),
   where the question stopped the upload. Screenshots of the sidebar, running and done, go to --shots.
2. A 150-file upload alone, in the browser: click to report, the code of ``--before`` against this one's.
3. A 150-file upload alone, in the engine: ``Engine.ingest_uploads`` (the page's path before jobs; the code of
   ``--before``) against ``Engine.start_ingest`` then waiting for the job (this checkout), alternated, each run
   in a fresh process and a fresh data folder, the model loaded by a warm-up upload first.

Usage: .venv/bin/python bench/upload_jobs.py [--before ../main] [--repeats 3] [--skip-browser]
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

from common import ROOT, SHARED, write

from tests.ui.server import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUESTION = "Does tailored telephone counseling increase mammography use?"


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


def documents_on_disk(root: Path, data: Path, name: str) -> int:
    """Documents in collection ``name`` as the code of ``root`` reads the data folder (after the server stopped)."""
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); from rag.engine import Engine; "
            f"from rag.settings import Settings; e = Engine(Settings.from_env(data_dir={str(data)!r})); "
            f"print(next((c['documents'] for c in e.collections() if c['name'] == {name!r}), 0))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    return int(out.stdout.strip().splitlines()[-1])


def sidebar_lines(sidebar) -> list[str]:
    """The sidebar's lines about the upload (its progress, its report, the documents)."""
    text = sidebar.inner_text(timeout=30_000)
    keep = re.compile(r"Adding|added|Embedding|Reading|Queued|Documents \(|Cancel|Interrupted|Not added", re.I)
    return [line.strip() for line in text.splitlines() if keep.search(line)][:12]


def browser_run(root: Path, n: int, files: list[Path], ask: bool, shots: Path | None, label: str) -> dict:
    """One upload in a real browser against the app of ``root``; ``ask``: a question 4 s after the click."""
    from playwright.sync_api import expect, sync_playwright

    work = Path(tempfile.mkdtemp(prefix="rag-bench-upload-"))
    result: dict = {"code": label, "files": n, "question_after_s": 4 if ask else None}
    try:
        with serve(work / "data", work / "server.log", root=root) as (url, _), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            sidebar = page.get_by_test_id("stSidebar")
            page.goto(url)
            expect(page.get_by_label("New collection")).to_be_editable(timeout=300_000)
            expect(page.get_by_text("Preparing the sample collection")).to_have_count(0, timeout=600_000)
            expect(page.get_by_text("Loading the")).to_have_count(0, timeout=600_000)
            page.get_by_label("New collection").fill("Probe")
            page.get_by_role("button", name="Create").click()
            expect(page.get_by_role("heading", name="Probe")).to_be_visible(timeout=60_000)
            uploaded = []
            page.on("response", lambda r: uploaded.append(1) if "/_stcore/upload_file" in r.url else None)
            uploader = page.locator("input[type=file]")
            expect(uploader).to_have_count(1, timeout=30_000)
            uploader.set_input_files([str(f) for f in files])
            deadline = time.monotonic() + 300
            while len(uploaded) < n and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            result["files_sent_to_server"] = len(uploaded)
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
                chat.fill(QUESTION)
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


ENGINE_RUN = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from rag.engine import Engine
from rag.settings import Settings
files = [Path(p) for p in json.loads(sys.argv[2])]
engine = Engine(Settings.from_env(data_dir=Path(tempfile.mkdtemp(prefix="rag-bench-engine-"))))
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
"""


def engine_runs(before: Path, files: list[Path], repeats: int) -> dict:
    """The upload alone in the engine: the path before jobs (code of ``before``) and the job path, alternated."""
    times: dict[str, list[float]] = {"before_ingest_uploads": [], "after_job": []}
    for _ in range(repeats):
        for key, root, path in (("before_ingest_uploads", before, "direct"), ("after_job", ROOT, "job")):
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
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--shots", type=Path, default=ROOT / "bench" / "results" / "upload_jobs")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-bench-files-"))
    try:
        files = make_files(work / "files", 300)
        result: dict = {"command": "python bench/upload_jobs.py " + " ".join(sys.argv[1:]),
                        "before": str(args.before.resolve()),
                        "engine_upload_150": engine_runs(args.before, files[:150], args.repeats)}
        if not args.skip_browser:
            if not os.path.exists(CHROMIUM):
                raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium)")
            args.shots.mkdir(parents=True, exist_ok=True)
            result["probe"] = [browser_run(ROOT, 150, files[:150], True, args.shots, "jobs"),
                               browser_run(ROOT, 300, files, True, args.shots, "jobs"),
                               browser_run(args.before, 150, files[:150], True, args.shots, "before")]
            result["browser_upload_150_alone"] = [browser_run(args.before, 150, files[:150], False, None, "before"),
                                                  browser_run(ROOT, 150, files[:150], False, None, "jobs")]
        write("upload_jobs.json", result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
