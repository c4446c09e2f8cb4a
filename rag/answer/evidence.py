"""Evidence: the retrieved passages' sentences that best answer the question, quoted verbatim and numbered.

Every sentence of the retrieved passages is scored against the (standalone) question with the collection's
own embedding model, in one batch (a sentence on how the study was done or what it set out to do ranks a little
lower: it shares the question's words without answering it); the best few are kept, each with the sentence after
it when it is too short to read alone, numbered in that order. A correct quote is useful even when the model's prose is
weak, and a small prompt of a few sentences is what lets the local LLM answer in about a second. Only body text is
quoted: not a passage of another kind (indexed with RAG_INDEX_BACKMATTER), nor a sentence that ``backmatter`` tells
is a reference, a title or author block, an affiliation or a declaration (acknowledgements, funding...), nor the
tail of a sentence cut by a passage or page boundary; a section heading that the PDF ran into a sentence is left out
of its quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..chunk.backmatter import BODY, kinds, sentence_spans
from ..chunk.frontmatter import FRONT_LIMIT, front_matter
from ..documents import Hit
from ..text import words
from .sentences import fragment, heading_length

Embed = Callable[[list[str]], np.ndarray]

# A sentence of fewer words than this reads better with its neighbour
SHORT = 8
# Sentences with fewer content words than this carry nothing to quote ("Results.", "(Table 2)")
MIN_WORDS = 4
# A sentence that opens with a pronoun standing for something in the sentence before ("Its concentration in giant
# panda milk fell rapidly after birth") is quoted with that sentence, so that the quote, and an answer copied from
# it, says what it is about. So does one opening with "This", "These" or "Those" ("These animals were probably
# killed ..."), except where it names the paper itself or its results ("This study", "These results"), which stand
# by themselves.
_ANAPHOR = re.compile(r"^(?:It|Its|They|Their|Them|He|She|His|Her|Such|(?:This|These|Those)(?!\s+(?:study|studies|"
                      r"paper|papers|review|article|work|report|analysis|analyses|trial|trials|research|results?|"
                      r"findings?|data|observations?|survey|experiments?)\b))\b")
# A sentence that says how a study was done or what it set out to do shares the question's words without answering
# it ("A systematic review was completed ... to evaluate the potential complications of DVT prophylactic options"
# for "What are the complications of DVT prophylaxis in trauma?"): it ranks this much lower than its similarity
METHOD_PENALTY = 0.2
_METHOD = re.compile(
    r"\b(?:search terms|(?:we|were|was) (?:searched|identified using|reviewed for)|inclusion criteria|exclusion "
    r"criteria|PRISMA|systematic review was|the (?:aims?|purpose|objectives?|goal) (?:of|was|were|is|are)\b|"
    r"(?:we|this study|this paper|the present study|the study) (?:aimed|aims|sought|seeks|set out|investigated|"
    r"investigates|examined|examines|evaluated|evaluates|assessed|assesses|explored|explores|describes?|was "
    r"(?:designed|conducted|performed))\b|(?:were|was) (?:recruited|enrolled|randomi[sz]ed)\b|data (?:were|was) "
    r"(?:collected|extracted|obtained)|to (?:evaluate|assess|investigate|examine|determine|explore) (?:the|whether|"
    r"if|how))".replace(" ", r"\s+"), re.I)  # PDF text breaks lines anywhere


@dataclass
class Evidence:
    """A quoted sentence (or two) of a retrieved passage, with its source and its similarity to the question."""

    n: int
    text: str
    score: float
    passage: int
    hit: Hit
    start: int = 0
    end: int = 0
    vector: np.ndarray | None = field(default=None, repr=False)
    # A quote of two sentences (the sentence before an "It ..." or "These ...", the one after a short sentence):
    # each sentence's text and vector, the one it was chosen for first, so that a claim copied from either is
    # checked against that sentence alone
    parts: tuple = field(default=(), repr=False)

    def sentences(self) -> list[tuple[str, np.ndarray]]:
        """The quote's sentences with their vectors (the quote itself with its vector when it is one sentence)."""
        return list(self.parts) or [(self.text, self.vector)]

    def to_dict(self) -> dict:
        """The JSON shape of an evidence item in ``rag ask --json``."""
        return {"n": self.n, "collection": self.hit.chunk.collection, "document": self.hit.chunk.document,
                "page": self.hit.chunk.page, "text": self.text, "score": round(float(self.score), 4),
                "passage": self.passage, "chunk_id": self.hit.chunk.id}


