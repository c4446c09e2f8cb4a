"""rag eval on tiny datasets written by the tests: retrieval, similarity and answers (LLM faked), with reports."""

import json

import pytest

from rag.cli import main, parser
from rag.engine import Engine
from rag.settings import Settings
from tests.fakes import ScriptedLLM

ABSTRACTS = {
    "d1": ("Heparin and thrombosis", "Low molecular weight heparin prevents deep venous thrombosis after trauma."),
    "d2": ("Malaria nets", "Insecticide-treated bed nets reduce malaria in African children."),
    "d3": ("Statins", "Statins lower LDL cholesterol and cardiovascular mortality."),
    "d4": ("Insulin", "Insulin pumps improve glycaemic control in type 1 diabetes."),
    "d5": ("Asthma", "Inhaled corticosteroids reduce asthma exacerbations."),
    "d6": ("Sepsis", "Early antibiotics lower mortality in septic shock."),
}


@pytest.fixture
def beir(tmp_path):
    (tmp_path / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": i, "title": t, "text": x}) for i, (t, x) in ABSTRACTS.items()))
    queries = {"q1": "Does heparin prevent venous thrombosis?", "q2": "bed nets and malaria",
               "q3": "Do statins reduce cholesterol?"}
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t}) for q, t in queries.items()))
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n")
    return tmp_path


@pytest.fixture
def pubmedqa(tmp_path):
    records = {}
    for n, (title, text) in enumerate(ABSTRACTS.values()):
        records[f"{100 + n}"] = {"QUESTION": f"Is it true that {text[:-1].lower()}?", "CONTEXTS": [title, text],
                                 "LONG_ANSWER": text, "final_decision": ["yes", "no", "yes"][n % 3]}
    path = tmp_path / "pubmedqa.json"
    path.write_text(json.dumps(records))
    return path


def test_retrieval_beir_all_modes_with_report(beir, capsys):
    report = beir / "report" / "retrieval.md"
    assert main(["eval", "retrieval", "--corpus", str(beir / "corpus.jsonl"), "--queries",
                 str(beir / "queries.jsonl"), "--qrels", str(beir / "qrels.tsv"), "--mode", "all", "--json",
                 "--report", str(report)]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("ndcg@10", "recall@10", "mrr@10", "recall@1", "recall@100"):
        assert 0.0 <= result[key] <= 1.0
    assert set(result["modes"]) == {"hybrid", "dense", "bm25"} and result["modes"]["hybrid"]["recall@1"] == 1.0
    assert result["index"]["chunks"] == 6
    assert "| mode |" in report.read_text() and report.with_suffix(".png").stat().st_size > 1000


def test_retrieval_pubmedqa_and_similarity(pubmedqa, capsys):
    assert main(["eval", "retrieval", "--pubmedqa", str(pubmedqa), "--mode", "dense", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mode"] == "dense" and result["mrr@10"] > 0.8
    assert main(["eval", "similarity", "--pubmedqa", str(pubmedqa), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pairs"] == 12 and 0 < result["pearson"] <= 100


def test_answers_with_a_fake_llm(pubmedqa, tmp_path, capsys):
    """The app's answer path on every question: cited sentences, support checked, forced verdicts scored."""
    from rag.eval.cli import cmd_answers

    reply = "Low molecular weight heparin prevents deep venous thrombosis after trauma [1]."
    engine = Engine(Settings.from_env(), llm=ScriptedLLM(reply, "yes"))
    engine.llm.replies = [reply, "yes"] * 6
    args = parser().parse_args(["eval", "answers", "--pubmedqa", str(pubmedqa), "--json", "--report",
                                str(tmp_path / "answers.md")])
    assert cmd_answers(engine, args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 6 and result["sentences"] == 6
    assert result["accuracy"] == pytest.approx(4 / 6, abs=1e-3)
    assert result["majority_baseline"] == pytest.approx(4 / 6, abs=1e-3)
    assert result["valid_citation_share"] == 1.0 and result["abstention_share"] == 0.0
    # The reply is the heparin abstract's own sentence: supported there, and there only
    assert result["supported_share"] == pytest.approx(1 / 6, abs=1e-3)
    assert result["evidence_recall"] == 1.0
    assert (tmp_path / "answers.png").exists()


def test_eval_needs_its_data(capsys):
    assert main(["eval", "retrieval"]) == 2
    assert "Give --corpus" in capsys.readouterr().err
