"""rag eval on tiny datasets written by the tests: retrieval, similarity and answers (LLM faked), with reports."""

import json
import math

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


# Judged second best on purpose: q4 is the malaria nets abstract's own words, and the judged document only
# shares "malaria in African children" with it, so every mode ranks it second of the seven
VACCINE = ("Malaria vaccine", "The RTS,S vaccine protects African children against malaria.")


@pytest.fixture
def beir(tmp_path):
    corpus = {**ABSTRACTS, "d7": VACCINE}
    (tmp_path / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": i, "title": t, "text": x}) for i, (t, x) in corpus.items()))
    queries = {"q1": "Does heparin prevent venous thrombosis?", "q2": "bed nets and malaria",
               "q3": "Do statins reduce cholesterol?", "q4": "Do insecticide-treated bed nets reduce malaria?"}
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t}) for q, t in queries.items()))
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq4\td7\t1\n")
    return tmp_path


@pytest.fixture
def pubmedqa(tmp_path):
    records = {}
    for n, (title, text) in enumerate(ABSTRACTS.values()):
        # The question names the study, not its finding: an answer that only restated the question would be dropped
        records[f"{100 + n}"] = {"QUESTION": f"What did the study of {title.lower()} find?", "CONTEXTS": [title, text],
                                 "LONG_ANSWER": text, "final_decision": ["yes", "no", "yes"][n % 3]}
    path = tmp_path / "pubmedqa.json"
    path.write_text(json.dumps(records))
    return path


@pytest.mark.slow
def test_retrieval_beir_all_modes_with_report(beir, capsys):
    report = beir / "report" / "retrieval.md"
    assert main(["eval", "retrieval", "--corpus", str(beir / "corpus.jsonl"), "--queries",
                 str(beir / "queries.jsonl"), "--qrels", str(beir / "qrels.tsv"), "--mode", "all", "--json",
                 "--report", str(report)]) == 0
    result = json.loads(capsys.readouterr().out)
    # By hand: q1-q3 find their document first (1.0 each); q4's is second: nDCG 1/log2(3), reciprocal rank 1/2
    expected = {"ndcg@10": (3 + 1 / math.log2(3)) / 4, "mrr@10": (3 + 1 / 2) / 4, "recall@1": 3 / 4,
                "recall@5": 1.0, "recall@10": 1.0, "recall@100": 1.0, "queries": 4}
    assert set(result["modes"]) == {"hybrid", "dense", "bm25"}
    for mode, metrics in result["modes"].items():
        assert metrics == pytest.approx(expected, abs=1e-4), mode
    assert {k: result[k] for k in expected} == result["modes"]["hybrid"]
    assert result["index"]["chunks"] == 7
    assert "| mode |" in report.read_text() and report.with_suffix(".png").stat().st_size > 1000