def select(question: str, hits: list[Hit], embed: Embed, count: int = 6) -> list[Evidence]:
    """The ``count`` sentences of ``hits`` closest to ``question``, numbered from 1, best first."""
    candidates = []  # (passage number, hit, start, end, the sentence right after / before when it is body text)
    for p, hit in enumerate(hits, 1):
        if hit.chunk.kind != BODY:  # back matter indexed with RAG_INDEX_BACKMATTER is found but never quoted
            continue
        text = hit.chunk.text
        spans = _body_spans(hit)
        body = [k == BODY for k in kinds([text[a:b] for a, b in spans], title=hit.chunk.title)[0]]
        for i, (a, b) in enumerate(spans):
            a += heading_length(text[a:b])  # a heading the PDF ran into the sentence is not quoted
            if body[i] and len(words(text[a:b])) >= MIN_WORDS and not fragment(text[a:b]):
                after = spans[i + 1] if i + 1 < len(spans) and body[i + 1] else None
                before = spans[i - 1] if i and body[i - 1] else None
                candidates.append((p, hit, a, b, after, before))
    if not candidates:
        return []
    vectors = embed([question] + [hit.chunk.text[a:b] for _, hit, a, b, _, _ in candidates])
    scores = vectors[1:] @ vectors[0]
    rank = scores - METHOD_PENALTY * np.array([bool(_METHOD.search(hit.chunk.text[a:b]))
                                               for _, hit, a, b, _, _ in candidates])
    ends = {(p, b): i for i, (p, _, _, b, _, _) in enumerate(candidates)}  # a neighbour's vector, where it has one
    chosen: list[Evidence] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    seen: set[str] = set()  # consecutive chunks overlap: the same sentence can come from two passages
    for i in np.argsort(-rank, kind="stable"):
        p, hit, a, b, after, before = candidates[i]
        keys = [" ".join(hit.chunk.text[a:b].split()).lower()]
        joined = []  # the neighbours quoted with it
        if len(hit.chunk.text[a:b].split()) < SHORT and after is not None:
            b = after[1]
            keys.append(" ".join(hit.chunk.text[after[0]:after[1]].split()).lower())
            joined.append(after)
        if before is not None and _ANAPHOR.match(hit.chunk.text[a:b]):
            start = before[0] + heading_length(hit.chunk.text[before[0]:before[1]])
            key = " ".join(hit.chunk.text[start:before[1]].split()).lower()
            if key not in seen and not any(start < e and s < before[1] for s, e in taken.get(p, [])):
                keys.append(key)  # the sentence before is not quoted already: it comes first in this quote
                a = start
                joined.append(before)
        # Deduplicate on the quoted sentence itself, so one joined to its neighbour is not quoted again elsewhere
        if keys[0] in seen or any(a < e and s < b for s, e in taken.get(p, [])):
            continue
        taken.setdefault(p, []).append((a, b))
        seen.update(keys)
        parts = _quoted_sentences([i, *(ends.get((p, end)) for _, end in joined)], candidates, vectors)
        chosen.append(Evidence(len(chosen) + 1, hit.chunk.text[a:b], float(scores[i]), p, hit, a, b, vectors[i + 1],
                               parts))
        if len(chosen) == count:
            break
    return chosen


def _quoted_sentences(quoted: list[int | None], candidates: list, vectors: np.ndarray) -> tuple:
    """``Evidence.parts`` of a quote made of these candidates (the one chosen first): () for a single sentence, and
    for a neighbour that was no candidate (too short to score), whose vector is not known."""
    if len(quoted) == 1 or None in quoted:
        return ()
    return tuple((candidates[k][1].chunk.text[candidates[k][2]:candidates[k][3]], vectors[k + 1]) for k in quoted)


def _body_spans(hit: Hit) -> list[tuple[int, int]]:
    """The sentence spans of a passage as the chunker tells kinds, without the title and author block that opens a
    document (a collection indexed before that block was told from the body holds it in the first passage)."""
    text = hit.chunk.text
    spans, leading = sentence_spans(text, front_matter(text, FRONT_LIMIT) if hit.chunk.start == 0 else 0)
    return spans[leading:]
