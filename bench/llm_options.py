"""llama.cpp options against prompt-processing and generation speed: threads 1 vs 2, flash attention off vs on.

Each configuration evaluates the same prompts (README text of about 550, 1,700 and 3,600 tokens) from an empty
cache, twice, then generates 64 tokens. The model is the configured one (bundled SmolLM2 by default).
Usage: .venv/bin/python bench/llm_options.py  ->  bench/results/llm_options.json
"""

import time

from common import ROOT, write
from llama_cpp import Llama, llama_print_system_info

from rag.models import resolve_llm
from rag.settings import Settings

CHARS = (2000, 6000, 12000)
CONFIGS = ({"n_threads": 1, "flash_attn": False}, {"n_threads": 2, "flash_attn": False},
           {"n_threads": 2, "flash_attn": True})


def measure(path: str, config: dict, text: str) -> dict:
    llm = Llama(model_path=path, n_ctx=4096, seed=0, verbose=False, n_threads_batch=config["n_threads"], **config)
    prompt = {}
    for chars in CHARS:
        tokens = llm.tokenize(text[:chars].encode("utf-8"))
        rates = []
        for _ in range(2):
            llm.reset()
            started = time.perf_counter()
            llm.eval(tokens)
            rates.append(len(tokens) / (time.perf_counter() - started))
        prompt[str(len(tokens))] = round(max(rates), 1)
    started, generated = time.perf_counter(), 0
    for _ in llm.generate(tokens[:16], temp=0.0):
        generated += 1
        if generated == 64:
            break
    return {**config, "prompt_tokens_per_s": prompt,
            "generation_tokens_per_s": round(generated / (time.perf_counter() - started), 1)}


def main() -> None:
    model = resolve_llm(Settings.from_env().llm)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = []
    for config in CONFIGS:
        runs.append(measure(str(model.path), config, text))
        print(runs[-1], flush=True)
    write("llm_options.json", {"llm": model.name, "build": llama_print_system_info().decode().strip(), "runs": runs})


if __name__ == "__main__":
    main()
