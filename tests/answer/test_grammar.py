"""The answer grammar: it parses in llama.cpp, accepts cited sentences or the no-answer phrase and nothing else.

The fast tests parse the GBNF with llama.cpp's own grammar parser and feed it text token by token through a
grammar sampler, using only the bundled model's vocabulary (loaded in a fraction of a second, no weights run).
The slow tests generate with the real bundled model under the grammar.
"""

import ctypes
import math
import re

import llama_cpp  # noqa: E402
import pytest

from rag.answer.evidence import Evidence
from rag.answer.grammar import MAX_SENTENCES, MAX_WORDS, answer_grammar, citation_grammar
from rag.answer.prompts import NO_ANSWER, evidence_messages
from rag.documents import Chunk, Hit
from rag.models import resolve_llm


@pytest.fixture(scope="module")
def vocab_model():
    """The bundled model with its vocabulary only: enough to parse grammars and tokenize text."""
    return llama_cpp.Llama(model_path=str(resolve_llm("smollm2-135m").path), vocab_only=True, verbose=False)


def sampler(model, grammar: str):
    """A llama.cpp grammar sampler for ``grammar``, or None when llama.cpp cannot parse it."""
    handle = llama_cpp.llama_sampler_init_grammar(model._model.vocab, grammar.encode(), b"root")
    return handle or None


def allowed(handle, token: int) -> bool:
    data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
    candidates = llama_cpp.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(handle, ctypes.byref(candidates))
    return data[0].logit != -math.inf


def accepts(model, grammar: str, text: str) -> bool:
    """Whether the grammar lets a model write exactly ``text`` and then stop."""
    handle = sampler(model, grammar)
    assert handle is not None
    try:
        for token in model.tokenize(text.encode(), add_bos=False, special=False):
            if not allowed(handle, token):
                return False
            llama_cpp.llama_sampler_accept(handle, token)
        return allowed(handle, llama_cpp.llama_vocab_eos(model._model.vocab))
    finally:
        llama_cpp.llama_sampler_free(handle)


@pytest.mark.parametrize("count", [1, 3, 6, 20])
@pytest.mark.parametrize("verdicts", [True, False])
def test_the_grammar_compiles(vocab_model, count, verdicts):
    text = answer_grammar(count, verdicts)
    assert llama_cpp.LlamaGrammar.from_string(text, verbose=False)
    handle = sampler(vocab_model, text)
    assert handle is not None, text
    llama_cpp.llama_sampler_free(handle)


def test_the_parse_check_rejects_a_broken_grammar(vocab_model):
    # The harness itself can fail: an undefined rule does not parse
    assert sampler(vocab_model, answer_grammar(3).replace("num ::=", "number ::=")) is None


@pytest.mark.parametrize("text", [
    "Enoxaparin prevented deep vein thrombosis after major trauma [1].",
    "Enoxaparin prevented deep vein thrombosis [1][3]. Major bleeding was rare in both groups [2].",
    "Thrombosis occurred in 31 percent [2]. Bleeding was rare [3]. Nobody died of embolism [1].",
    "The dose was 0.5 mg per kilogram [2].",
    NO_ANSWER,
])
def test_cited_sentences_and_the_no_answer_phrase_are_accepted(vocab_model, text):
    assert accepts(vocab_model, answer_grammar(3), text)


@pytest.mark.parametrize("text", [
    "Enoxaparin prevented deep vein thrombosis after major trauma.",  # no citation
    "Enoxaparin prevented deep vein thrombosis after major trauma [4].",  # no evidence 4
    "Enoxaparin prevented deep vein thrombosis after major trauma [0].",
    "Enoxaparin prevented deep vein thrombosis after major trauma [1]",  # not ended
    "Enoxaparin prevented [1] deep vein thrombosis [2].",  # a citation inside the sentence
    "Enoxaparin prevented deep vein thrombosis [1][2][3][1].",  # more than three citations
    "Enoxaparin prevented thrombosis [1]. Then it stopped.",  # the second sentence is not cited
    "enoxaparin prevented deep vein thrombosis [1].",
    "Enoxaparin works [1].",  # two words
    "A b c [1]. D e f [2]. G h i [3]. J k l [1].",  # four sentences
    NO_ANSWER + " Enoxaparin prevented thrombosis [1].",
    "Enoxaparin prevented thrombosis [1].\nMajor bleeding was rare [2].",
])
def test_anything_else_is_rejected(vocab_model, text):
    assert not accepts(vocab_model, answer_grammar(3), text)


