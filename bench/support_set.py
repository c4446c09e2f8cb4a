"""Build the labelled set of the support check: evidence sentences, a claim, and whether they support it.

The claims are made from real sentences, seeded, so the set is the same on every run:
- supported: an evidence sentence shortened (a leading phrase, a parenthesis or a trailing clause dropped),
  reordered (a leading phrase moved to the end), or lightly reworded (a table of safe synonyms); and, from
  PubMedQA, each conclusion sentence (``LONG_ANSWER``) against the two sentences of its abstract that share the
  most words with it;
- unsupported: the evidence's own words recombined wrongly. A comparative or direction word turned round
  (higher/lower, increased/decreased, ...); the two sides of a comparison swapped ("in men than in women");
  two numbers of a comparison swapped ("from 12% to 25%"); the place of a term from a contrasting clause put
  into the main one ("in A but not in B" -> "in B"); the subject of one evidence sentence with the predicate of
  another; a number changed; a negation added or taken away.
Sources: PubMedQA dev (the sentences of each record's CONTEXTS) and the five shared PDFs (read with the app's
loader). Each pair names its source record and the half it belongs to (``tune`` or ``held_out``, by record), so
that rules are tuned on one half and measured on the other.

Writes bench/data/support_set.json. Usage: .venv/bin/python bench/support_set.py [--sample N]
(``--sample`` prints N random pairs to read by eye). ``--wide`` makes the same kinds (conclusions aside) from the
25 PDFs of pdfs-wide instead, for a check on sentences no rule was tuned on: bench/data/support_set_wide.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from common import ROOT, SHARED

from rag.answer.support import negated
from rag.chunk.backmatter import BODY, kind_of
from rag.load import load_file
from rag.text import sentences, words

OUT = ROOT / "bench" / "data" / "support_set.json"
OUT_WIDE = ROOT / "bench" / "data" / "support_set_wide.json"
# Pairs kept at most per kind: roughly as many unsupported as supported pairs
CAPS = {"shortened": 110, "reordered": 80, "reworded": 100, "conclusion": 120,
        "comparative_swap": 130, "entity_swap": 70, "number_swap": 30, "clause_move": 40,
        "cross_sentence": 80, "number_changed": 25, "negation_added": 50, "negation_removed": 35}
SUPPORTED = ("shortened", "reordered", "reworded", "conclusion")

# Sentences that state an aim or ask a question are not what an answer says
_AIM = re.compile(r"^(?:To|We (?:aimed|sought|hypothesi[sz]ed)|The (?:aim|purpose|objective|goal))\b|\?|"
                  r"\b(?:aim|objective|purpose) of\b", re.I)
_OPENER = re.compile(r"^(?:However|In conclusion|In addition|Additionally|Overall|Moreover|Furthermore|"
                     r"Thus|Therefore|In summary|Finally|Importantly|Interestingly|Similarly|Conversely|"
                     r"By contrast|In contrast|Consequently|Notably|Taken together|Nevertheless),\s+")
_LEADING = re.compile(r"^((?:In|Among|For|At|During|After|Within|Across|Over|On|Of|With)\s[^,;()]{3,80}?),\s+"
                      r"(?=[a-z]|[A-Z][a-z]|[A-Z]{2})")
_CAPTION = re.compile(r"\b(?:Figure|Fig\.|Table) \d")
_PAREN = re.compile(r"\s*\([^()]*\)")
_TRAILING = re.compile(r"(?:;\s|,\s(?:which|whereas|while)\s)")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)

# Synonyms that keep the meaning (from -> to); whole words, first letter's case kept
REWORDINGS = [("showed", "demonstrated"), ("demonstrated", "showed"), ("revealed", "showed"),
              ("were associated with", "were linked to"), ("was associated with", "was linked to"),
              ("approximately", "about"), ("compared with", "compared to"), ("patients", "subjects"),
              ("reduced", "lowered"), ("higher", "greater"), ("significantly ", ""), ("In addition", "Also"),
              ("the present study", "this study"), ("observed", "seen"), ("individuals", "people"),
              ("utilized", "used"), ("performed", "carried out"), ("however, ", ""), ("frequently", "often"),
              ("identified", "found"), ("statistically significant", "significant"), ("a total of ", ""),
              ("was found to be", "was"), ("were found to be", "were"), ("in comparison with", "compared with"),
              ("investigated", "studied"), ("assessed", "evaluated"), ("evaluated", "assessed"),
              ("because of", "due to"), ("whereas", "while"), ("examined", "studied"), ("markedly", "clearly"),
              ("subsequently", "later"), ("prior to", "before")]

# Direction words and their opposites; a few fixed phrases where the word names a place or kind, not a direction
OPPOSITES = {"higher": "lower", "lower": "higher", "increased": "decreased", "decreased": "increased",
             "increase": "decrease", "decrease": "increase", "increases": "decreases", "decreases": "increases",
             "increasing": "decreasing", "decreasing": "increasing", "greater": "smaller", "smaller": "larger",
             "larger": "smaller", "better": "worse", "worse": "better", "improved": "worsened",
             "longer": "shorter", "shorter": "longer", "reduced": "increased", "reduction": "increase",
             "more": "less", "less": "more", "fewer": "more", "elevated": "reduced", "highest": "lowest",
             "lowest": "highest", "positively": "negatively", "negatively": "positively", "above": "below",
             "below": "above", "superior": "inferior", "inferior": "superior"}
_FIXED = re.compile(r"\b(?:lower (?:limb|extremit|urinary|respiratory|back|abdom|pole|quadrant|lobe|genital|gi|"
                    r"lip|jaw|leg)|higher (?:education|order)|more or less|more than one|less than one|"
                    r"inferior (?:vena|wall|epigastric|turbinate|oblique)|above all|superior (?:vena|mesenteric|"
                    r"wall|oblique|vesical))|-\s*(?:positive|negative)|(?:more|less) (?:and|or) (?:more|less)", re.I)
_DIRECTION = re.compile(r"\b(" + "|".join(sorted(OPPOSITES, key=len, reverse=True)) + r")\b", re.I)

_COMPARATIVE = (r"(?:higher|lower|greater|smaller|larger|more|less|fewer|better|worse|longer|shorter|earlier|later|"
                r"older|younger|stronger|weaker)")
_WORD_OF_NP = r"(?!(?:except|but|than|who|which|that|and|or|only|compared|versus|vs)\b)[\w\-]+"
_NP = r"((?:the )?" + _WORD_OF_NP + r"(?: " + _WORD_OF_NP + r"){0,3}?)"
_NP_END = r"(?=[,;.(]| \(| (?:in|at|for|with|and|who|after|during|when|on|except|\d)\b|$)"
# "higher in A than in B"
_THAN = re.compile(r"\b" + _COMPARATIVE + r"(?: [a-z]+)? (in|among|for|with) " + _NP + r" than (?:\1 |in |those \1 )?"
                   + _NP + _NP_END)
# "X in A was lower than that in B"
_THAN_THOSE = re.compile(r"\b(in|among|for|with) " + _NP + r" (?:was|were) (?:significantly )?" + _COMPARATIVE
                         + r" than (?:that|those) (in|among|for|with) " + _NP + _NP_END)
# "Men had higher rates of X than women"
# "lower in A compared with B"
_COMPARED = re.compile(r"\b" + _COMPARATIVE + r"(?: [a-z]+){0,3}? (in|among|for|with) " + _NP
                       + r",? (?:compared (?:with|to)|versus|vs\.?|relative to) (?:\1 |those \1 )?" + _NP + _NP_END)
# "The sensitivity and specificity were 90% and 80%, respectively"
# Groups that a sentence contrasts; a claim that swaps them ties each finding to the other group
GROUPS = [("intervention", "control"), ("treatment", "placebo"), ("men", "women"), ("male", "female"),
          ("males", "females"), ("boys", "girls"), ("cases", "controls"), ("preoperative", "postoperative"),
          ("smokers", "nonsmokers"), ("children", "adults"), ("urban", "rural"), ("inpatients", "outpatients"),
          ("acute", "chronic"), ("benign", "malignant"), ("mothers", "fathers"), ("left", "right"),
          ("first", "second"), ("primary", "secondary"), ("systolic", "diastolic"), ("sensitivity", "specificity"),
          ("mortality", "morbidity"), ("medical", "surgical"), ("white", "black"), ("Black", "White")]
_ACRONYM = re.compile(r"(?<!\S)[A-Z][A-Z0-9\-]{0,6}[A-Z0-9](?=[\s,.;:]|$)")
_NOT_TERMS = {"CI", "OR", "ORS", "HR", "RR", "SD", "SE", "NS", "II", "III", "IV", "VI", "US", "UK", "USA", "AND",
              "VS", "MD", "PHD", "ICU", "NA", "AUC", "ROC", "IQR", "NO", "RESULTS", "METHODS", "BACKGROUND",
              "CONCLUSION", "CONCLUSIONS", "OBJECTIVE", "DISCUSSION", "INTRODUCTION"}
_RESPECTIVE = re.compile(r"\b([a-zA-Z][\w\-]{2,}) and ([a-z][\w\-]{2,}) (?:of [^,;]+ )?(?:were|was|are|is)\b"
                         r"(?=[^;]*\brespectively\b)")
_SUBJECT_THAN = re.compile(r"^((?:The )?[A-Z][\w\-]*(?: [\w\-]+){0,2}) (had|showed|were|was|have|has|are|is) "
                           r"((?:significantly |\w+ )?" + _COMPARATIVE + r"(?: [\w\-]+){0,4}?) than "
                           r"(?!(?:in|among|for|with|at|of|on)\b)" + _NP + _NP_END)
# Two numbers of a comparison, neither of them one end of a range ("60-65")
_VALUE = r"(\d+(?:\.\d+)?)"
_NOT_RANGE = r"(?![\d.]*-\d)"
_NUMBER_PAIR = re.compile(r"\b(from|of) " + _VALUE + r"(\s?%?) (to|versus|vs\.?|compared with) " + _VALUE + _NOT_RANGE
                          + r"(\s?%?)|(?<![\d.]-)(?<![\d.])" + _VALUE + r"(\s?%?) (versus|vs\.?) " + _VALUE
                          + _NOT_RANGE + r"(\s?%?)")
_BUT_NOT = re.compile(r"^(.*?\b(in|among|for|with) )([^,;()]+?),? but not \2 ([^,;()]+?)(?=[,;.(]|$)")
_CONTRAST = re.compile(r",\s(?:whereas|while|but|and)\s|;\s|,\s(?=[a-z]+ (?:was|were)\b)")
_LAST_PLACE = re.compile(r"\b(in|among|for|with|of|to|on|by) ((?:the )?[\w\-]+(?: [\w\-]+){0,3})\s*[.]?$")
# "2.4% (8 of 328) in the vitamin C group and 10.1% (10 of 99) in the placebo group"
_TWO_PLACES = re.compile(r"(\d+(?:\.\d+)?\s?%)(?: \([^()]*\))? (in|among|for|with) " + _NP
                         + r",? (?:and|versus|vs\.?|compared with|compared to|but) (\d+(?:\.\d+)?\s?%)(?: \([^()]*\))? "
                         r"(?:\2 )?" + _NP + _NP_END)
_OWN_VERB = re.compile(r"\b(?:was|were|is|are|had|has|have|showed|increased|decreased|improved|reduced)\b")
_VERB = re.compile(r"^((?:The |A |An )?[A-Z][\w\-]*(?: (?![Tt]he\b)[\w\-]+){1,6}?) (was|were|is|are|had|has|have|"
                   r"showed|increased|decreased|reduced|improved) (\w.*)$")
_PRONOUN = re.compile(r"^(?:This|These|That|Those|It|They|There|We|Our|Its|Their|Such|Both|All|Each|"
                      r"Most|Some|Many|Other|No|None|Neither|When|If|Although|Though|As|Because|Since|While|"
                      r"After|Before|In|Among|For|At|During|Of|With|Compared|Using|Based)\b")
_AUX = re.compile(r"\b(is|are|was|were|can|could|may|might|should|will|would|does|do|did|has|have|had)\b")
_NOT = re.compile(r"\b(is|are|was|were|can|could|may|might|should|will|would|does|do|did|has|have|had) not\b")
_EMPHATIC = {"did": lambda verb: verb.rstrip("e") + "ed", "does": lambda verb: verb + "s", "do": lambda verb: verb}
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(?![\w.,]*\d)")


def records() -> Iterator[tuple[str, list[str]]]:
    """(source, its sentences in order) of every PubMedQA dev record and every shared PDF."""
    data = json.loads((SHARED / "pubmedqa" / "dev.json").read_text())
    for pmid, record in data.items():
        yield f"pubmedqa:{pmid}", [s for c in record["CONTEXTS"] for s in sentences(c)]
    yield from pdf_records(SHARED / "pdfs")


def pdf_records(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """(source, its body sentences in order) of every PDF in ``folder``, read with the app's loader."""
    for path in sorted(folder.glob("*.pdf")):
        found = []
        for document in load_file(path):
            for section in document.sections:
                found += [s for s in sentences(section.text) if kind_of(s) == BODY]
        yield f"pdf:{path.name}", found


