"""Where embedding time goes, and what the speed work of bench/packed.py tried: the figures behind its choices.

In one run, on this CPU, with the bundled model in bf16 (each part a same-run comparison):
- ``linear_m20_us``: one bf16 linear product for a 20-token query, torch's ``F.linear`` against the weight packed
  once for oneDNN (rag.models.packed), per layer shape;
- ``forward_op_share``: share of the bf16 forward pass (packed) per op, 256 SciFact abstracts in batches of 32;
- ``encodebatch``: passages/s for txtai model batches of 8/16/32/64, packed and unpacked (512 abstracts, best of 2);
- ``attention_ms``: torch's flash attention against attention written out (baddbmm, softmax, bmm) in bf16, one
  layer of a batch of 16 passages of 230 tokens;
- ``start_s``: loading the chunker's tokenizer (transformers), importing txtai, creating the model, in a fresh
  process; ``exit_s``: a process that loaded the model and embedded, ending normally or with ``os._exit``;
- ``search_parse_ms``: txtai's parse of the app's search statement (now kept per index).
Usage: .venv/bin/python bench/embed_breakdown.py  ->  bench/results/embed_breakdown.json
"""

import subprocess
import sys
import time
from functools import partial

from common import ROOT, scifact_texts, write
from packed import bf16_indexes

from rag.cpu import cpu_name
from rag.documents import Chunk
from rag.index.local.index import FIELDS, TxtaiIndex

START = """
import time, sys
t = time.perf_counter()
from rag.chunk import ModelTokenizer
model = resolve_embeddings(precision="bf16")
ModelTokenizer(model.path); a = time.perf_counter()
import txtai; b = time.perf_counter()
from rag.index.local.index import TxtaiIndex
TxtaiIndex(model, {}).embeddings; c = time.perf_counter()
print(a - t, b - a, c - b)
"""
EXIT = """
import os, sys
from rag.index.local.index import TxtaiIndex
TxtaiIndex(resolve_embeddings(precision="bf16"), {}).embed(["warm-up"] * 64)
if sys.argv[1] == "fast":
    os._exit(0)
"""


def timed(f, n: int) -> float:
    for _ in range(max(3, n // 10)):
        f()
    started = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - started) / n


def linear_m20() -> dict:
    import torch

    out = {}
    with torch.inference_mode():
        for n, k in ((384, 384), (1536, 384), (384, 1536)):
            x, w, b = (torch.randn(20, k), torch.randn(n, k) / 20, torch.randn(n))
            x, w, b = x.bfloat16(), w.bfloat16(), b.bfloat16()
            packed = torch.ops.mkldnn._reorder_linear_weight(w)
            plain = partial(torch.nn.functional.linear, x, w, b)
            fast = partial(torch.ops.mkldnn._linear_pointwise, x, packed, b, "none", [], "")
            out[f"{n}x{k}"] = {"unpacked": round(timed(plain, 2000) * 1e6, 1),
                               "packed": round(timed(fast, 2000) * 1e6, 1)}
    return out


def op_share(index: TxtaiIndex, texts: list[str]) -> dict:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        index.embed(texts)
    events = [(e.key, e.self_cpu_time_total) for e in prof.key_averages()]
    total = sum(t for _, t in events)
    top = sorted(events, key=lambda e: -e[1])[:6]
    return {key: round(t / total, 3) for key, t in top}


def batches(indexes: dict, texts: list[str]) -> dict:
    out = {}
    for size in (8, 16, 32, 64):
        for name, index in indexes.items():
            index.embeddings.model.encodebatch = size
            best = 0.0
            for _ in range(2):
                started = time.perf_counter()
                index.embed(texts)
                best = max(best, len(texts) / (time.perf_counter() - started))
            out.setdefault(name, {})[size] = round(best, 1)
        for index in indexes.values():
            index.embeddings.model.encodebatch = 32
    return out


def attention() -> dict:
    import torch
    import torch.nn.functional as F

    b, h, n, d = 16, 12, 230, 32
    q, k, v = (torch.randn(b * h, n, d).bfloat16() for _ in range(3))
    mask = torch.zeros(b, 1, 1, n).bfloat16()
    full = mask.expand(b, h, n, n).reshape(b * h, n, n)
    with torch.inference_mode():
        flash = timed(lambda: F.scaled_dot_product_attention(
            q.view(b, h, n, d), k.view(b, h, n, d), v.view(b, h, n, d), attn_mask=mask), 20)
        written = timed(lambda: torch.bmm(torch.softmax(torch.baddbmm(full, q, k.transpose(1, 2), alpha=d ** -0.5),
                                                        -1), v), 20)
    return {"flash_sdpa": round(flash * 1000, 2), "written_out": round(written * 1000, 2)}


def run(script: str, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    packed, unpacked = bf16_indexes()
    model, texts = packed.model, [t for _, t in scifact_texts(512)]
    columns = ", ".join(["id", "text", *(f"[{f}]" for f in FIELDS), "score"])
    sql = f"select {columns} from txtai where similar(:q, :w, :c) limit :k"
    parsed = TxtaiIndex(model, {})
    parsed.upsert([Chunk(id="d-0000", document="d", doc_id="d", text=texts[0])])
    database = parsed.embeddings.database
    starts = [[float(x) for x in run(START)[1].split()] for _ in range(2)]
    exits = {kind: round(min(run(EXIT, kind)[0] for _ in range(2)), 2) for kind in ("normal", "fast")}
    write("embed_breakdown.json", {
        "cpu": cpu_name(), "model": model.name,
        "linear_m20_us": linear_m20(),
        "forward_op_share": op_share(packed, texts[:256]),
        "encodebatch": batches({"packed": packed, "unpacked": unpacked}, texts),
        "attention_ms": attention(),
        "start_s": {name: round(min(s[i] for s in starts), 2)
                    for i, name in enumerate(("tokenizer", "import_txtai", "model"))},
        "exit_s": {**exits, "teardown": round(exits["normal"] - exits["fast"], 2)},
        "search_parse_ms": round(timed(lambda: database.parse(sql), 200) * 1000, 3),
    })


if __name__ == "__main__":
    main()
