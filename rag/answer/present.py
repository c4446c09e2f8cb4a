"""Presenting answers to people: safe Markdown, highlighted cited sentences, and a Markdown export.

Document text and model output are shown as text: every character Markdown or HTML could act on is escaped,
so a passage holding ``<script>`` or ``![](http://...)`` displays those characters and does nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from ..text import split_sentences, words
from .prompts import is_abstention

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'^@])")


def escape(text: str) -> str:
    """Text made inert for Streamlit Markdown: markup characters escaped, line breaks kept."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def highlight(passage: str, claims: list[str]) -> list[tuple[str, bool]]:
    """The passage as (text, highlighted) runs: highlighted are the sentences that best support the claims."""
    spans = split_sentences(passage)
    if not spans:
        return [(passage, False)]
    claim_words = [words(c) for c in claims if words(c)]
    marked = set()
    for claim in claim_words:
        shares = [len(claim & words(passage[a:b])) / len(claim) for a, b in spans]
        best = max(range(len(spans)), key=shares.__getitem__)
        marked.update(i for i, share in enumerate(shares) if share >= 0.5 or (i == best and share >= 0.2))
    runs, last = [], 0
    for i, (a, b) in enumerate(spans):
        if a > last:
            runs.append((passage[last:a], False))
        runs.append((passage[a:b], i in marked))
        last = b
    if last < len(passage):
        runs.append((passage[last:], False))
    return runs


def highlighted_markdown(passage: str, claims: list[str]) -> str:
    """Safe Markdown of a passage with its supporting sentences on a highlighted background."""
    return "".join(f":orange-background[{escape(t)}]" if mark and t.strip() else escape(t)
                   for t, mark in highlight(passage, claims))


def answer_note(answer: dict) -> str:
    """What a reader should know about an answer's sources (in its JSON shape), or '' when nothing."""
    if answer.get("declined"):
        return ("No passage of this collection is close to the question, so the LLM was not asked. The closest "
                "passages are below.")
    if answer.get("error"):  # the LLM failed to answer: the error itself is shown, not a note on citations
        return ""
    if answer["passages"] and not answer["citations"] and not is_abstention(answer["answer"]):
        return "The answer cites no evidence: check it against the retrieved passages below."
    return answer.get("note", "")


def flag(sentence: dict) -> str:
    """The mark after an answer sentence that its evidence does not support ('' for a supported one)."""
    return "" if sentence["supported"] else f" [unsupported: {sentence['reason']}]"


def answer_markdown(answer: dict) -> str:
    """Safe Markdown of the answer, each sentence followed by a red mark when its evidence does not support it."""
    if not answer.get("sentences"):
        return escape(answer["answer"])
    return "".join(sentence_markdown(("" if i == 0 else " ") + s["text"], s) for i, s in enumerate(answer["sentences"]))


def sentence_markdown(text: str, sentence: dict | None) -> str:
    """One streamed piece as ``answer_markdown`` shows it: the text, and its mark when it is unsupported.

    The live view and every later view are built from the same pieces, so they show the same characters.
    """
    if sentence is None or not flag(sentence):
        return escape(text)
    return escape(text) + f" :red[⚠ {escape(flag(sentence).strip(' []'))}]"


def left_out(document: dict) -> str:
    """'; 12 left out (references 10, keywords 2); pages 3, 4 unreadable (broken text layer)' for a document
    record, or '' when nothing was left out."""
    counts, pages = document.get("left_out") or {}, (document.get("metadata") or {}).get("unreadable_pages")
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    said = f"; {sum(counts.values())} left out ({kinds})" if counts else ""
    if pages:
        said += f"; page{'s' if len(pages) > 1 else ''} {', '.join(map(str, pages))} unreadable (broken text layer)"
    return said


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in "…" when it was cut."""
    if len(text) <= limit:
        return text
    return (text[:limit].rsplit(" ", 1)[0] or text[:limit]).rstrip(" ,;:") + "…"


def where(hit: dict, collection: bool = False) -> str:
    """'document, page N' for a hit (or evidence item) in its JSON shape; with ``collection``, the collection it
    came from before it ('Trauma / document, page N'), for an answer drawn from several."""
    return (f"{hit['collection']} / " if collection and hit.get("collection") else "") + hit["document"] \
        + (f", page {hit['page']}" if hit.get("page") else "")


def links(reference: dict) -> str:
    """Markdown links to a reference's DOI and PubMed record ('' when it has neither); opened only when clicked."""
    shown = []
    if doi := reference.get("doi"):
        shown.append(f"[doi:{escape(doi)}](https://doi.org/{quote(doi, safe='/().;:-_')})")
    if pmid := reference.get("pmid"):
        shown.append(f"[PMID {escape(pmid)}](https://pubmed.ncbi.nlm.nih.gov/{quote(str(pmid))}/)")
    return " · ".join(shown)


def author_names(authors) -> str:
    """The first three authors, then "et al." (a reference's author list; a plain string is kept as it is)."""
    if not isinstance(authors, list):
        return authors or ""
    return ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")


def cite(reference: dict) -> str:
    """One reference line: authors, title, journal and year where known, and its DOI/PMID links."""
    published = " ".join(str(reference[k]) for k in ("journal", "year") if reference.get(k))
    parts = [author_names(reference.get("authors")), reference.get("title", ""), published]
    text = ". ".join(escape(p.strip().rstrip(".")) for p in parts if p and p.strip())
    return f"{text}. {links(reference)}".strip() if text else links(reference)


def export_markdown(collection: str, messages: list[dict]) -> str:
    """A conversation as a Markdown document: each question, its answer, and the answer's references."""
    lines = [f"# Conversation about the collection “{collection}”", "",
             f"Exported {datetime.now():%Y-%m-%d %H:%M}.", ""]
    for message in messages:
        if message["role"] == "user":
            lines += [f"## {message['content']}", ""]
            continue
        answer = message.get("answer") or {}
        sentences = answer.get("sentences") or []
        lines += [" ".join(s["text"] + flag(s) for s in sentences) if sentences else message["content"], ""]
        for said in (answer.get("error"), answer.get("note")):
            lines += [f"_{said}_", ""] if said else []
        if answer.get("evidence"):
            lines += ["Evidence:", ""]
            several = len(answer.get("collections") or []) > 1
            lines += [f"{e['n']}. {where(e, several)}: “{' '.join(e['text'].split())}”" for e in answer["evidence"]]
            lines.append("")
        cited = {e["document"] for e in answer.get("evidence") or []}
        refs = {d: r for d, r in (answer.get("references") or {}).items() if d in cited}
        if refs:
            lines += ["References:", ""] + [f"- {escape(d)}: {cite(r)}" for d, r in sorted(refs.items())] + [""]
    return "\n".join(lines)