def conclusions() -> dict[str, list[str]]:
    """The conclusion sentences of each PubMedQA record, by source."""
    data = json.loads((SHARED / "pubmedqa" / "dev.json").read_text())
    return {f"pubmedqa:{pmid}": sentences(r["LONG_ANSWER"]) for pmid, r in data.items()}


def usable(sentence: str) -> bool:
    """A body sentence that states something: 8 to 45 words, starts with a capital, no aim or question."""
    n = len(sentence.split())
    return (8 <= n <= 45 and sentence[:1].isupper() and sentence.rstrip().endswith(".") and not _AIM.search(sentence)
            and "[" not in sentence and "http" not in sentence and sentence.count("(") == sentence.count(")")
            and not _CAPTION.search(sentence) and len(re.findall(r"\b[A-Z]{3,}\b", sentence)) <= 0.2 * n)


def sentence_case(text: str) -> str:
    """The text with a capital first letter and a full stop."""
    text = text.strip().rstrip(",;:. ")
    return text[:1].upper() + text[1:] + "."


def lower_first(text: str) -> str:
    """The text with a lower-case first letter unless it starts an acronym or name with more capitals."""
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


# --- supported ---------------------------------------------------------------------------------------------------

def shortened(sentence: str, rng: random.Random) -> str | None:
    """The sentence with its opener, its parentheses and a trailing clause dropped (whichever it has)."""
    text = _OPENER.sub("", sentence)
    text = _PAREN.sub("", text)
    trailing = _TRAILING.search(text)
    if trailing and not negated(text[trailing.start():]) and len(text[:trailing.start()].split()) >= 7:
        text = text[:trailing.start()]
    if (lead := _LEADING.match(text)) and rng.random() < 0.5 and len(text[lead.end():].split()) >= 7:
        text = text[lead.end():]
    text = sentence_case(text)
    return text if text != sentence and len(text.split()) >= 6 else None


