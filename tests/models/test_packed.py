"""bf16 linear layers packed once for oneDNN (rag.models.packed): the same vectors as the unpacked model."""

import copy

import numpy as np
import pytest
import torch

from rag.models import resolve_embeddings
from rag.models.packed import pack

pytestmark = pytest.mark.slow  # the bundled embedding model, loaded twice

TEXTS = ["Which drug prevents blood clots after hip surgery?",
         "Low molecular weight heparin prevents deep vein thrombosis after hip replacement surgery. " * 6,
         "Insecticide-treated bed nets reduce malaria infections in young children."]


def _embed(model, tokenizer, texts):
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        out = model(**batch).last_hidden_state.float()
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (out * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


@pytest.fixture(scope="module")
def bert():
    from transformers import AutoModel, AutoTokenizer

    path = resolve_embeddings().path
    return AutoModel.from_pretrained(str(path)).to(torch.bfloat16).eval(), AutoTokenizer.from_pretrained(str(path))


def test_every_bf16_linear_layer_is_packed_and_the_feed_forward_gelu_fused(bert):
    model = copy.deepcopy(bert[0])
    linears = sum(isinstance(m, torch.nn.Linear) for m in model.modules())
    assert pack(model) == linears == 37  # MiniLM-L6: 6 layers x 6, and the pooler
    kinds = [type(m).__name__ for m in model.modules()]
    assert "Linear" not in kinds and kinds.count("PackedLinear") == 37
    for layer in model.encoder.layer:
        assert layer.intermediate.dense.activation == "gelu"
        assert isinstance(layer.intermediate.intermediate_act_fn, torch.nn.Identity)
        assert layer.output.dense.activation == "none"


def test_packed_layers_give_the_vectors_of_the_unpacked_model(bert):
    model, tokenizer = bert
    packed = copy.deepcopy(model)
    pack(packed)
    before, after = _embed(model, tokenizer, TEXTS), _embed(packed, tokenizer, TEXTS)
    assert (before * after).sum(axis=1).min() > 0.9999  # a batch with padding and a single query alike
    single = _embed(packed, tokenizer, TEXTS[:1])
    assert float(single[0] @ before[0]) > 0.9999


def test_layers_that_are_not_bf16_or_not_exact_gelu_are_left_as_they_are():
    class Intermediate(torch.nn.Module):
        def __init__(self, act):
            super().__init__()
            self.dense, self.intermediate_act_fn = torch.nn.Linear(16, 32), act

    fp32 = Intermediate(torch.nn.GELU())
    assert pack(fp32) == 0 and isinstance(fp32.dense, torch.nn.Linear)  # fp32 weights: not this module's job
    tanh = Intermediate(torch.nn.GELU(approximate="tanh")).to(torch.bfloat16)
    weight = tanh.dense.weight.detach().float()
    assert pack(tanh) == 1  # packed, but its tanh GELU is not the fused exact one: it stays after the product
    assert tanh.dense.activation == "none" and isinstance(tanh.intermediate_act_fn, torch.nn.GELU)
    x = torch.randn(3, 16).to(torch.bfloat16)
    np.testing.assert_allclose(tanh.intermediate_act_fn(tanh.dense(x)).float().numpy(),
                               torch.nn.functional.gelu(torch.nn.functional.linear(
                                   x.float(), weight, tanh.dense.bias.float()),
                                   approximate="tanh").numpy(), atol=0.05)


def test_a_layer_whose_packed_product_differs_on_the_probe_is_kept(monkeypatch):
    import rag.models.packed as packed_module

    monkeypatch.setattr(packed_module, "_same", lambda packed, reference, n: False)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8)).to(torch.bfloat16)
    assert pack(model) == 0 and isinstance(model[0], torch.nn.Linear)
