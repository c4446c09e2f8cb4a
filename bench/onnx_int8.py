"""A path tried for faster embedding and not kept: ONNX Runtime with int8 weights, per channel, matrix products only.

The bundled MiniLM is exported to ONNX, its MatMul weights quantized to int8 per output channel
(``onnxruntime.quantization.quantize_dynamic``, activations quantized on the fly), and run with ONNX Runtime on
both cores. Compared in the same run with the app's own index in fp32 and in bf16 (the model's weights cast to
bf16, what ``RAG_EMBED_PRECISION=auto`` picks on CPUs with native bf16): texts per second on the first N
SciFact abstracts at 256 tokens, and cosine to the app's fp32 vectors. ONNX Runtime is not a dependency of the
app; install it beside it first: ``.venv/bin/pip install onnxruntime onnx``.
Usage: .venv/bin/python bench/onnx_int8.py [--texts 256]  ->  bench/results/onnx_int8.json
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import scifact_texts, write

from rag.cpu import cpu_name
from rag.index.local.index import TxtaiIndex
from rag.models import resolve_embeddings

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export(path: Path, folder: Path) -> tuple[Path, Path]:
    """The model at ``path`` as ONNX in fp32 and with int8 MatMul weights (per channel)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    model, tokenizer = AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)

    class Last(torch.nn.Module):  # keyword arguments, whatever the order of BertModel.forward's parameters
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]

    sample = tokenizer(["a sample", "another sample text"], padding=True, return_tensors="pt")
    fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
    torch.onnx.export(Last(), tuple(sample[k] for k in INPUTS), str(fp32), input_names=list(INPUTS),
                      output_names=["last"], dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*INPUTS, "last"]},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(int8), per_channel=True, op_types_to_quantize=["MatMul"],
                     weight_type=QuantType.QInt8)
    return fp32, int8


def onnx_vectors(onnx: Path, path: Path, texts: list[str]) -> tuple[np.ndarray, float]:
    """Mean-pooled unit vectors from an ONNX model, 32 texts a batch, and the seconds it took (session warm)."""
    import onnxruntime
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])

    def embed(batch: list[str]) -> np.ndarray:
        feats = tokenizer(batch, padding=True, truncation=True, max_length=256, return_tensors="np")
        last = session.run(None, {k: feats[k].astype(np.int64) for k in INPUTS})[0]
        mask = feats["attention_mask"][..., None].astype(np.float32)
        pooled = (last * mask).sum(1) / mask.sum(1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    embed(texts[:4])
    started = time.perf_counter()
    vectors = np.concatenate([embed(texts[i:i + 32]) for i in range(0, len(texts), 32)])
    return vectors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise SystemExit("bench/onnx_int8.py needs ONNX Runtime: .venv/bin/pip install onnxruntime onnx") from None
    texts = [t for _, t in scifact_texts(args.texts)]
    model = resolve_embeddings()
    runs, vectors = {}, {}
    for precision in ("fp32", "bf16"):
        index = TxtaiIndex(resolve_embeddings(precision=precision), {})
        index.embed(texts[:4])
        started = time.perf_counter()
        vectors[f"torch {precision}"] = index.embed(texts)
        runs[f"torch {precision}"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = export(model.path, Path(tmp))
        for name, onnx in (("onnx fp32", fp32), ("onnx int8 per-channel MatMul", int8)):
            vectors[name], runs[name] = onnx_vectors(onnx, model.path, texts)
    reference = vectors["torch fp32"]
    result = {"cpu": cpu_name(), "model": model.name, "texts": len(texts), "runs": {
        name: {"texts_per_s": round(len(texts) / runs[name], 1),
               "cosine_to_fp32": {"mean": round(float((v * reference).sum(1).mean()), 5),
                                  "min": round(float((v * reference).sum(1).min()), 5)}}
        for name, v in vectors.items()}}
    print(result)
    write("onnx_int8.json", result)


if __name__ == "__main__":
    main()