@pytest.mark.parametrize("text", [
    "Yes, enoxaparin [1] prevented deep vein thrombosis in 0.5 of cases, as Geerts et al. found [2, 3].",
    "Counterfactual explanations help. Thrombosis fell from 44% to 31% [2][3] after Fig. 2 [1].",
    "[1] Enoxaparin prevented deep vein thrombosis. [2] Bleeding was rare.",
    NO_ANSWER,
])
def test_the_citation_grammar_accepts_prose_with_citations_anywhere(vocab_model, text):
    assert accepts(vocab_model, citation_grammar(3), text)


@pytest.mark.parametrize("text", [
    "Enoxaparin prevented deep vein thrombosis after major trauma.",  # no citation at all
    "Enoxaparin prevented deep vein thrombosis [4].",  # no evidence 4
    "Enoxaparin prevented deep vein thrombosis [1, 7].",
    "Enoxaparin prevented deep vein thrombosis [see 1].",
    "Enoxaparin prevented thrombosis [1].\nBleeding was rare [2].",
])
def test_the_citation_grammar_rejects_citations_of_nothing(vocab_model, text):
    assert not accepts(vocab_model, citation_grammar(3), text)


def test_sentences_are_limited_in_number_and_length(vocab_model):
    grammar = answer_grammar(2)
    assert MAX_SENTENCES == 3
    assert accepts(vocab_model, grammar, " ".join(["Heparin prevents thrombosis [1]."] * MAX_SENTENCES))
    longest = "Heparin " + " ".join(["word"] * (MAX_WORDS - 1)) + " [2]."
    assert accepts(vocab_model, grammar, longest)
    assert not accepts(vocab_model, grammar, longest.replace("Heparin ", "Heparin word "))


@pytest.mark.parametrize("text", [
    "Yes, enoxaparin prevented deep vein thrombosis [1].",
    "No, vitamin D did not reduce hip fractures [1].",
    "Yes enoxaparin prevented deep vein thrombosis [1].",
    "No vitamin D did not reduce hip fractures [1].",
    "Yes. Enoxaparin prevented deep vein thrombosis [1].",
])
def test_without_verdicts_no_sentence_starts_with_yes_or_no(vocab_model, text):
    assert accepts(vocab_model, answer_grammar(3, verdicts=True), text.replace("Yes. ", "Yes, "))
    assert not accepts(vocab_model, answer_grammar(3, verdicts=False), text)
    second = "Major bleeding was rare in both groups [2]. " + text
    assert not accepts(vocab_model, answer_grammar(3, verdicts=False), second)


@pytest.mark.parametrize("text", [
    "Enoxaparin prevented deep vein thrombosis [1].",
    "Nurses recorded every bleeding event [2].",
    "Young patients had fewer clots [3].",
    "Vitamin D did not reduce hip fractures [1].",
    "Nine patients died [1].",
    "Y chromosome loss was not studied [2].",
    NO_ANSWER,
])
def test_without_verdicts_other_sentences_are_still_accepted(vocab_model, text):
    assert accepts(vocab_model, answer_grammar(3, verdicts=False), text)


@pytest.mark.parametrize("text", [
    "Norovirus caused most outbreaks on cruise ships [1].",
    "None of the patients died of pulmonary embolism [1].",
    "Nonsteroidal drugs raised the risk of bleeding [2].",
    "Yellow fever vaccination was safe in adults [3].",
])
def test_without_verdicts_words_that_merely_begin_with_no_or_ye_are_accepted(vocab_model, text):
    # Only the words Yes and No are verdicts
    assert accepts(vocab_model, answer_grammar(3, verdicts=False), text)


@pytest.mark.parametrize("text", [
    "1) Yes, vitamin D did not reduce hip fractures [1].",
    "2) No, vitamin D did not reduce hip fractures [1].",
])
def test_without_verdicts_a_list_marker_does_not_let_a_verdict_through(vocab_model, text):
    assert not accepts(vocab_model, answer_grammar(3, verdicts=False), text)


# With the real bundled model

