"""LLM speed: time to first token and generation tokens/s at prompts of about 500, 1500 and 3000 tokens.

Prompts are the app's own answer prompt filled with SciFact abstracts as passages; the model is the one
configured (the bundled SmolLM2-135M-Instruct by default), with the app's n_ctx and n_threads.
Usage: .venv/bin/python bench/llm.py  ->  bench/results/llm.json
"""

import time

from common import scifact_texts, write

from rag.answer.prompts import answer_messages
from rag.documents import Chunk, Hit
from rag.engine import Engine
from rag.settings import Settings

TARGETS = (500, 1500, 3000)


def main() -> None:
    engine = Engine(Settings.from_env())
    llm = engine.llm
    abstracts = [t for _, t in scifact_texts(200)]
    result = {"llm": engine.models()["llm"], "runs": []}
    for target in TARGETS:
        for repeat in range(2):
            # Different passages each run, so llama.cpp's prompt cache cannot skip the work
            hits, tokens, offset = [], 0, 100 * repeat
            while tokens < target:
                text = abstracts[offset + len(hits)]
                hits.append(Hit(Chunk(id=str(len(hits)), document=f"a{len(hits)}.txt", text=text), 1.0))
                messages = answer_messages("What do these studies report about patient outcomes?", hits)
                tokens = sum(llm.count_tokens(m["content"]) for m in messages)
            started, first, pieces = time.perf_counter(), None, 0
            for _ in llm.stream(messages, 128, 0.0):
                first = first or time.perf_counter()
                pieces += 1
            end = time.perf_counter()
            result["runs"].append({
                "prompt_tokens": tokens, "repeat": repeat, "first_token_ms": round((first - started) * 1000, 1),
                "generated_tokens": pieces,
                "generation_tokens_per_s": round((pieces - 1) / max(end - first, 1e-9), 1),
                "prompt_tokens_per_s": round(tokens / (first - started), 1),
            })
            print(result["runs"][-1], flush=True)
    write("llm.json", result)


if __name__ == "__main__":
    main()
