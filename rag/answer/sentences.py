"""An answer's sentences as a reader meets them: where one ends, and which ones say nothing worth showing.

A model writing normal prose puts citations anywhere ("[1]", "[1][2]", "[1, 2]"), writes decimals, "et al." and
"Fig. 2", and sometimes puts a citation after the full stop ("... mortality. [2]"). The app's one sentence splitter
decides where sentences end; a citation that opens a sentence belongs to the one before it.

Two kinds of sentence are not shown as answers: one that states nothing beyond the question ("The evidence is
[1].", "The mortality rate of X is [1].") and one that says the documents do not answer. ``defects`` names the
forms of damage an answer grammar used to cause (glued words, glued numbers, a sentence cut before its fact) and the
tail of a sentence cut by a page or passage boundary, so that evaluation can count them. Pure functions; nothing
here calls a model.
"""

from __future__ import annotations

import re

from ..text import split_sentences, words
from .support import claim_text

_CITE = r"\[\d+(?:\s*[,–-]\s*\d+)*\]"  # "[2]", "[2, 3]", "[2-4]"
_LEADING_CITES = re.compile(rf"^(?:\s*{_CITE})+")
# A line that opens with a citation and goes on in words on that line: the numbered evidence list copied ("Statins in
# primary prevention\n[2] Statins reduced ..."); and citations alone on a line, which end the sentence above them
_LIST_LINE = re.compile(rf"\n\s*(?={_CITE}[ \t]*[^\s\[.!?])")
_CITES_LINE = re.compile(rf"\s*\n\s*(?=(?:{_CITE}\s*)+(?:[.!?]|$))")
_TRAILING_CITES = re.compile(rf"(?:\s*{_CITE})+\s*$")
_OPENING = re.compile(r"^\s*(?:\[[^\]]*\]?\s*)+")
_END = re.compile(r"(?:[.!?]|\])[\"'”’)]*$")

# Words that name the sources or the act of answering, not a finding: a sentence made of these and the question's
# own words adds nothing ("The evidence shows that [1].", "The study is about X [2].")
GENERIC = {
    "evidence", "evidences", "study", "studies", "passage", "passages", "document", "documents", "paper", "papers",
    "article", "text", "context", "source", "sources", "question", "answer", "information", "data", "result",
    "results", "finding", "findings", "research", "authors", "author", "trial", "analysis", "the", "and", "that",
    "this", "these", "those", "there", "which", "what", "was", "were", "are", "is", "has", "have", "had", "been",
    "with", "for", "from", "about", "into", "also", "such", "its", "their", "based", "according", "given",
    "show", "shows", "showed", "shown", "suggest", "suggests", "suggested", "indicate", "indicates", "indicated",
    "state", "states", "stated", "report", "reports", "reported", "found", "find", "provide", "provides",
    "provided", "mention", "mentions", "mentioned", "discuss", "discusses", "discussed", "describe", "describes",
    "described", "addressed", "examined", "studied", "investigated", "evaluated", "assessed", "considered",
    "yes", "can", "may", "might", "could", "would", "should", "will", "does", "did", "some", "other",
    # function words that a question and a sentence share without sharing a subject ("after", "how", "more")
    "after", "before", "during", "between", "among", "within", "over", "under", "than", "then", "they", "them",
    "how", "when", "where", "why", "who", "whom", "whose", "more", "less", "most", "many", "much", "any", "all",
    "each", "both", "very", "only", "being", "not",
}
_NEGATIONS = {"not", "no", "never", "none", "neither", "nor", "without", "cannot", "nothing", "lack"}
# "The evidence does not mention X", "No information is provided about X", "It is not stated": a refusal in prose
_DECLINES = re.compile(
    r"\b(?:evidence|documents?|passages?|texts?|context|sources?|information(?: provided| given)?|studies|study)\s+"
    r"(?:\w+\s+){0,2}(?:does|do|did|is|are|was|were)\s*(?:not|n't)\s+(?:\w+\s+){0,2}"
    r"(?:contain|provide|mention|state|specify|say|answer|address|include|give|discuss|report|describe|"
    r"offer|clarify|indicate|support|allow|available|sufficient|enough|clear)"
    r"|\bno (?:information|data|evidence|details?|mention)\b.{0,40}\b(?:provided|given|available|found|about|on|in"
    r"|regarding)\b"
    r"|\b(?:is|are) not (?:mentioned|stated|specified|provided|given|described|discussed|addressed) in\b"
    r"|\b(?:cannot|can not|can't) (?:be )?(?:determined|answered|concluded|said|tell|determine|answer)\b",
    re.I,
)
_GLUED_VERDICT = re.compile(r"^\W*(?:Yes|No)[A-Z][a-z]")
# "15.2.3", "1.2097538466778", and a day glued to a year ("February 15.2037")
_GLUED_NUMBER = re.compile(r"\d+\.\d+\.\d|\d\.\d{5,}|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? "
                           r"\d{1,2}\.\d{4}\b")