def reordered(sentence: str, rng: random.Random) -> str | None:
    """A leading phrase ("In older patients, X was ...") moved to the end ("X was ... in older patients")."""
    text = _OPENER.sub("", sentence)
    lead = _LEADING.match(text)
    if not lead or _PAREN.search(lead.group(1)) or _RESPECTIVELY.search(text) or " than " in text:
        return None
    rest = text[lead.end():].rstrip(". ")
    return sentence_case(f"{rest} {lower_first(lead.group(1))}")


def reworded(sentence: str, rng: random.Random) -> str | None:
    """The sentence with one or two synonyms of the table swapped in (and its parentheses dropped)."""
    text = _PAREN.sub("", sentence)
    found = [(old, new) for old, new in REWORDINGS if re.search(r"\b" + re.escape(old), text, re.I)
             and not (old == "significantly " and re.search(r"\bnot significantly\b", text))]
    if not found:
        return None
    for old, new in rng.sample(found, min(2, len(found))):
        pattern = re.compile(r"\b" + re.escape(old), re.I)
        text = pattern.sub(lambda m, new=new: new[:1].upper() + new[1:] if m.group()[0].isupper() else new, text)
    return sentence_case(text)


# --- unsupported -------------------------------------------------------------------------------------------------

def comparative_swap(sentence: str, rng: random.Random) -> str | None:
    """One direction word turned round: higher for lower, increased for decreased, ..."""
    if negated(sentence) or _RESPECTIVELY.search(sentence):
        return None
    fixed = [m.span() for m in _FIXED.finditer(sentence)]
    found = [m for m in _DIRECTION.finditer(sentence)
             if not any(a <= m.start() < b or a <= m.end() + 1 < b for a, b in fixed)
             and sentence[m.end():m.end() + 1] != "-"]
    if not found:
        return None
    m = rng.choice(found)
    word = m.group()
    new = OPPOSITES[word.lower()]
    if word.lower() == "less" and re.match(r" [a-z]+s\b", sentence[m.end():]):
        new = "more"
    if word.lower() == "more" and re.match(r" (?:patients|people|women|men|children|cases|subjects)\b",
                                           sentence[m.end():]):
        new = "fewer"
    new = new[:1].upper() + new[1:] if word[0].isupper() else new
    return sentence[:m.start()] + new + sentence[m.end():]


