"""The warm-up behind the first page: the sample collection, the first collection's model, the LLM, and its errors."""

import pytest

from rag.engine import Engine
from rag.settings import Settings
from rag.ui.warmup import Warmup, needs_seed
from tests.conftest import ROOT
from tests.fakes import ScriptedLLM

SAMPLES = ROOT / "data" / "samples"


@pytest.mark.slow
def test_a_first_start_makes_the_samples_and_loads_what_the_first_question_needs(data_dir):
    llm = ScriptedLLM("ready")
    engine = Engine(Settings.from_env(), llm=llm)
    assert needs_seed(engine, SAMPLES)
    warmup = Warmup(engine, SAMPLES)
    assert warmup.stage == "Preparing the sample collection"
    assert warmup.done.wait(300) and warmup.error is None
    [sample] = engine.collections()
    assert sample["name"] == "Sample papers" and sample["documents"] == 2
    assert engine.collection("Sample papers").index._embeddings is not None  # loaded, not at the first question
    assert len(llm.calls) == 1  # the answer prompt, run once for one token
    assert not needs_seed(engine, SAMPLES)
    # A second start has nothing to make; a deleted sample collection stays deleted
    engine.delete("Sample papers")
    again = Warmup(Engine(Settings.from_env(), llm=ScriptedLLM("ready")), SAMPLES)
    assert again.seeding is None and again.done.wait(60) and again.error is None  # nothing to make
    assert Engine(Settings.from_env()).collections() == []


def test_a_model_that_cannot_be_loaded_is_reported_for_the_page(data_dir, tmp_path):
    engine = Engine(Settings.from_env(llm=str(tmp_path / "missing.gguf")))
    warmup = Warmup(engine, tmp_path / "no-samples")
    assert warmup.done.wait(60)
    assert "missing.gguf" in warmup.error
