"""What the txtai adapter reaches for is still in the installed txtai: an upgrade that moves it fails here, by name.

No model is loaded: the small index embeds with a function (txtai's "external" vectors).
"""

import importlib
import inspect
import re

import numpy as np
import pytest

from rag.index.local import txtai_adapter
from tests.conftest import ROOT


@pytest.mark.parametrize("reach", txtai_adapter.REACHES, ids=lambda r: f"{r[1]}.{r[2]}")
def test_every_class_attribute_the_adapter_reaches_for_is_there_with_its_parameters(reach):
    module, name, attribute, parameters = reach
    owner = getattr(importlib.import_module(module), name, None)
    assert owner is not None, f"txtai no longer has {module}.{name}: see rag/index/local/txtai_adapter.py"
    found = getattr(owner, attribute, None)
    assert callable(found), f"txtai's {module}.{name}.{attribute} is gone: see rag/index/local/txtai_adapter.py"
    if parameters is not None:
        have = tuple(inspect.signature(found).parameters)
        assert have == parameters, f"txtai's {module}.{name}.{attribute} now takes {have}, not {parameters}"


def test_the_pin_is_the_minor_version_the_adapter_was_checked_against():
    from txtai.version import __version__

    major, minor = txtai_adapter.CHECKED.split(".")[:2]
    pin = re.search(r'"txtai([^"]*)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert pin == f">={major}.{minor},<{major}.{int(minor) + 1}", pin
    assert __version__.startswith(f"{major}.{minor}."), f"txtai {__version__} installed, adapter checked on {pin}"


def vectors_of(texts):
    """Bag-of-words vectors over 16 buckets, normalized: enough for FAISS to rank by shared words."""
    out = np.zeros((len(texts), 16), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.split():
            out[i, sum(map(ord, word)) % 16] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="module")
def small():
    from txtai import Embeddings

    embeddings = Embeddings({"method": "external", "transform": vectors_of, "content": True, "backend": "faiss",
                             "faiss": {"components": "IDMap,Flat"}, "hybrid": True})
    embeddings.index([(f"d{i}-000{j}", {"text": f"heparin trauma word{i} part{j}", "title": f"T{i}"}, None)
                      for i in range(8) for j in range(2)])
    yield embeddings
    embeddings.close()


def test_the_instance_attributes_and_tables_are_where_the_adapter_reads_them(small):
    import faiss

    ann = txtai_adapter.dense_index(small)
    assert isinstance(txtai_adapter.faiss_index(ann), faiss.Index), "Embeddings.ann.backend is no FAISS index"
    terms = small.scoring.terms
    assert list(terms.ids) == list(range(16)) and list(terms.deletes) == [], "Terms.ids / Terms.deletes changed"
    assert txtai_adapter.index_ids(small, {"d3"}).tolist() == [6, 7]
    rows = txtai_adapter.stored_rows(small)
    assert rows[7] == {"id": "d3-0001", "text": "heparin trauma word3 part1", "title": "T3"}
    from txtai.embeddings.search import Search

    search = Search(small)
    assert search.ann is small.ann and search.scoring is small.scoring, "Search no longer takes ann and scoring"


def test_the_search_with_stand_ins_finds_what_txtai_finds(small):
    sql = "select id, text, score from txtai where similar(:q, :w, :c) limit :k"
    params = {"q": "heparin word3", "w": 0.5, "c": 4, "k": 4}
    theirs = small.search(sql, limit=4, parameters=params)
    parsed = txtai_adapter.parse(small, sql)
    ours = txtai_adapter.search(small, sql, parsed, 4, 0.5, params, lambda ann: ann,
                                lambda scoring: txtai_adapter.InThreadScoring(scoring))
    assert [(r["id"], round(r["score"], 5)) for r in ours] == [(r["id"], round(r["score"], 5)) for r in theirs]
    assert "candidates" in vars(small.scoring.terms)  # txtai's Terms.candidates replaced on this index
    only = txtai_adapter.index_ids(small, {"d5"})
    within = txtai_adapter.search(small, sql, parsed, 4, 0.5, params, lambda ann: txtai_adapter.FilteredAnn(ann, only),
                                  lambda scoring: txtai_adapter.InThreadScoring(scoring, only))
    assert {r["id"] for r in within} == {"d5-0000", "d5-0001"}
    assert parsed == txtai_adapter.parse(small, sql)  # txtai edited a copy, not the parse kept


def test_given_vectors_are_indexed_as_they_are_and_a_reader_maps_them(tmp_path):
    from txtai import Embeddings

    config = {"method": "external", "transform": vectors_of, "content": True, "backend": "faiss",
              "faiss": {"components": "IDMap,Flat"}}
    embeddings = Embeddings(config)
    texts = ["heparin trauma", "aspirin blood"]
    given = np.eye(16, dtype=np.float32)[:2]
    assert np.allclose(txtai_adapter.passage_vectors(embeddings, texts), vectors_of(texts))
    with txtai_adapter.given_vectors(embeddings, given, ["a", "b"]):
        embeddings.index([("a", {"text": texts[0]}, None), ("b", {"text": texts[1]}, None)])
    assert not isinstance(embeddings.model, txtai_adapter.PrecomputedVectors)
    stored = txtai_adapter.faiss_index(txtai_adapter.dense_index(embeddings)).index.reconstruct_n(0, 2)
    assert np.allclose(stored, given)
    embeddings.save(str(tmp_path / "index"))
    embeddings.close()
    reader = Embeddings(config)
    reader.load(str(tmp_path / "index"), config={**config, "backend": txtai_adapter.MAPPED})
    assert isinstance(reader.ann, txtai_adapter.MappedFaiss) and reader.count() == 2
    assert np.allclose(txtai_adapter.faiss_index(reader.ann).index.reconstruct_n(0, 2), given)
    reader.close()