def entity_swap(sentence: str, rng: random.Random) -> str | None:
    """Two terms of the sentence swapped: the sides of a comparison ("higher in men than in women" -> "in women
    than in men"), the items of a "respectively" list, or two groups or abbreviations the sentence contrasts."""
    return _sides_swapped(sentence) or _terms_swapped(sentence, rng)


def _sides_swapped(sentence: str) -> str | None:
    """The sides of a comparison, or the first two items of a "respectively" list, swapped."""
    if m := _RESPECTIVE.search(sentence):
        a, b = m.group(1), m.group(2)
        if a.lower() not in {"and", "both", "between", "the"} and a.lower() != b.lower():
            b = b[:1].upper() + b[1:] if a[0].isupper() else b
            a = lower_first(a) if m.start() > 0 or a[1:2].islower() else a
            return sentence[:m.start(1)] + b + " and " + a + sentence[m.end(2):]
    if _RESPECTIVELY.search(sentence):
        return None
    for pattern, (i, j) in ((_THAN, (2, 3)), (_THAN_THOSE, (2, 4)), (_COMPARED, (2, 3))):
        if m := pattern.search(sentence):
            a, b = m.group(i), m.group(j)
            if words(a) & words(b) or b.split()[0].lower() in {"those", "that", "expected", "the", "do", "does"}:
                continue
            return sentence[:m.start(i)] + b + sentence[m.end(i):m.start(j)] + a + sentence[m.end(j):]
    if m := _SUBJECT_THAN.search(sentence):
        a, b = m.group(1), m.group(4)
        if words(a) & words(b) or _PRONOUN.match(a) or b.split()[0].lower() in {"those", "that", "expected", "do"} \
                or re.search(r"\b(?:double|twice|half|times|expected)\b", m.group(3) + " " + b):
            return None
        return sentence_case(b)[:-1] + sentence[m.end(1):m.start(4)] + lower_first(a) + sentence[m.end(4):]
    return None


