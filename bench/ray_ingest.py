"""Ray against local ingest of the same SciFact abstracts on this machine, with the search results compared.

The abstracts (title and text) are written one per .txt file. Each ingest runs in a process of its own, as
`rag ingest DIR --collection NAME [--ray]` does (the engine's ``ingest`` with the CLI's arguments), timed from
process start to exit, with the time of each phase taken from the progress callback: reading and chunking,
embedding (on Ray: the actor pool; locally it is inside indexing), and the commit (indexing the vectors, the
BM25 index, saving). The Ray run starts its own local instance (one CPU per core, one embedding actor per CPU)
and shuts it down. Then both collections answer the SciFact test claims in every mode: the top 10 must be the
same passages in the same order, and the stored vectors are compared.
Usage: .venv/bin/python bench/ray_ingest.py [--abstracts 5000]  ->  bench/results/ray_ingest.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, SHARED, scifact_texts, write

from rag.cpu import cpu_name, embedding_precision
from rag.engine import Engine
from rag.index.local.ann import stored_vectors
from rag.settings import Settings

RUN = """
import json, sys, time
from pathlib import Path
from rag.engine import Engine
from rag.settings import Settings
marks = {}
def progress(stage, done, total, item):
    marks.setdefault(stage + "_first", time.perf_counter())
    marks[stage + "_last"] = time.perf_counter()
engine = Engine(Settings.from_env(data_dir=Path(sys.argv[1])))
started = time.perf_counter()
report = engine.ingest("bench", [Path(sys.argv[2])], progress, None if sys.argv[3] == "local" else "")
marks = {k: round(v - started, 2) for k, v in marks.items()}
print(json.dumps({"report_seconds": round(report.seconds, 1), "chunks": report.chunks, "files": report.files,
                  "added": len(report.added), "failed": len(report.failed), "marks": marks}))
"""


def ingest(kind: str, data: Path, docs: Path) -> dict:
    """One ingest in a process of its own: the whole process's time and the phases inside it."""
    load = os.getloadavg()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, str(data), str(docs), kind], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"{kind} ingest failed:\n{done.stderr[-3000:]}")
    result = {"process_s": round(time.perf_counter() - started, 1), **json.loads(done.stdout.splitlines()[-1])}
    result["load_average_before_after"] = [round(load[0], 2), round(os.getloadavg()[0], 2)]
    print(kind, result, flush=True)
    return result


def compare(engine: Engine, queries: list[str]) -> dict:
    """How far the two collections agree: passages, vectors, and the top 10 of every query in every mode."""
    ray, local = engine.collection("bench-ray"), engine.collection("bench-local")
    vectors = []
    for collection in (ray, local):
        embeddings = collection.index.embeddings
        rows = dict(embeddings.database.connection.execute("SELECT indexid, id FROM sections").fetchall())
        ids, stored = stored_vectors(embeddings.ann.backend)
        vectors.append({rows[int(i)]: v for i, v in zip(ids, stored, strict=True)})
    same_ids = vectors[0].keys() == vectors[1].keys()
    difference = max(float(np.abs(vectors[0][k] - vectors[1][k]).max()) for k in vectors[0]) if same_ids else None
    searches = {}
    for mode in ("hybrid", "dense", "bm25"):
        identical = sum([h.chunk.id for h in engine.search("bench-ray", q, 10, mode)]
                        == [h.chunk.id for h in engine.search("bench-local", q, 10, mode)] for q in queries)
        searches[mode] = {"queries": len(queries), "identical_top10": identical}
    documents = [{k: {f: v for f, v in r.items() if f != "added"} for k, r in c.documents.items()}
                 for c in (ray, local)]
    return {"same_passage_ids": same_ids, "max_vector_difference": difference,
            "same_document_records": documents[0] == documents[1], "search": searches}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--abstracts", type=int, default=5000)
    args = parser.parse_args()
    test = {line.split("\t")[0] for line in open(SHARED / "scifact" / "qrels" / "test.tsv")} - {"query-id"}
    claims = [json.loads(line) for line in open(SHARED / "scifact" / "queries.jsonl", encoding="utf-8")]
    queries = [c["text"] for c in claims if c["_id"] in test]  # the 300 test claims
    with tempfile.TemporaryDirectory(prefix="ray-ingest-") as tmp:
        docs, data = Path(tmp) / "abstracts", Path(tmp) / "data"
        docs.mkdir()
        for doc_id, text in scifact_texts(args.abstracts):
            (docs / f"{doc_id}.txt").write_text(text)
        runs = {"local": ingest("local", data / "local", docs), "ray": ingest("ray", data / "ray", docs)}
        # Both collections side by side in one data folder, to be searched by one engine
        (data / "both" / "collections").mkdir(parents=True)
        for kind in runs:
            (data / kind / "collections" / "bench").rename(data / "both" / "collections" / f"bench-{kind}")
            manifest = data / "both" / "collections" / f"bench-{kind}" / "collection.json"
            manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "name": f"bench-{kind}"}))
        agreement = compare(Engine(Settings.from_env(data_dir=data / "both")), queries)
    local, ray = runs["local"], runs["ray"]
    write("ray_ingest.json", {
        "cpu": cpu_name(), "precision": embedding_precision(), "abstracts": args.abstracts,
        "chunks": local["chunks"], "runs": runs,
        "chunks_per_s_whole_process": {k: round(r["chunks"] / r["process_s"], 1) for k, r in runs.items()},
        "ray_over_local_time": round(ray["process_s"] / local["process_s"], 2), "agreement": agreement,
        "note": "one run each, local first, on a 2-core machine shared with other developers' work (see the load "
                "averages); the Ray run used a local instance: one embedding actor per core, one thread each",
    })


if __name__ == "__main__":
    main()
