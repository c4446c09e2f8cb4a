"""Is an answer sentence supported by the evidence it cites? Embedding similarity plus checks of meaning.

A sentence is supported when its cosine similarity to the closest evidence sentence it cites reaches
``THRESHOLD``, and it neither states a negation that no cited evidence has (nor, as a near copy of
a negated evidence sentence, drops its negation), nor gives a number that the cited evidence does not
contain, nor recombines the evidence's own words into another claim: a direction word turned round (higher for
lower), two terms swapped around what relates them ("in women than in men"), a number or a group moved to the
clause of another ("in A but not in B" -> "in B"), one sentence's subject with another's predicate. Similarity
alone cannot tell "heparin is effective" from "heparin is not effective", nor "higher in men than in women" from
its swap; these checks can, from word order and clauses alone (no parser, no model: 0.3 ms a sentence on
average, 99% of sentences under 1 ms). The threshold was calibrated on PubMedQA dev (``bench/support.py``):
conclusion sentences against their own abstract, against other abstracts, and negated copies against their own
abstract; the recombination rules on the labelled set of ``bench/support_set.py`` (``bench/support_check.py``).
It does not understand paraphrase: a claim that says the opposite in other words passes if it is close enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from ..text import sentences as split_sentences_of

THRESHOLD = 0.5
# Above this similarity a claim is a near copy of the evidence sentence
NEAR_COPY = 0.8

_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without|cannot|fail(?:s|ed)? to|absence of|"
                       r"lack(?:s|ed)? of|unable|\w+n't)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
_MARKER = re.compile(r"(?:^|(?<=[\s;:]))\(?\d{1,2}\)")
_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*)s?\b")
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_CITATIONS = re.compile(r"\s*(?:\[\d+(?:\s*[,–-]\s*\d+)*\])+")  # [1], [1][2], [1, 2], [1-3]


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


def acronyms(text: str) -> set[str]:
    """The abbreviations written in capitals ("GFD", "AIs" as "AI", "COVID"), Roman numerals aside."""
    return {a for a in _ACRONYM.findall(text) if not _ROMAN.fullmatch(a)}


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
    # A near copy of a negated sentence without its negation says the opposite of it, unless what it leaves out is
    # the clause that denies ("reduced falls in women" of "reduced falls in women but not in men")
    if not negated(claim) and negated(evidence[best][0]) and scores[best] >= NEAR_COPY \
            and _keeps_a_denial(claim, evidence[best][0]):
        return Support(False, scores[best], "leaves out a negation that the evidence has")
    missing = numbers(claim) - numbers(cited)
    if missing:
        return Support(False, scores[best], f"a number not in the evidence ({', '.join(sorted(missing))})")
    if reason := _recombined(claim, [text for text, _ in evidence]):
        return Support(False, scores[best], reason)
    return Support(True, scores[best])


# --- Claims that recombine the evidence's own words -------------------------------------------------------------
# A claim can reuse every word of a sentence it cites and still say something else: the sides of a comparison
# swapped, higher for lower, a group moved from the clause that excludes it into the one that includes it, a number
# tied to the other group, one sentence's subject with another's predicate. Similarity cannot see these; the
# rules below compare the claim's words with the order and clauses they have in the closest evidence sentence.
# Measured on bench/data/support_set.json (bench/support_check.py).

# Direction words: (axis, sign). A claim's word must not stand where the evidence has its opposite
_UP, _DOWN = 1, -1
_DIRECTIONS = {
    **dict.fromkeys(("higher", "highest", "increase", "increased", "increases", "increasing", "more", "greater",
                     "greatest", "larger", "largest", "elevated", "raised", "rise", "rose", "risen", "above",
                     "exceeded", "longer", "longest", "gain", "gained", "enhanced", "upregulated", "up-regulated"),
                    ("amount", _UP)),
    **dict.fromkeys(("lower", "lowest", "decrease", "decreased", "decreases", "decreasing", "reduced", "reduce",
                     "reduces", "reducing", "reduction", "less", "least", "fewer", "smaller", "smallest",
                     "declined", "decline", "declining", "fell", "fall", "below", "shorter", "shortest", "lowered",
                     "diminished", "attenuated", "downregulated", "down-regulated"), ("amount", _DOWN)),
    **dict.fromkeys(("better", "best", "improved", "improve", "improves", "improvement", "superior"),
                    ("quality", _UP)),
    **dict.fromkeys(("worse", "worst", "worsened", "worsening", "deteriorated", "deterioration", "inferior",
                     "impaired"), ("quality", _DOWN)),
    "positively": ("association", _UP), "negatively": ("association", _DOWN), "inversely": ("association", _DOWN),
}
_STOP = frozenset("""a an the of in on at for with to by from and or as is are was were be been being has have had
do does did that which who whom whose this these those it its their there than into onto over under between
among within during after before about also both either neither each per such not no only very all any some
we our they them he she his her then so if but while whereas when where""".split())
# Words that relate two terms without an order: swapping the terms around them says the same
_SYMMETRIC = frozenset("""and or , between both either neither versus vs associated association associations
correlated correlation correlations related relationship relationships similar similarly compared comparing
comparison difference differences different differed differ""".split())
# Words before a number that give it its place: "from 6.5 to 1.4", "12% and 25%, respectively"
_RELATIONS = frozenset(("from", "to", "vs", "versus", "than", "and"))
_COMPARING = frozenset(("versus", "vs", "compared"))
_CONNECTIVES = frozenset(("but", "and", "or", "whereas", "while", "although", ",", ";"))
# Boundaries between clauses that say different things of different terms
_CONTRAST = re.compile(r"(,?\s(?:whereas|while|but not|but|although|though|unlike)\s|;\s|\bthan\b|"
                       r"\bcompared (?:with|to)\b|"
                       r",\s(?:and|or)\s(?=(?:\S+\s){0,6}?(?:was|were|is|are|had|has|have)\b))", re.I)
_OPENING = re.compile(r"^(?:In|Of|After|Before|Among|For|At|During|Within|Over|Across|On|Following|Compared with|"
                      r"Compared to|With)\b[^,;]*,")
_AUXILIARY = re.compile(r"^(?:is|are|was|were|has|have|had|did|does|do|may|might|could|can|will|would)$")
_VERBISH = re.compile(r"^(?:is|are|was|were|has|have|had|showed|shows|did|does|may|might|could|can|will|would|"
                      r"[a-z]+ed)$")
_PARENTHESES = re.compile(r"\([^()]*\)")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_](?:[\w\-']*\w)?|[(),;%]")
# Below this share of its content words in one evidence sentence, a claim is not a reworking of that sentence
_COVERED = 0.6


@dataclass
class _Words:
    """A sentence as tokens: what was written, its comparable form, and whether it carries content."""

    sentence: str
    text: list[str]
    start: list[int]  # where each token starts in the sentence
    norm: list[str]
    content: list[bool]
    depth: list[int]  # how many parentheses each token is inside

    @classmethod
    def of(cls, sentence: str) -> _Words:
        found = list(_TOKEN.finditer(sentence))
        text, start = [m.group() for m in found], [m.start() for m in found]
        norm = [t.replace(",", "") if t[0].isdigit() else t.lower() for t in text]
        content = [n not in _STOP and n not in "(),;%" and (len(n) > 2 or not t.islower())
                   for t, n in zip(text, norm, strict=True)]
        depth, level = [], 0
        for n in norm:
            level += n == "("
            depth.append(level)
            level = max(0, level - (n == ")"))
        return cls(sentence, text, start, norm, content, depth)

    def unique(self) -> dict[str, int]:
        """Position of each token said exactly once."""
        counts: dict[str, int] = {}
        for n in self.norm:
            counts[n] = counts.get(n, 0) + 1
        return {n: i for i, n in enumerate(self.norm) if counts[n] == 1}

    def terms(self) -> set[str]:
        return {n for n, c in zip(self.norm, self.content, strict=True) if c}


def _recombined(claim: str, evidence: list[str]) -> str:
    """Why the claim, though made of the evidence's words, says what the evidence does not; "" when it does not."""
    sentences = [s for text in evidence for s in split_sentences_of(text)]
    words = _Words.of(claim)
    terms = words.terms()
    if not terms or not sentences:
        return ""
    parsed = [_Words.of(s) for s in sentences]
    # The sentence the claim reworks: the one holding most of its content words
    best = max(range(len(parsed)), key=lambda i: len(terms & parsed[i].terms()))
    if len(terms & parsed[best].terms()) >= _COVERED * len(terms):
        # How the claim's tokens line up with the sentence's: one alignment for the rules that read it
        ops = SequenceMatcher(None, words.norm, parsed[best].norm, autojunk=False).get_opcodes()
        rules = [_negation_added, _negation_dropped, _direction_turned]
        # Order and clauses count only in a claim made of the sentence's words (one of its own at most): a looser
        # rewording orders its words freely
        if len(terms - parsed[best].terms()) <= 1:
            rules += [_terms_swapped, _numbers_moved, _clause_crossed]
        for rule in rules:
            if (reason := rule(words, parsed[best], ops)) and not (
                    rule is _negation_added and _denied_elsewhere(words, parsed[:best] + parsed[best + 1:])):
                return reason
    return _subject_borrowed(words, parsed) if len(parsed) > 1 else ""


