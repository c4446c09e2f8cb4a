import math

import pytest

from rag.metrics import mrr, ndcg, recall, summarize


def test_ndcg_hand_computed():
    # Relevant at ranks 1 and 3 of two relevant documents
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx(expected)
    assert ndcg(["x", "y"], {"a": 1}) == 0.0
    assert ndcg(["a"], {"a": 1}) == 1.0
    # Graded: the better document first is ideal
    assert ndcg(["b", "a"], {"a": 1, "b": 2}) == 1.0


def test_recall_and_mrr_hand_computed():
    assert recall(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, 2) == pytest.approx(1 / 3)
    assert recall(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, 10) == pytest.approx(2 / 3)
    assert mrr(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert mrr(["x"] * 10 + ["a"], {"a": 1}, 10) == 0.0


def test_summarize_averages_over_judged_queries():
    result = summarize({"q1": ["a"], "q2": ["x", "b"]}, {"q1": {"a": 1}, "q2": {"b": 1}})
    assert result["mrr@10"] == pytest.approx(0.75)
    assert result["recall@1"] == pytest.approx(0.5)
    assert result["queries"] == 2