def _terms_swapped(sentence: str, rng: random.Random) -> str | None:
    """Two contrasted groups (men/women, intervention/control) or two abbreviations swapped, each said once, in a
    sentence that ties something to them (a number, a direction word, "than", "only"), not a plain list."""
    if _RESPECTIVELY.search(sentence) or not (_DIRECTION.search(sentence) or re.search(r"\d|\bthan\b|\bonly\b",
                                                                                   _PAREN.sub("", sentence))):
        return None
    bare = _PAREN.sub(lambda m: " " * len(m.group()), sentence)  # a term defined in parentheses is not swapped
    pairs = list(GROUPS)
    acronyms = [m.group() for m in _ACRONYM.finditer(sentence)
                if m.group() not in _NOT_TERMS and bare[m.start()] != " "]
    pairs += [(a, b) for i, a in enumerate(acronyms) for b in acronyms[i + 1:] if a != b]
    rng.shuffle(pairs)
    for a, b in pairs:
        found_a = list(re.finditer(rf"\b{re.escape(a)}\b", bare, re.I if a.islower() else 0))
        found_b = list(re.finditer(rf"\b{re.escape(b)}\b", bare, re.I if b.islower() else 0))
        if len(found_a) != 1 or len(found_b) != 1 or sentence.count(a) > 1 or sentence.count(b) > 1:
            continue
        first, second = sorted((found_a[0], found_b[0]), key=lambda m: m.start())
        between = bare[first.end():second.start()]
        # "men and women", "A versus B", "between A and B": a list or a symmetric pair, swapping says the same
        if len(between.split()) < 3 or re.search(r"\bbetween\b", bare[max(0, first.start() - 60):first.start()]):
            continue
        x, y = first.group(), second.group()
        swap_x = y[:1].upper() + y[1:] if x[0].isupper() and not y.isupper() else y if not y.isupper() else y
        swap_y = lower_first(x) if not x.isupper() and x[0].isupper() else x
        return (sentence[:first.start()] + swap_x + sentence[first.end():second.start()] + swap_y
                + sentence[second.end():])
    return None