def _negation_added(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """The evidence sentence word for word with a negation put in ("was not 9.27 mm"), even when another cited
    sentence has a negation of its own."""
    if not negated(claim.sentence) or negated(source.sentence):
        return ""
    for op, i1, i2, j1, j2 in ops:
        if op in ("delete", "replace") and i2 - i1 <= 3 and j2 - j1 <= 2 and negated(" ".join(claim.norm[i1:i2])):
            return "a negation that the evidence does not have"
    return ""


def _denied_elsewhere(claim: _Words, others: list[_Words]) -> bool:
    """Whether another cited sentence denies what the claim denies: a negation followed closely by the same words
    ("no differences in guidance content" and "but not guidance content")."""
    def denied(words: _Words) -> set[str]:
        return {n for i, m in enumerate(words.norm) if negated(m)
                for n, c in zip(words.norm[i + 1:i + 5], words.content[i + 1:i + 5], strict=False) if c}
    mine = denied(claim)
    return any(mine & denied(other) for other in others)


def _negation_dropped(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """The evidence sentence word for word but for its negation ("did not differ" -> "differed", "no significant
    difference" -> "a significant difference"), however close or far the embedding puts the two."""
    if negated(claim.sentence) or not negated(source.sentence):
        return ""
    for op, i1, i2, j1, j2 in ops:
        dropped = source.norm[j1:j2]
        # A short cut that takes the negation and nothing else: not a clause of its own ("but not in B")
        if op in ("insert", "replace") and len(dropped) <= 3 and i2 - i1 <= 2 and negated(" ".join(dropped)) \
                and dropped[0] not in _CONNECTIVES:
            return "leaves out a negation that the evidence has"
    return ""


def _direction_turned(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """A direction word (higher, reduced, better) standing where the evidence has its opposite.

    Only where the claim lines up with the evidence word for word: in a looser rewording, "reduced mortality" and
    "mortality was higher in the controls" can say the same thing."""
    for op, i1, i2, j1, j2 in ops:
        if op != "replace":
            continue
        said = {_DIRECTIONS[n]: t for n, t in zip(claim.norm[i1:i2], claim.text[i1:i2], strict=True)
                if n in _DIRECTIONS}
        for n, t in zip(source.norm[j1:j2], source.text[j1:j2], strict=True):
            axis, sign = _DIRECTIONS.get(n, ("", 0))
            if (axis, -sign) in said and (axis, sign) not in said:
                return f'says "{said[axis, -sign]}" where the evidence says "{t}"'
    return ""


def _terms_swapped(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """Two terms on either side of a word that relates them ("higher in men than in women", "A predicted B") the
    other way round from the evidence; the passive ("B was predicted by A") and symmetric relations aside."""
    mine, theirs = claim.unique(), source.unique()
    shared = sorted((i, theirs[n]) for n, i in mine.items() if n in theirs)
    # "A and B were 12% and 25%, respectively": the order of a list is what ties each item to its value
    symmetric = _SYMMETRIC - {"and", ","} if "respectively" in source.norm else _SYMMETRIC
    # "higher for A vs. B": with a direction, a comparison has a side that is higher
    relating = {"than"}
    if any(n in _DIRECTIONS for n in claim.norm):
        symmetric, relating = symmetric - _COMPARING, relating | _COMPARING
    listed = "respectively" in source.norm and "respectively" in claim.norm
    # An opening phrase ("In the 10 years before diagnosis, ...") may move to the end as a whole
    opening = _moved_opening(claim, source) | {i for i, x in shared if x in _moved_opening(source, claim)}
    for a, (i, x) in enumerate(shared):
        if not claim.content[i] or claim.norm[i] in _DIRECTIONS or i in opening:
            continue
        for k, y in shared[a + 1:]:
            if y > x or not claim.content[k] or claim.norm[k] in _DIRECTIONS or k in opening:
                continue
            if listed and k - i <= 3 and x - y <= 3:
                return f'has "{claim.text[i]}" and "{claim.text[k]}" the other way round from the evidence'
            # A pivot between the two in the claim, and between them the other way round in the evidence
            for p, q in shared:
                pivot = claim.norm[p]
                if i < p < k and y < q < x and (claim.content[p] or pivot in relating) and pivot not in symmetric \
                        and not _listed(claim, p) and not _listed(source, q) \
                        and "by" not in claim.norm[p:k + 1] + source.norm[q:x + 1]:
                    return f'has "{claim.text[i]}" and "{claim.text[k]}" the other way round from the evidence'
    return ""


def _moved_opening(words: _Words, other: _Words) -> set[int]:
    """The positions of the tokens of a sentence's opening phrase ("In older patients, ...") when the other sentence
    does not open with it."""
    found = _OPENING.match(words.sentence)
    if not found:
        return set()
    opening = [i for i, start in enumerate(words.start) if start < found.end()]
    return set() if other.norm[:2] == words.norm[:2] else set(opening)


def _listed(words: _Words, i: int) -> bool:
    """Whether a word is an item of a list ("A and B", "A, B"): it then relates nothing to the words around it."""
    return any(0 <= j < len(words.norm) and words.norm[j] in ("and", "or", ",") for j in (i - 1, i + 1))


def _numbers_moved(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """A number of the evidence tied to the term, or put in the place ("from 6.5 to 1.4"), that the evidence gives
    another of its numbers."""
    numbers = [j for j, n in enumerate(source.norm) if n[0].isdigit()]
    theirs = source.unique()
    for i, n in enumerate(claim.norm):
        if not n[0].isdigit() or n not in theirs:
            continue
        for side in (1, -1):
            k, own = _beside(claim, i, side), _beside_word(source, theirs[n], side)
            said = None if k is None else claim.norm[k]
            # A number the evidence ties to nothing after it ("p<0.003).") can be followed by anything
            if said is None or said == own or own is None and side == 1:
                continue
            other = [m for m in numbers if m != theirs[n] and _beside_word(source, m, side) == said]
            if other and side == 1:
                return f'ties {claim.text[i]} to "{claim.text[k]}", which the evidence does not'
            if other:
                return f"puts {claim.text[i]} where the evidence has {source.text[other[0]]}"
    return ""


def _beside(words: _Words, i: int, side: int) -> int | None:
    """Where the word a number is tied to stands: the nearest content word after it (past its unit, function words
    and a parenthesis), or the word right before it when that relates it ("from", "than", a term)."""
    if side == -1:
        j = i - 1
        return j if j >= 0 and (words.content[j] or words.norm[j] in _RELATIONS) else None
    j, depth = i + 1, words.depth[i]
    while j < len(words.norm) and (words.depth[j] > depth or words.norm[j] in ")%" or words.norm[j] in _STOP):
        j += 1
    return j if j < len(words.norm) and words.content[j] and not words.norm[j][0].isdigit() else None


def _beside_word(words: _Words, i: int, side: int) -> str | None:
    j = _beside(words, i, side)
    return None if j is None else words.norm[j]


def _clause_crossed(claim: _Words, source: _Words, ops: list[tuple]) -> str:
    """Terms that the evidence keeps in contrasting clauses ("in A but not in B", "X in A, whereas Y in B") tied
    together in one clause of the claim: "in B", "X in B"."""
    clauses = _clauses(source.sentence)
    if len(clauses) < 2:
        return ""
    where: dict[str, set[int]] = {}
    for c, (text, _) in enumerate(clauses):
        for n in _Words.of(text).terms():
            where.setdefault(n, set()).add(c)
    # The first clause's subject may be shared by a later clause that has none of its own ("..., but not in B"),
    # and an opening phrase ("After surgery, ...") by all of them
    shared = set() if any(_subject(_Words.of(text)) for text, _ in clauses[1:]) else _subject(_Words.of(clauses[0][0]))
    if (opening := _OPENING.match(clauses[0][0])) is not None:
        shared |= _Words.of(opening.group()).terms()
    for part, denied in _clauses(claim.sentence):
        found = _Words.of(part)
        # (position in the claim, the word, the one evidence clause that has it)
        own = [(i, found.text[i], next(iter(where[n]))) for i, n in enumerate(found.norm)
               if found.content[i] and len(where.get(n, ())) == 1 and n not in shared]
        if len({c for *_, c in own}) < 2:
            continue
        main = own[0][2]  # the clause the claim's clause starts from
        for i, word, c in own:
            # "did not reduce falls in men" from "reduced falls in women but not in men" says what the evidence does
            if c != main and not (denied and clauses[c][1]):
                anchor = min((abs(i - i2), w2) for i2, w2, c2 in own if c2 == main)[1]
                return f'ties "{word}" to "{anchor}", which the evidence does not'
    return ""


def _keeps_a_denial(claim: str, evidence: str) -> bool:
    """Whether the claim takes words from a clause of the evidence that denies something."""
    terms = _Words.of(claim).terms()
    return any(denied and _Words.of(text).terms() & terms
               for sentence in split_sentences_of(evidence) for text, denied in _clauses(sentence))


def _clauses(sentence: str) -> list[tuple[str, bool]]:
    """The clauses of a sentence (parentheses aside) and whether each denies what it says ("but not in men")."""
    pieces = _CONTRAST.split(_PARENTHESES.sub(" ", sentence))
    found = [(pieces[0], negated(pieces[0]))]
    for boundary, text in zip(pieces[1::2], pieces[2::2], strict=True):
        found.append((text, negated(boundary) or negated(text)))
    return found


def _subject(words: _Words) -> set[str]:
    """The content words before a clause's first verb: a subject that later clauses may share."""
    v = _verb_at(words)
    return set() if v is None else {n for n, c in zip(words.norm[:v], words.content[:v], strict=True) if c}


def _subject_borrowed(claim: _Words, parsed: list[_Words]) -> str:
    """One evidence sentence's subject with another's predicate: the claim opens with the words before one
    sentence's first verb and goes on with what follows the first verb of another, whose own subject it drops."""
    ends = [_verb_at(words) for words in parsed]
    for a, first in enumerate(parsed):
        v = ends[a]
        if v is None or claim.norm[:v] != first.norm[:v]:
            continue
        rest, subject = claim.norm[v:], set(claim.norm[:v])
        for b, second in enumerate(parsed):
            w = ends[b]
            if b == a or w is None:
                continue
            theirs = {n for n, c in zip(second.norm[:w], second.content[:w], strict=True) if c}
            if theirs & subject or theirs <= claim.terms():
                continue  # the same subject, or the claim names the other sentence's subject too
            if _likeness(rest, second.norm[w:]) >= max(0.6, _likeness(rest, first.norm[v:]) + 0.2):
                mine, other = first.sentence[:first.start[v]].strip(), second.sentence[:second.start[w]].strip()
                return f'joins "{mine}" to what the evidence says of "{other}"'
    return ""


def _verb_at(words: _Words) -> int | None:
    """Where a sentence's first verb stands (an auxiliary first: "Patients treated early were ..."), when words
    with content come before it."""
    for pattern in (_AUXILIARY, _VERBISH):
        for i, n in enumerate(words.norm):
            if pattern.match(n) and any(words.content[:i]):
                return i
    return None


def _likeness(a: list[str], b: list[str]) -> float:
    """The share of ``a``'s tokens matched, in order, in ``b``."""
    matched = sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched / max(1, len(a))
