"""The declining threshold: measured per catalogued model, else derived from each collection at its commits."""

from types import SimpleNamespace

import pytest

from rag.answer.pipeline import FALLBACK_FLOOR, similarity_floor
from rag.engine import Engine
from rag.index.threshold import MARGIN, OFF_TOPIC
from rag.models import ModelInfo
from rag.settings import Settings


def collection(model: str, manifest: dict) -> SimpleNamespace:
    return SimpleNamespace(model=ModelInfo(model, None, "test"), manifest=manifest)


def test_auto_takes_the_models_measured_value_else_the_collections_own():
    minilm = collection("sentence-transformers/all-MiniLM-L6-v2", {"off_topic_floor": 0.21})
    assert similarity_floor("auto", minilm) == 0.3  # measured for the bundled model (bench/similarity_gate.py)
    pubmedbert = collection("neuml/pubmedbert-base-embeddings", {"off_topic_floor": 0.62})
    assert similarity_floor("auto", pubmedbert) == 0.62  # no measured value: the collection's own
    assert similarity_floor("auto", collection("/models/mine", {})) == FALLBACK_FLOOR  # committed before floors
    assert similarity_floor("0.45", pubmedbert) == 0.45 and similarity_floor(0.0, minilm) == 0.0  # a setting rules


@pytest.mark.slow
def test_each_commit_derives_the_floor_from_off_topic_questions(tmp_path):
    (tmp_path / "heparin.txt").write_text("Heparin prevents deep venous thrombosis after hip surgery.")
    (tmp_path / "malaria.txt").write_text("Mosquitoes spread malaria; bed nets protect children.")
    engine = Engine(Settings.from_env())
    engine.ingest("c", [tmp_path / "heparin.txt"])
    notes = engine.collection("c")
    closest = max(h[0].score for q in OFF_TOPIC if (h := engine.search("c", q, k=1, mode="dense")))
    assert notes.manifest["off_topic_floor"] == pytest.approx(closest + MARGIN, abs=1e-3)
    engine.ingest("c", [tmp_path / "malaria.txt"])  # a new version: derived again, from both documents
    closest = max(h[0].score for q in OFF_TOPIC if (h := engine.search("c", q, k=1, mode="dense")))
    assert notes.manifest["off_topic_floor"] == pytest.approx(closest + MARGIN, abs=1e-3)
    assert 0.0 < closest < notes.manifest["off_topic_floor"] < 0.5  # off-topic text is far from these notes