# "... the fact is [1]." / "... a recognized centre for teaching, [3]."
_CUT = re.compile(r"(?:[,;:]|\b(?:is|are|was|were|be|been|of|the|a|an|and|or|to|in|with|by|for|that|than|as|at|from|on|"
                  r"within|into|between|among|during|through|without|via|per)"
                  r")\s*(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+[.!?]?$", re.I)
# "Yes," "No." "No -" open a verdict; "No significant difference ..." does not
_VERDICT = re.compile(r"^\s*(?:yes|no)\s*(?:[,.:;!]|\s-|$)\s*", re.I)
# A sentence that opens with a lower-case word is the tail of one cut by a passage or page boundary ("samples and
# controls differed, ..."); a word that is lower-case by its own spelling (mRNA, p53, pH, iPSC, n=12) is no sign
_FRAGMENT = re.compile(r"^[\W\d]*[a-z][a-z'’-]*(?=[\s,;:]|$)")
# A one-word label the model put before a sentence ("Comparison: ...", "Found: ...")
_LABEL = re.compile(r"^[A-Z][a-z]{2,14}:\s+(?=\S)")
# A section heading that PDF text runs into the sentence after it: a known name, or a short heading in sentence case
# followed by a capitalised word that opens sentences ("Paternity All four species ...", "Spatial-temporal patterns
# of wildlife roadkill In most of the wildlife, ...")
_SECTIONS = ("Abstract|Background|Introduction|Methods?|Materials and [Mm]ethods|Results?|Discussion|Conclusions?|"
             "Objectives?|Aims?|Purpose|Findings|Summary|Limitations")
# As papers print them, and in capitals as structured abstracts do ("RESULTS: Of 120 patients ...")
_SECTION = re.compile(rf"^(?:{_SECTIONS}|{_SECTIONS.upper().replace('[MM]', 'M')})\s*[:.]?\s+(?=[A-Z])")
# Questions that ask for a quantity, and what a sentence answering one has: a number, or a word for a quantity
_QUANTITY_QUESTION = re.compile(r"^\s*(?:how (?:many|much)|(?:what|which) (?:\w+ ){0,2}(?:number|percentage|"
                                r"proportion|fraction|share)\b)", re.I)
_QUANTITY = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                       r"fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|half|"
                       r"twice|none|no|few|several|most|all|majority|minority|many|percent)\b", re.I)
# "The evidence mentions that ...", "According to the evidence, ...", "Based on the evidence provided, ...": words
# about the prompt, not about a paper
_PROMPT_WORDS = r"(?:evidence|documents?|passages?|texts?|context|information)(?: provided| given)?"
_CITED = r"(?: \[\d+(?:,\s*\d+)*\])?"
_LEAD_IN = re.compile(rf"^(?:(?:The |This )?{_PROMPT_WORDS}{_CITED} (?:\w+ )?(?:shows?|suggests?|states?|mentions?|"
                      r"indicates?|says|reports?|notes?|explains?|describes?|reveals?|highlights?|demonstrates?|"
                      rf"confirms?|found|finds) that|(?:According to|Based on) (?:the )?{_PROMPT_WORDS}{_CITED},)"
                      r"\s+(?=\S)", re.I)
