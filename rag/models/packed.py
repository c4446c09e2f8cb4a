"""bf16 linear layers with their weights laid out once for oneDNN, the library behind torch's CPU bf16 products.

Called with a plain bf16 weight, torch re-lays it into oneDNN's blocked format on every product. For one query
(about 20 tokens) that copy is about half of each product. Packed once, with the feed-forward layer's GELU run
inside the same call (on the product before it is rounded to bf16), a query embeds 1.19x and a batch of passages
1.35x faster on a Xeon with AMX, at a cosine of 0.99999 to the unpacked vectors (bench/packed.py): the same
kernels as ``nn.Linear``.

The ops are torch's own (``torch.ops.mkldnn``, the ones ``torch.compile`` emits for CPU bf16 linear layers) but
not public API: they are reached in one place (``reorder_weight`` and ``linear_pointwise`` below, with the torch
version they were checked against), each layer is checked on a probe input against the layer it replaces, and a
layer whose op is missing or answers differently stays as it was.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

NONE, GELU = "none", "gelu"

# --- torch's private oneDNN ops: the only reach into torch's insides (checked against torch 2.13.0) -----------------
# Why: no public API packs a linear layer's weight once for oneDNN or fuses GELU into its product; torch.compile
# emits these same two calls for CPU bf16 linear layers. If they move, ``pack`` keeps every layer as it was (its
# probe catches a missing op or a changed answer), so the model is slower, never wrong.
TORCH_CHECKED = "2.13.0"


def reorder_weight(weight):
    """``weight`` (bf16, out x in) laid out once in oneDNN's blocked format (``mkldnn._reorder_linear_weight``)."""
    import torch

    return torch.ops.mkldnn._reorder_linear_weight(weight)


def linear_pointwise(x, packed, bias, activation: str):
    """``x @ weight.T + bias`` on a packed weight, then ``activation`` ("none" or "gelu") in the same call
    (``mkldnn._linear_pointwise``; its last two arguments are the activation's scalars and algorithm)."""
    import torch

    return torch.ops.mkldnn._linear_pointwise(x, packed, bias, activation, [], "none")



@functools.cache
def _module():
    import torch

    class PackedLinear(torch.nn.Module):
        """``nn.Linear`` (then exact GELU if ``activation`` is "gelu") over a weight packed for oneDNN."""

        def __init__(self, linear: torch.nn.Linear, activation: str = NONE):
            super().__init__()
            self.in_features, self.out_features, self.activation = linear.in_features, linear.out_features, activation
            self.packed = reorder_weight(linear.weight.detach())
            self.bias = None if linear.bias is None else linear.bias.detach()

        def forward(self, x):
            return linear_pointwise(x, self.packed, self.bias, self.activation)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, activation={self.activation}"

    return PackedLinear


def _exact_gelu(fn) -> bool:
    """Whether an activation module is the exact (erf) GELU: transformers' ``GELUActivation`` or torch's."""
    import torch

    return type(fn).__name__ == "GELUActivation" and getattr(fn, "act", None) is torch.nn.functional.gelu \
        or isinstance(fn, torch.nn.GELU) and fn.approximate == "none"


def _same(packed, reference, in_features: int) -> bool:
    """Whether ``packed`` answers as ``reference`` (a callable) on a probe input, within bf16 rounding."""
    import torch

    probe = torch.randn(2, 7, in_features, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    with torch.inference_mode():
        got, expected = packed(probe).float(), reference(probe).float()
    return got.shape == expected.shape and torch.allclose(got, expected, rtol=2e-2, atol=2e-2)


def pack(model) -> int:
    """Replace the bf16 ``nn.Linear`` layers of ``model`` by packed ones (a BERT feed-forward layer's GELU fused
    into its product); returns how many were replaced. Layers in another dtype, or that fail the probe, stay."""
    import torch

    try:
        packed_linear = _module()
    except Exception:  # noqa: BLE001 - no oneDNN here: the model stays as it is
        return 0
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, torch.nn.Linear) or child.weight.dtype != torch.bfloat16:
                continue
            act = getattr(parent, "intermediate_act_fn", None) if name == "dense" else None
            fused = act is not None and _exact_gelu(act)
            try:
                layer = packed_linear(child, GELU if fused else NONE)
                ok = _same(layer, (lambda x, c=child, a=act: a(c(x))) if fused else child, child.in_features)
            except Exception as error:  # noqa: BLE001 - the op is missing or refuses this layer: keep it
                log.debug("linear layer %s kept unpacked: %s", name, error)
                continue
            if ok:
                setattr(parent, name, layer)
                if fused:
                    parent.intermediate_act_fn = torch.nn.Identity()
                replaced += 1
    return replaced