def number_swap(sentence: str, rng: random.Random) -> str | None:
    """The two numbers of a comparison swapped: "from 12% to 25%" -> "from 25% to 12%"."""
    m = _NUMBER_PAIR.search(sentence)
    if not m:
        return None
    if m.group(1):
        first, second = (2, 3), (5, 6)
    else:
        first, second = (7, 8), (10, 11)
    x, y = m.group(first[0]), m.group(second[0])
    # A period of years turned round ("from 2010 to 2000") is no claim anyone would write
    years = all(1900 <= float(v) <= 2030 for v in (x, y))
    if x == y or years or m.group(first[1]).strip() != m.group(second[1]).strip():
        return None
    text = sentence
    # Replace the later one first so that the earlier span stays where it was
    text = text[:m.start(second[0])] + x + text[m.end(second[0]):]
    return text[:m.start(first[0])] + y + text[m.end(first[0]):]


def clause_move(sentence: str, rng: random.Random) -> str | None:
    """A term of one clause moved into another: "in A but not in B" -> "in B"; "X fell in A, whereas Y rose in B"
    -> "X fell in B"; "2.4% in group A and 10.1% in group B" -> "10.1% in group A"."""
    if m := _TWO_PLACES.search(sentence):
        if m.group(1) != m.group(4) and not words(m.group(3)) <= words(m.group(5)) \
                and not _RESPECTIVELY.search(sentence):
            return sentence_case(sentence[:m.start(1)] + m.group(4) + sentence[m.end(1):m.end(3)])
    if m := _BUT_NOT.match(sentence):
        other = m.group(4).strip()
        if len(other.split()) <= 5 and not words(other) <= words(m.group(3)):
            return sentence_case(m.group(1) + other)
    contrast = _CONTRAST.search(sentence)
    if contrast:
        first, second = sentence[:contrast.start()], sentence[contrast.end():]
        a, b = _LAST_PLACE.search(first), _LAST_PLACE.search(second.rstrip(". "))
        if a and b and a.group(1) == b.group(1) and not words(b.group(2)) <= words(a.group(2)) \
                and not negated(first) and not negated(second) and len(first.split()) >= 5 \
                and _OWN_VERB.search(second) and not _RESPECTIVELY.search(sentence) \
                and not _AIM.search(first) and _OWN_VERB.search(first) and not re.match(r"there\b", second, re.I):
            return sentence_case(first[:a.start(2)] + b.group(2))
    return None


def negation_added(sentence: str, rng: random.Random) -> str | None:
    """"not" put after the first auxiliary verb of a sentence without a negation."""
    if negated(sentence) or not _AUX.search(sentence):
        return None
    return _AUX.sub(lambda m: f"{m.group(1)} not", sentence, count=1)


def negation_removed(sentence: str, rng: random.Random) -> str | None:
    """The negation of a sentence taken away: "was not associated" -> "was associated", "no significant" -> "a"."""
    if len(_NOT.findall(sentence)) + len(re.findall(r"\bno significant\b", sentence, re.I)) != 1:
        return None
    if m := _NOT.search(sentence):
        text = sentence[:m.start()] + m.group(1) + sentence[m.end():]
    else:
        text = re.sub(r"\b([Nn])o significant (\w+)", lambda m: ("a " if not m.group(2).endswith("s") else "")
                      + f"significant {m.group(2)}", sentence, count=1)
        text = sentence_case(text)
    text = re.sub(r"\b(did|does|do) (differ|change)\b", lambda m: _EMPHATIC[m.group(1)](m.group(2)), text)
    return None if negated(text) else text


def number_changed(sentence: str, rng: random.Random) -> str | None:
    """One number of the sentence made larger (a year or list marker aside)."""
    found = [m for m in _NUMBER.finditer(sentence) if not 1900 <= float(m.group(1)) <= 2030]
    if not found:
        return None
    m = rng.choice(found)
    value = m.group(1)
    if "." in value:
        places = len(value.split(".")[1])
        new = f"{float(value) * 1.5 + 0.1:.{places}f}"
    else:
        new = str(int(value) * 2 + 3)
    return sentence[:m.start(1)] + new + sentence[m.end(1):]


