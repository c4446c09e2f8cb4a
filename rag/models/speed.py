"""The embedding model made faster for inference, with the same vectors: inference mode, bf16 weights, packed layers.

Applied by the local index (``rag.index.local.index``) to the model txtai loads; what each step gains is measured in
bench/embed_precision.py and bench/packed.py.
"""

from __future__ import annotations

from .packed import pack


def prepare_model(module, precision: str) -> None:
    """Run txtai's embedding module under ``torch.inference_mode``, its weights in bf16 where ``precision`` says so.

    bf16 weights, cast once here, make matrix products about 2x faster than fp32 on CPUs with native bf16 (see
    ``rag.cpu``) for a batch of passages and 1.6x for one query, at a cosine of 0.99995 to the fp32 vectors
    (bench/embed_precision.py). Autocast, tried first, cast the weights again on every call, which made a single
    query slower than fp32. Inference mode skips autograd's bookkeeping (8.4 ms a query against 9.9 under txtai's
    ``no_grad``). The module is the one txtai caches and shares between indexes of the same model; preparing it
    twice is a no-op.
    """
    import torch

    if not isinstance(module, torch.nn.Module) or getattr(module, "_rag_precision", None):
        return
    if precision == "bf16":
        module.to(torch.bfloat16)  # pooling promotes to fp32 (the mask is fp32) and txtai casts its output to fp32
        pack(module)  # weights laid out once for the bf16 kernels (see rag.models.packed)
    forward = module.forward

    def inference_forward(*args, **kwargs):
        with torch.inference_mode():
            return forward(*args, **kwargs)

    module.forward = inference_forward
    module._rag_precision = precision