# A sentence that only says what a study set out to do ("To assess quality of storage of vaccines in the community
# [1].", "The study aimed to evaluate the utility of risk stratification [1].") states no finding
_AIM = re.compile(r"^(?:To (?:assess|compare|evaluate|determine|investigate|examine|explore|test|identify|describe|"
                  r"analy[sz]e|measure|establish|estimate|characteri[sz]e|review|study|observe|quantify|ascertain|"
                  r"clarify|elucidate)\b(?!.*\b(?:was|were|is|are|"
                  r"had|has|have|did|does|showed|found|revealed|demonstrated)\b)|(?:The|This|Our|The present) (?:study|"
                  r"trial|review|analysis|research|paper|survey|work) (?:aimed|aims|sought|seeks|was designed|is "
                  r"designed) to\b|(?:We|The authors) (?:aimed|aim|sought|set out) to\b|The (?:(?:specific|main|"
                  r"primary|principal|overall) )?(?:aims?|purposes?|objectives?|goals?)(?: of (?:this|the|our) "
                  r"(?:study|trial|review|work|research))? (?:was|were|is|are) to\b|Our (?:aims?|purpose|objectives?|"
                  r"goals?) (?:was|were|is|are) to\b|(?:Evaluate|Assess|Compare|"
                  r"Determine|Investigate|Examine|Explore|Identify) (?:the|whether|if|how|a|an)\b)", re.I)
_FUNCTION = frozenset("a an and as at by for from in into of on or than the to with".split())
_HEADING = re.compile(r"^[A-Z][\w’'/-]*(?: [\w’'/-]+){0,11}?(?<=[a-z0-9])\s+(?=(?:In|The|All|We|Our|This|These|"
                      r"Those|A|An|To|For|Of|On|At|As|Although|Among|After|During|Here|It|Its|Most|Both|Each|Since|"
                      r"While|When|Using|There|However|Overall|Together|Thus|Taken)\s)")


def split_answer(text: str) -> list[str]:
    """The sentences of an answer, each with its own citations, placed at its end.

    Models cite in one of two styles: after the claim ("X fell [1]. Y rose [2].", where a citation that opens a
    sentence was written after the previous one's full stop) or, copying the numbered evidence list, before it
    ("[1] X fell. [2] Y rose."). An answer that opens with a citation is read in the second style. A line of
    citations alone ends the sentence above it ("X fell [2]\n[4]." is "X fell [2] [4]."). A line that opens with
    a citation and goes on in words starts a sentence, and after a line that does not end as a sentence (an
    evidence title copied without its full stop: "Statins in primary prevention\n[2] Statins reduced mortality
    [1].") the citation is that sentence's: the unfinished line stays a piece of its own, which is not shown.
    """
    before = bool(_LEADING_CITES.match(text.lstrip()))
    text = _CITES_LINE.sub(" ", text)  # "... premature CHD [2, 3]\n[4]." is one sentence, on one line
    found: list[str] = []
    pieces = [line[a:b].strip() for line in _LIST_LINE.split(text) for a, b in split_sentences(line)]
    for sentence in pieces:
        lead = _LEADING_CITES.match(sentence)
        # After a line with no ending (an evidence title copied as a heading), the citation labels what follows
        if lead and (before or (found and not complete(found[-1]))):
            rest = sentence[lead.end():].strip()
            if rest:
                sentence = cite_at_end(rest, lead.group().strip())
            else:
                sentence = ""  # a closing citation with no sentence after it: nothing of its own to cite
        elif lead and found:
            found[-1] = cite_at_end(found[-1], lead.group().strip())
            sentence = sentence[lead.end():].strip()
        if sentence:
            found.append(sentence)
    return found


def has_words(sentence: str) -> bool:
    """Whether a (possibly unfinished) sentence has words beyond the citations that open it."""
    return bool(_OPENING.sub("", sentence).strip())


def cite_at_end(sentence: str, cites: str) -> str:
    """``sentence`` with ``cites`` placed before its closing full stop ("X fell [1].")."""
    end = len(sentence) - len(sentence.rstrip(".!?"))
    body, stop = (sentence[:-end], sentence[-end:]) if end else (sentence, "")
    return f"{body} {cites}{stop}"


def fragment(sentence: str) -> bool:
    """Whether a sentence is the tail of a cut one: it opens with a word in lower case."""
    return bool(_FRAGMENT.match(sentence))


def with_full_stop(sentence: str) -> str:
    """A sentence that ends in its citation with no full stop, as a model listing evidence line by line writes it,
    with one ("X fell [1]" -> "X fell [1]."), so that sentences shown one after another read as sentences."""
    if _TRAILING_CITES.search(sentence) and not complete(_TRAILING_CITES.sub("", sentence)):
        return sentence.rstrip() + "."
    return sentence