def cross_sentence(first: str, second: str) -> str | None:
    """The subject of one sentence with the predicate of the next (same verb), when their subjects differ."""
    a, b = _VERB.match(first), _VERB.match(second)
    if not a or not b or a.group(2) != b.group(2) or _PRONOUN.match(a.group(1)) or _PRONOUN.match(b.group(1)):
        return None
    if words(a.group(1)) & words(b.group(1)) or words(a.group(1)) <= words(second):
        return None
    predicate = _PAREN.sub("", b.group(3)).split("; ")[0]
    if len(predicate.split()) > 25 or "," in predicate.split()[0] or negated(a.group(1)):
        return None
    return sentence_case(f"{a.group(1)} {a.group(2)} {predicate}")


ONE_SENTENCE: dict[str, Callable[[str, random.Random], str | None]] = {
    "shortened": shortened, "reordered": reordered, "reworded": reworded, "comparative_swap": comparative_swap,
    "entity_swap": entity_swap, "number_swap": number_swap, "clause_move": clause_move,
    "negation_added": negation_added, "negation_removed": negation_removed, "number_changed": number_changed}


def best_two(claim: str, found: list[str]) -> list[str]:
    """The two sentences that share the most words with the claim (what a model citing them would copy)."""
    mine = words(claim)
    return sorted(found, key=lambda s: -len(mine & words(s)) / max(1, len(mine | words(s))))[:2]


def half(source: str) -> str:
    """The half of the set a record's pairs belong to, stable across runs."""
    return "tune" if zlib.crc32(source.encode()) % 2 == 0 else "held_out"


def build(seed: int = 0, wide: bool = False) -> list[dict]:
    """Every candidate pair, then at most ``CAPS[kind]`` of each kind, chosen at random with ``seed``; ``wide``:
    from the 25 PDFs of pdfs-wide alone, a set for an independent check that no rule was tuned on."""
    rng = random.Random(seed)
    candidates: dict[str, list[dict]] = {kind: [] for kind in CAPS}
    ends = {} if wide else conclusions()
    for source, found in pdf_records(SHARED / "pdfs-wide") if wide else records():
        kept = [s for s in found if usable(s)]
        for i, sentence in enumerate(kept):
            # The sentence is cited with its neighbour half the time, as the app's evidence often is
            evidence = [sentence] + ([kept[i + 1]] if i + 1 < len(kept) and rng.random() < 0.5 else [])
            for kind, make in ONE_SENTENCE.items():
                claim = make(sentence, rng)
                if claim and claim != sentence:
                    candidates[kind].append({"source": source, "kind": kind, "evidence": evidence, "claim": claim})
            if i + 1 < len(kept) and (claim := cross_sentence(sentence, kept[i + 1])):
                candidates["cross_sentence"].append({"source": source, "kind": "cross_sentence",
                                                     "evidence": [sentence, kept[i + 1]], "claim": claim})
        for claim in ends.get(source, []):
            if len(claim.split()) >= 6:
                candidates["conclusion"].append({"source": source, "kind": "conclusion",
                                                 "evidence": best_two(claim, found), "claim": claim})
    pairs = []
    for kind, found in candidates.items():
        for pair in rng.sample(found, min(CAPS[kind], len(found))):
            pairs.append({**pair, "label": "supported" if kind in SUPPORTED else "unsupported",
                          "half": "independent" if wide else half(pair["source"])})
    pairs.sort(key=lambda p: (p["source"], p["kind"], p["claim"]))
    return [{"id": n, **pair} for n, pair in enumerate(pairs)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=0, help="print this many random pairs to read")
    parser.add_argument("--kind", default=None, help="print the sample from this kind only")
    parser.add_argument("--wide", action="store_true", help="from pdfs-wide, for an independent check")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    pairs = build(args.seed, args.wide)
    out = args.out or (OUT_WIDE if args.wide else OUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"seed": args.seed, "pairs": pairs}, handle, indent=1, ensure_ascii=False)
    print(json.dumps({"pairs": len(pairs), "labels": Counter(p["label"] for p in pairs),
                      "kinds": Counter(p["kind"] for p in pairs), "halves": Counter(p["half"] for p in pairs),
                      "sources": Counter(p["source"].split(":")[0] for p in pairs)}, indent=1))
    shown = [p for p in pairs if args.kind in (None, p["kind"])]
    for pair in random.Random(args.seed + 1).sample(shown, min(args.sample, len(shown))):
        print(f"\n#{pair['id']} {pair['kind']} ({pair['label']})\n  E: " + "\n  E: ".join(pair["evidence"])
              + f"\n  C: {pair['claim']}")


if __name__ == "__main__":
    main()
