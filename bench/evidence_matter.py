"""How much of the evidence quoted for questions about the shared PDFs is front or back matter.

Ingests the shared PDFs (``pdfs`` and ``pdfs-wide``, 30 papers) into a scratch collection, prepares the answer
to each question of ``QUESTIONS`` (retrieval and evidence, as ``Engine.ask`` does before generating; no LLM is
loaded) and counts the evidence items that are a paper's front matter (title and author block, affiliations,
e-mail, ORCID, received/accepted dates, copyright and licence, keywords) or back matter (acknowledgments,
funding, competing interests, author contributions, data availability, references). The judge is a set of
patterns of its own (``judge``), written apart from ``rag.chunk.backmatter`` and ``frontmatter``; read its
output.

It also lists the body sentences of the five ``pdfs`` papers as the chunker keeps them: given the JSON of an
earlier run (``--compare``), it reports that run's counts beside its own, and the sentences that were body text
then and are not now (read them: each should be front matter, a declaration or a reference).

Writes bench/results/evidence_matter.json. Usage, before and after a change:
    .venv/bin/python bench/evidence_matter.py --keep --out /tmp/before.json     # on the code before
    .venv/bin/python bench/evidence_matter.py --compare /tmp/before.json        # on the code after
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from common import RESULTS, SHARED

from rag.chunk import ChunkSettings, chunk_document
from rag.chunk.backmatter import BODY
from rag.engine import Engine
from rag.load import load_file
from rag.settings import Settings
from rag.text import sentences

QUESTIONS = [
    "What are the complications of deep venous thrombosis prophylaxis in trauma patients?",
    "Can inferior vena cava filters migrate or penetrate the vessel wall?",
    "What are the risks of heparin for thromboprophylaxis in trauma patients?",
    "What barriers to setting up quality improvement were found at Kamuzu Central Hospital in Malawi?",
    "Which methods were used in the situational analysis of the Medical Department in Lilongwe?",
    "How do patients experience structured heart failure rehabilitation programmes?",
    "Did supervised exercise sessions increase the confidence of heart failure patients?",
    "How can fragment-based design produce N-domain-selective ACE inhibitors?",
    "What role does angiotensin-converting enzyme play in blood pressure regulation?",
    "What does the VESPA software automate for selective pressure analysis?",
    "Which programming languages is VESPA written in?",
    "What challenges do industry practitioners face in adopting software product line engineering?",
    "What are the antioxidant properties of carnosic acid in rosemary and sage?",
    "How does ribosomal frameshifting produce a second protein in influenza A virus?",
    "What is the maximum longevity of Atlantic sharpnose sharks estimated from tag-recapture data?",
    "How are microservices and DevOps adopted in the cyber-physical systems domain?",
    "How does a uniform data processing pipeline harmonize protein corona proteomics data across core facilities?",
    "What is social tagging and how is it used in the life sciences?",
    "How long is the transition from colostrum to mature milk in the giant panda?",
    "Is socioeconomic status associated with the risk of COPD in Chinese adults?",
    "What topics did the zoological medicine research topic cover?",
    "How can trace links between software architecture documentation and code be recovered?",
    "Which volatile metabolites are found in durum wheat kernels contaminated by Fusarium poae?",
    "Is colony size linked to paternity frequency in yellowjacket wasps and hornets?",
    "What did the Rhode Island wildlife camera trap survey record between 2018 and 2023?",
    "What factors influence wildlife roadkill in the Ngorongoro Conservation Area?",
    "How was the gas engine CCHP system optimized with the northern goshawk algorithm?",
    "How does climate change threaten the evolutionary history of crayfish?",
    "How do sanitary hot-water boosters affect the exergy efficiency of low-temperature district heating?",
    "How did the COVID-19 pandemic affect software developers' wellbeing and productivity?",
    "What is the canine cooperation hypothesis about dog-human cooperation?",
    "Do newly weaned grey seal pups recognise familiar individuals?",
    "How does the invasive plant garlic mustard suppress the growth of native tree seedlings?",
    "When was a gray wolf first detected by a camera trap in Nevada?",
    "Why are psychologists reluctant to share their research data?",
    "How does a semantic dependency graph improve event detection?",
    "What role does oxytocin play in recognition between grey seals?",
    "Which cohort was used to study socioeconomic status and chronic obstructive pulmonary disease?",
    # Questions whose words also fit a paper's acknowledgments, funding or contributions
    "How were X-ray diffraction data collected for the ACE crystal structures?",
    "Which computing facilities were used to run the VESPA analyses?",
    "How was the longline survey of sharks carried out and funded?",
    "How were the giant panda milk samples collected?",
    "How were DNA extraction and microsatellite genotyping done for the wasp colonies?",
    "Who collected the wasp colonies and performed the lab work?",
    "How did the Ngorongoro Conservation Area Authority support the roadkill study?",
    "Which institutions supported the research at the Wolf Science Center?",
]

# The judge: what front and back matter look like, independently of the rules under test
_MARKED_NAME = (r"(?:[A-Z][\w'’.\-]*\s+)+[A-Z][\w'’\-]*\s?(?:\d{1,2}(?:,\s?\d{1,2})*\s?[*∗†‡§]?|[*∗†‡§]+\d*)"
                r"\s*(?:,|&|\||·|and\b)")
FRONT = [
    ("author list", re.compile(rf"(?:{_MARKED_NAME}.*?){{2}}")),
    ("e-mail", re.compile(r"[\w.+-]+@[\w-]+\.\w")),
    ("ORCID", re.compile(r"\bORCID\b|orcid\.org", re.I)),
    ("affiliations", re.compile(r"(?:\b(?:Department|University|Institute|Faculty|School|College|Centre|Center)\b"
                                r".*?,.*?){3}")),
    ("dates", re.compile(r"\b(?:Received|Accepted|Published|Revised)\b:?\s+(?:\d{1,2}\s+)?[A-Z][a-z]+\.?\s+"
                         r"(?:\d{1,2},?\s+)?\d{4}")),
    ("editor", re.compile(r"\b(?:Academic Editor|Edited by|Reviewed by|Handling Editor|Cite this article|"
                          r"Citation:|Correspondence|CORRESPONDENCE)\b")),
    ("copyright", re.compile(r"©|\bCopyright\b|\blicen[cs]ed?\b|Creative Commons|open[- ]access article", re.I)),
    ("keywords", re.compile(r"\b(?:Key ?words|KEY ?WORDS)\b\s*:?\s*[A-Za-z]+\s*[,;|]|\bKEYWORDS\b")),
    ("address", re.compile(r"^\d+\s+[A-Z].*\b(?:Hospital|University|Institute|Department|Laboratory)\b")),
]
BACK = [
    ("heading", re.compile(r"^\W*(?:\d+\s+)*(?:Acknowledg|Funding|Competing interests?|Conflicts? of interests?|"
                           r"Authors?['’]? contributions?|Data availability|Declarations?|Author details|"
                           r"Publisher['’]s note)", re.I)),
    ("thanks", re.compile(r"\b(?:we|authors?) (?:\w+ ){0,3}(?:thank|acknowledge|are grateful)|\bgrateful to\b|"
                          r"\bthanks? (?:to|are due)\b|\bhelped with\b|\bgave advice\b", re.I)),
    ("funding", re.compile(r"\b(?:funded|supported) by (?:a |the )?(?:grants?|[A-Z]\w+ (?:\w+ )*(?:Foundation|"
                           r"Council|Trust|Agency|Programme|Program|Fund|Ministry))|\bgrant (?:number|no)\b|"
                           r"\bno role in (?:the )?study design", re.I)),
    ("declaration", re.compile(r"\b(?:competing|conflicts? of) interests?\b|"
                               r"\bdeclare[sd]? (?:that )?(?:they have )?no\b", re.I)),
    ("contributions", re.compile(r"^(?:[A-Z]{2,4}(?:,| and) )+[A-Z]{2,4} [a-z]+ ")),
    ("contributions", re.compile(r"\b(?:conceived|designed) (?:of )?(?:and designed )?the (?:study|experiments)|"
                                 r"\bwrote the (?:paper|manuscript)|\bapproved the final\b|"
                                 r"Writing [–-] (?:original|review)", re.I)),
    ("reference", re.compile(r"^\W*(?:\[\d+\]|\d+\.)\s+[A-Z][\w'’\-]+,? [A-Z]{1,2}\b")),
]


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def judge(text: str, title: str = "") -> tuple[str, str] | None:
    """("front", why) or ("back", why) when the text looks like front or back matter (or holds the paper's whole
    ``title``, as a title block or a "cite this article" line does), else None."""
    if len(_normal(title).split()) >= 4 and _normal(title) in _normal(text):
        return "front", "title"
    for side, patterns in (("front", FRONT), ("back", BACK)):
        for why, pattern in patterns:
            if pattern.search(text):
                return side, why
    return None


class _NoLLM:
    """Stands in for the LLM: a question without history is never rewritten, so it is never called."""

    def stream(self, *args, **kwargs):
        raise AssertionError("the LLM is not used by evidence selection")


class _Words:
    """A whitespace tokenizer: sentence kinds do not depend on the chunk size."""

    def count(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]


def body_sentences(folder: Path) -> dict[str, list[str]]:
    """The sentences of each PDF in ``folder`` that the chunker puts in body chunks."""
    found = {}
    for path in sorted(folder.glob("*.pdf")):
        [doc] = load_file(path)
        chunks = chunk_document(doc, "d", _Words(), ChunkSettings(max_tokens=10_000, overlap=0))
        found[path.name] = [s for c in chunks if c.kind == BODY for s in sentences(c.text)]
    return found


def kept(sentence: str, body: list[str]) -> bool:
    """Whether the body still holds ``sentence``, or what follows an "Abstract" (or "Summary") heading in it (a
    title block cut off its start), or what comes before a heading in capitals ("... disorders AUTHOR
    CONTRIBUTION Geoffrey Masuyer ...") that was cut off its end."""
    text = " ".join(" ".join(body).split())
    parts = [sentence] + [m.group(1) for m in re.finditer(r"\b(?:abstract|summary)\b[\s:.]*(.+)", sentence, re.I)]
    parts += [m.group(1) for m in re.finditer(r"^(.+?)\s+[A-Z]{4,}(?:\s[A-Z]{4,})*\s+[A-Z][a-z]", sentence)]
    return any(" ".join(part.split()) in text for part in parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=RESULTS / "evidence_matter.json")
    parser.add_argument("--keep", action="store_true",
                        help="also write every evidence item and the body sentences (what --compare reads)")
    parser.add_argument("--compare", type=Path, help="a --keep run's JSON (on the code before a change): its counts "
                        "and the body sentences of the five papers it had that are no longer body text")
    args = parser.parse_args()

    folders = [SHARED / "pdfs", SHARED / "pdfs-wide"]
    files = [(p.name, p) for folder in folders for p in sorted(folder.glob("*.pdf"))]
    titles = {m["file"]: m["title"] for folder in folders for m in json.loads((folder / "manifest.json").read_text())}
    with tempfile.TemporaryDirectory() as data:
        engine = Engine(Settings.from_env(data_dir=Path(data)), llm=_NoLLM())
        report = engine.ingest("papers", files)
        left_out: dict[str, int] = {}
        for record in engine.collection("papers").documents.values():
            for kind, n in (record.get("left_out") or {}).items():
                left_out[kind] = left_out.get(kind, 0) + n
        items = []
        for question in QUESTIONS:
            for e in engine.ask("papers", question).prepare().evidence:
                side, why = judge(e.text, titles.get(e.hit.chunk.document, "")) or (None, None)
                items.append({"question": question, "document": e.hit.chunk.document, "page": e.hit.chunk.page,
                              "text": e.text, "matter": side, "why": why})

    flagged = [e for e in items if e["matter"]]
    result = {"files": len(files), "chunks": report.chunks, "failed": report.failed, "left_out": left_out,
              "questions": len(QUESTIONS), "evidence": len(items),
              "front_matter": sum(e["matter"] == "front" for e in items),
              "back_matter": sum(e["matter"] == "back" for e in items), "flagged": flagged}
    body = body_sentences(SHARED / "pdfs")
    result["body_sentences"] = sum(len(v) for v in body.values())
    if args.compare:
        earlier = json.loads(args.compare.read_text())
        result["before"] = {k: earlier[k] for k in ("chunks", "left_out", "evidence", "front_matter", "back_matter",
                                                    "body_sentences", "flagged")}
        lost = {name: [s for s in was if not kept(s, body.get(name, []))] for name, was in earlier["body"].items()}
        result["body_sentences_lost"] = {k: v for k, v in lost.items() if v}
    if args.keep:
        result.update(items=items, body=body)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    for item in flagged:
        print(f"[{item['matter']}: {item['why']}] {item['document']} p{item['page']}: {item['text'][:160]!r}")
    long = ("flagged", "items", "body", "before", "body_sentences_lost")
    print(json.dumps({k: v for k, v in result.items() if k not in long}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
