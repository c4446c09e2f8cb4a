"""Is an answer sentence supported by the evidence it cites? Embedding similarity plus two checks of meaning.

A sentence is supported when its cosine similarity to the closest evidence sentence it cites reaches
``THRESHOLD``, and it neither states a negation that no cited evidence has (nor, as a near copy of
a negated evidence sentence, drops its negation), nor gives a number that the cited evidence does not
contain. Similarity alone cannot tell
"heparin is effective" from "heparin is not effective"; the two checks can. The threshold was calibrated on
PubMedQA dev (``bench/support.py``): conclusion sentences against their own abstract, against other abstracts,
and negated copies against their own abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.5
# Above this similarity a claim is a near copy of the evidence sentence
NEAR_COPY = 0.8

_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without|cannot|fail(?:s|ed)? to|absence of|"
                       r"lack(?:s|ed)? of|unable|\w+n't)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
_MARKER = re.compile(r"(?:^|(?<=[\s;:]))\(?\d{1,2}\)")
_CITATIONS = re.compile(r"\s*(?:\[\d+\])+")


@dataclass
class Support:
    """The verdict on one answer sentence: supported or not, the similarity, and the reason when not."""

    supported: bool
    score: float
    reason: str = ""


def claim_text(sentence: str) -> str:
    """The sentence without its [n] citations."""
    return _CITATIONS.sub("", sentence).strip()


def negated(text: str) -> bool:
    """Whether the text states a negation (not, no, never, without, fails to, ...)."""
    return bool(_NEGATION.search(text))


def numbers(text: str) -> set[str]:
    """The numbers written in the text (1,000 and 1000 alike; decimals kept), list markers such as "2)" aside."""
    return {n.replace(",", "") for n in _NUMBER.findall(_MARKER.sub(" ", text))}


def check(claim: str, claim_vector: np.ndarray, evidence: list[tuple[str, np.ndarray]],
          threshold: float = THRESHOLD) -> Support:
    """Judge ``claim`` (its text and unit vector) against the cited evidence (texts with unit vectors)."""
    if not evidence:
        return Support(False, 0.0, "cites no evidence")
    scores = [float(vector @ claim_vector) for _, vector in evidence]
    best = max(range(len(scores)), key=scores.__getitem__)
    cited = " ".join(text for text, _ in evidence)
    if scores[best] < threshold:
        return Support(False, scores[best], "not close to the evidence it cites")
    # The negation must be in a cited sentence close enough to support the claim on its own
    close = [text for (text, _), score in zip(evidence, scores, strict=True) if score >= threshold]
    if negated(claim) and not any(negated(text) for text in close):
        return Support(False, scores[best], "a negation that the evidence does not have")
    # A near copy of a negated sentence without its negation says the opposite of it
    if not negated(claim) and negated(evidence[best][0]) and scores[best] >= NEAR_COPY:
        return Support(False, scores[best], "leaves out a negation that the evidence has")
    missing = numbers(claim) - numbers(cited)
    if missing:
        return Support(False, scores[best], f"a number not in the evidence ({', '.join(sorted(missing))})")
    return Support(True, scores[best])