def evidence(*texts: str) -> list[Evidence]:
    return [Evidence(i + 1, t, 0.8 - i / 10, i + 1, Hit(Chunk(id=f"d-{i:04d}", document="paper.pdf", text=t,
                                                          page=i + 1), 0.8))
            for i, t in enumerate(texts)]


CASES = [
    ("What does enoxaparin prevent after major trauma?", evidence(
        "Enoxaparin was more effective than low-dose heparin in preventing venous thromboembolism after major trauma.",
        "Deep vein thrombosis occurred in 31 percent of patients given enoxaparin and in 44 percent of those given "
        "low-dose heparin.",
        "Major bleeding was rare in both groups.")),
    ("How do insecticide-treated bed nets affect malaria in children?", evidence(
        "Insecticide-treated bed nets reduced malaria incidence in children under five by about half.",
        "Child mortality fell by one fifth in villages where bed nets were distributed.",
        "Nets treated with pyrethroids remained effective for three years.")),
    ("Which adults benefit from statin therapy?", evidence(
        "Statin therapy lowered cardiovascular mortality in adults with high cholesterol.",
        "The benefit was similar in adults older than 75 years.",
        "Muscle pain was the most common side effect of statins.")),
]
YES_NO = ("Does vitamin D supplementation prevent hip fractures?", evidence(
    "Daily vitamin D did not reduce hip fractures in community-dwelling women.",
    "Falls were equally common in the vitamin D and placebo groups.",
    "Serum vitamin D levels rose in the treated group."))
MAX_TOKENS = 120
_CITED = re.compile(r"^[A-Z0-9][^\[\]\n]* (?:\[([1-3])\])+\.$")
_MARKER = re.compile(r"^\(?\d{1,2}\)\s*")


@pytest.fixture(scope="module")
def llm():
    from rag.answer.llm import LlamaCppModel

    return LlamaCppModel(resolve_llm("smollm2-135m"), n_ctx=2048, n_threads=2)


def reply(llm, messages: list[dict], grammar: str) -> tuple[str, int]:
    """The model's reply and how many tokens it generated (the stream yields one piece per token)."""
    pieces = list(llm.stream(messages, MAX_TOKENS, 0.0, grammar=grammar))
    return "".join(pieces), len(pieces)


def sentences_of(output: str, tokens: int) -> list[str]:
    """The output's sentences; an unfinished last one only where the reply used up its tokens."""
    parts = re.split(r"(?<=\]\.) ", output)
    if not output.endswith("]."):
        # The grammar ends a reply only after "]." or the no-answer phrase: anything else is the length limit
        # (a token that ends inside a multi-byte character streams no piece of its own, hence the margin)
        assert tokens >= MAX_TOKENS - 4, f"stopped early without a citation after {tokens} pieces: {output!r}"
        parts = parts[:-1]
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_real_model_cites_every_sentence_or_says_no_answer(llm, case):
    question, found = CASES[case]
    output, tokens = reply(llm, evidence_messages(question, found), answer_grammar(3))
    assert output.strip()
    if output == NO_ANSWER:
        return
    sentences = sentences_of(output, tokens)
    assert sentences, output
    for sentence in sentences:
        assert _CITED.match(sentence), sentence
        assert all(1 <= int(n) <= 3 for n in re.findall(r"\[(\d+)\]", sentence))


def first_words(output: str, tokens: int) -> list[str]:
    return [(_MARKER.sub("", s).split() or [""])[0].strip(",;:") for s in sentences_of(output, tokens)]


@pytest.mark.slow
def test_the_real_model_draws_no_verdict_without_verdicts(llm):
    question, found = YES_NO
    output, tokens = reply(llm, evidence_messages(question, found), answer_grammar(3, verdicts=False))
    assert output.strip()
    assert not {"Yes", "No"} & set(first_words(output, tokens)), output


@pytest.mark.slow
def test_the_real_model_draws_no_verdict_even_when_asked_for_one(llm):
    question, found = YES_NO
    messages = evidence_messages(question, found)
    messages[-1]["content"] += "\nStart your answer with Yes or No."
    # With verdicts allowed this prompt makes the model open with a verdict: the grammar is what stops it
    free, tokens = reply(llm, messages, answer_grammar(3, verdicts=True))
    assert {"Yes", "No"} & set(first_words(free, tokens)), free
    output, tokens = reply(llm, messages, answer_grammar(3, verdicts=False))
    assert not {"Yes", "No"} & set(first_words(output, tokens)), output