def without_label(sentence: str) -> str:
    """The sentence without a one-word label the model put before it ("Comparison: X fell [1]." -> "X fell [1].")."""
    return _LABEL.sub("", sentence, count=1)


def heading_length(sentence: str) -> int:
    """How many characters of a section heading open the sentence (0 for none): "Discussion Weaned grey seal pups
    ..." and "Paternity All four species ..." are PDF text where a heading ran into the first sentence after it."""
    length = 0
    for pattern in (_SECTION, _HEADING):
        found = pattern.match(sentence[length:])
        # A heading does not end in a function word: "Patients in The Netherlands ..." is a sentence
        if found and found.group().split()[-1].lower() not in _FUNCTION \
                and len(words(sentence[length + found.end():])) >= 4:
            length += found.end()
    return length


def complete(sentence: str) -> bool:
    """Whether a sentence ends as sentences do (a full stop, question or exclamation mark, or a citation)."""
    return bool(_END.search(sentence.strip()))


def adds_nothing(sentence: str, question: str) -> bool:
    """Whether the sentence states nothing beyond the question: no content word of its own (a form of one of the
    question's words is not: "Social tags agreed with MeSH indexing" for "How well did social tags agree with MeSH
    indexing?"), no negation."""
    claim = _VERDICT.sub("", claim_text(sentence), count=1)  # a bare "Yes [1]." or "No." is a verdict, no finding
    asked = {_stem(w) for w in words(question)}
    own = {w for w in words(claim) - GENERIC if _stem(w) not in asked}
    said = set(re.findall(r"[a-z']+", claim.lower()))
    return not own and not (said & _NEGATIONS) and not any(w.endswith("n't") for w in said)


def _stem(word: str) -> str:
    """The word without a common ending: forms of one word share it ("agree"/"agreed", "index"/"indexing",
    "study"/"studies"), and "transfer"/"transformed" or "heart"/"hearing" do not."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


_ENDINGS = ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s", "e", "y")


def gives_no_number(sentence: str, question: str) -> bool:
    """Whether the sentence answers a question that asks for a quantity ("How many ...", "What percentage ...")
    with no number or quantity in it: "Volatile markers were selected for Fusarium poae contamination [1]." for
    "How many volatile markers were selected ...?" restates the question with a word of its own."""
    return bool(_QUANTITY_QUESTION.match(question)) and not _QUANTITY.search(claim_text(sentence))


def without_lead_in(sentence: str) -> str:
    """The sentence without a lead-in that names the prompt's evidence rather than a paper ("The evidence
    mentions that X fell [1]." -> "X fell [1]."): the citation already says where it comes from."""
    rest = _LEAD_IN.sub("", sentence, count=1)
    if rest == sentence or not rest:
        return sentence
    first = rest.split()[0]
    # "mRNA", "p53": lower case by their own spelling, kept as they are
    return rest[:1].upper() + rest[1:] if first[1:] == first[1:].lower() and first[1:].isalpha() else rest


def states_aim(sentence: str) -> bool:
    """Whether the sentence only says what a study set out to do, not what it found."""
    return bool(_AIM.match(claim_text(sentence)))


def says_no_answer(sentence: str) -> bool:
    """Whether the sentence says the documents do not answer (in words other than the fixed phrase)."""
    return bool(_DECLINES.search(claim_text(sentence)))


def without_verdict(sentence: str) -> str:
    """The sentence without an opening "Yes," or "No." (for a model not cleared to draw verdicts); the rest keeps
    its words, with a capital first letter."""
    rest = _VERDICT.sub("", sentence, count=1)
    if rest == sentence or not rest:
        return sentence
    return rest[:1].upper() + rest[1:]


def defects(sentence: str) -> list[str]:
    """The forms of damage seen in answers: 'glued' words or numbers, 'cut' (a sentence ending in a function word
    before its citation, or without an ending), and 'fragment' (the tail of a cut sentence, opening in lower case).
    An empty list for a sound sentence."""
    found = []
    if _GLUED_VERDICT.search(sentence) or _GLUED_NUMBER.search(sentence):
        found.append("glued")
    claim = claim_text(sentence)
    if _CUT.search(sentence.strip()) or not complete(sentence) or claim.count("(") > claim.count(")"):
        found.append("cut")  # a bracket opened and never closed: the copy of a sentence cut in the prompt
    if fragment(sentence):
        found.append("fragment")
    return found