@pytest.mark.slow
def test_retrieval_pubmedqa_and_similarity(pubmedqa, capsys):
    assert main(["eval", "retrieval", "--pubmedqa", str(pubmedqa), "--mode", "dense", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # Each question is its own abstract's sentence: every one finds its abstract first
    assert result["mode"] == "dense" and result["queries"] == 6
    assert {k: result[k] for k in ("ndcg@10", "mrr@10", "recall@1")} == {"ndcg@10": 1.0, "mrr@10": 1.0, "recall@1": 1.0}
    assert main(["eval", "similarity", "--pubmedqa", str(pubmedqa), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pairs"] == 12 and 0 < result["pearson"] <= 100


@pytest.mark.slow
def test_answers_with_a_fake_llm(pubmedqa, tmp_path, capsys):
    """The app's answer path on every question: cited sentences, support checked, forced verdicts scored."""
    from rag.cli.eval_commands import cmd_answers

    reply = "Low molecular weight heparin prevents deep venous thrombosis after trauma [1]."
    engine = Engine(Settings.from_env(), llm=ScriptedLLM(reply, "yes"))
    engine.models.llm.replies = [reply, "yes"] * 6
    args = parser().parse_args(["eval", "answers", "--pubmedqa", str(pubmedqa), "--json", "--report",
                                str(tmp_path / "answers.md")])
    assert cmd_answers(engine, args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 6 and result["sentences"] == 6
    assert result["accuracy"] == pytest.approx(4 / 6, abs=1e-3)
    assert result["majority_baseline"] == pytest.approx(4 / 6, abs=1e-3)
    assert result["valid_citation_share"] == 1.0 and result["abstention_share"] == 0.0
    # The reply is the heparin abstract's own sentence, cited as [1]: supported wherever that sentence is among
    # the evidence (cited then to its own number), which in this six-abstract corpus is 5 of the 6 questions
    assert result["supported_share"] == pytest.approx(5 / 6, abs=1e-3)
    assert result["evidence_recall"] == 1.0
    assert (tmp_path / "answers.png").exists()


def test_eval_needs_its_data(capsys):
    assert main(["eval", "retrieval"]) == 2
    assert "Give --corpus" in capsys.readouterr().err


@pytest.mark.slow
def test_any_model_is_measured_with_embeddings(pubmedqa, tmp_path, capsys):
    """--embeddings measures another model (here a tiny untrained one) instead of the configured one."""
    from tests import tiny_bert

    folder = tiny_bert.build(tmp_path / "tiny")
    assert main(["eval", "similarity", "--pubmedqa", str(pubmedqa), "--json"]) == 0
    bundled = json.loads(capsys.readouterr().out)
    assert main(["eval", "similarity", "--pubmedqa", str(pubmedqa), "--json", "--embeddings", str(folder)]) == 0
    tiny = json.loads(capsys.readouterr().out)
    assert bundled["model"] == "sentence-transformers/all-MiniLM-L6-v2" and tiny["model"] == str(folder.resolve())
    assert tiny["pearson"] != bundled["pearson"]
    assert main(["eval", "retrieval", "--pubmedqa", str(pubmedqa), "--mode", "dense", "--json", "-e",
                 str(folder)]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["model"] == str(folder.resolve())
    assert main(["eval", "similarity", "--pubmedqa", str(pubmedqa), "--embeddings", "no-such-model"]) == 2
    assert "'no-such-model' is not on this machine" in capsys.readouterr().err


def test_verdicts_are_cleared_only_when_ahead_of_the_majority_beyond_chance():
    from rag.eval.answers import _verdict_scores, mcnemar

    assert mcnemar(0, 0) == 1.0 and mcnemar(5, 5) == 1.0
    assert round(mcnemar(15, 3), 4) == 0.0075  # exact two-sided binomial, 18 discordant pairs
    gold = ["yes"] * 60 + ["no"] * 40
    always_yes = _verdict_scores(gold, ["yes"] * 100)
    assert always_yes["accuracy"] == always_yes["majority_baseline"] == 0.6
    assert not always_yes["verdict_vs_majority"]["beats_majority"]
    better = _verdict_scores(gold, ["yes"] * 57 + ["no"] * 3 + ["no"] * 30 + ["yes"] * 10)
    assert better["verdict_vs_majority"] == {"right_where_majority_wrong": 30, "wrong_where_majority_right": 3,
                                             "p_value": better["verdict_vs_majority"]["p_value"],
                                             "beats_majority": True}
    slightly = _verdict_scores(gold, ["yes"] * 58 + ["no"] * 2 + ["no"] * 4 + ["yes"] * 36)
    assert slightly["accuracy"] > 0.6 and not slightly["verdict_vs_majority"]["beats_majority"]


def test_answer_settings_can_be_overridden_for_a_measurement():
    from rag.cli.eval_commands import answer_format
    from rag.errors import RagError

    how = answer_format("prompt=prose,grammar=citations,max_tokens=90,verdicts=1", "SmolLM2-135M-Instruct (Q4_1)")
    assert (how.prompt, how.grammar, how.max_tokens, how.verdicts) == ("prose", "citations", 90, True)
    assert answer_format("", "SmolLM2-135M-Instruct (Q4_1)").grammar == "none"
    with pytest.raises(RagError, match="unknown setting"):
        answer_format("temperature=2", "x")


def test_a_run_in_parts_asks_each_question_once_and_sums_to_the_whole(tmp_path):
    from rag.cli.eval_commands import _records
    from rag.eval.answers import summary

    path = tmp_path / "dev.json"
    path.write_text(json.dumps({str(n): {"QUESTION": f"Question {n}?", "CONTEXTS": [f"Context {n}."],
                                         "final_decision": "yes" if n % 3 else "no"} for n in range(7)}))
    parts = [list(_records(parser().parse_args(["eval", "answers", "--pubmedqa", str(path), "--skip", str(skip),
                                                "--limit", "3"]))) for skip in (0, 3, 6)]
    assert parts == [["0", "1", "2"], ["3", "4", "5"], ["6"]]

    def row(n: int) -> dict:
        return {"gold": "yes" if n % 3 else "no", "predicted": "yes", "abstained": n == 4, "dropped": [],
                "sentences": [{"text": f"Finding {n} [1].", "citations": [1], "supported": n % 2 == 0}],
                "first_sentence_ms": 100.0 * n, "first_token_ms": 50.0, "ms": 900.0, "evidence_recall": True,
                "own_abstract_retrieved": True}
    rows = [row(n) for n in range(7)]
    whole = summary(rows)
    assert summary(rows[:3] + rows[3:6] + rows[6:]) == whole
    assert (whole["supported_share"], whole["abstention_share"], whole["accuracy"]) == (
        round(4 / 7, 4), round(1 / 7, 4), round(4 / 7, 4))
