"""Training pairs for fine-tuning an embedding model: (anchor, positive) texts, as sentence-transformers'
MultipleNegativesRankingLoss takes them, built from a collection's own documents or read from a file.

From each document: its title -> its first passage (a PubMed record's title -> its abstract, the recipe
PubMedBERT's embeddings were trained with), and each body passage's section heading and first sentence -> the
rest of the passage. Only passages the collection indexes are used (reference lists and front matter never are).
A pairs file is JSONL, one ``{"anchor": ..., "positive": ...}`` object a line (sentence-transformers' column
names): question -> passage pairs that a user wrote. This module makes pairs; it trains nothing.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from ..documents import Chunk, Document
from ..errors import RagError
from ..text import split_sentences

MIN_ANCHOR_WORDS, MIN_POSITIVE_WORDS = 4, 12


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    kind: str  # "title", "section" or "file"
    group: str  # the document it came from (or the file line): held-out pairs are whole groups


def document_pairs(doc: Document, chunks: list[Chunk], group: str) -> list[Pair]:
    """The pairs of one document, from ``chunks``: the passages of it that the collection indexes."""
    pairs = []
    title = " ".join(doc.title.split())
    if chunks and len(title.split()) >= MIN_ANCHOR_WORDS and title != doc.source:
        first = doc.text if doc.metadata.get("pmid") else chunks[0].text  # a PubMed record: the whole abstract
        first = first[len(title):].strip() if first.startswith(title) else first
        if len(first.split()) >= MIN_POSITIVE_WORDS:
            pairs.append(Pair(title, first, "title", group))
    for chunk in chunks:
        spans = split_sentences(chunk.text)
        if len(spans) < 2:
            continue
        sentence, rest = chunk.text[spans[0][0]:spans[0][1]], chunk.text[spans[1][0]:].strip()
        if len(sentence.split()) < MIN_ANCHOR_WORDS or len(rest.split()) < MIN_POSITIVE_WORDS:
            continue
        heading = " ".join((chunk.section or "").split())
        pairs.append(Pair(f"{heading}: {sentence}" if heading else sentence, rest, "section", group))
    return pairs


def read_pairs(path: Path) -> list[Pair]:
    """Pairs from a JSONL file of {"anchor", "positive"} objects; a line that is not one is an error naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise RagError(f"Pairs file {path}: cannot be read ({getattr(error, 'strerror', None) or error}).") from None
    pairs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            anchor, positive = record["anchor"], record["positive"]
        except (ValueError, TypeError, KeyError):
            raise RagError(f"Pairs file {path}, line {number}: not a JSON object with \"anchor\" and \"positive\" "
                           f"(one pair a line, e.g. {{\"anchor\": \"a question\", \"positive\": \"its passage\"}}).") \
                from None
        if not isinstance(anchor, str) or not isinstance(positive, str) or not anchor.strip() or not positive.strip():
            raise RagError(f"Pairs file {path}, line {number}: \"anchor\" and \"positive\" must be non-empty text.")
        pairs.append(Pair(anchor.strip(), positive.strip(), "file", f"line:{anchor.strip()}"))
    if not pairs:
        raise RagError(f"Pairs file {path} holds no pairs.")
    return pairs


def hold_out(pairs: list[Pair], share: float, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, held-out pairs): ``share`` of the groups (at least one, and never all) held out whole, so
    the held-out pairs come from documents (or questions) the model is not trained on."""
    groups = sorted({p.group for p in pairs})
    if len(groups) < 2:
        raise RagError("Too little to learn from: fine-tuning needs pairs from at least two documents (or two "
                       "questions in a pairs file), so that some can be held out to measure the result.")
    random.Random(seed).shuffle(groups)
    held = set(groups[:min(len(groups) - 1, max(1, round(share * len(groups))))])
    return [p for p in pairs if p.group not in held], [p for p in pairs if p.group in held]


def batches(pairs: list[Pair], size: int, seed: int) -> list[list[Pair]]:
    """Shuffled batches in which no text appears twice: a repeated positive would be counted as its own negative
    by the in-batch loss (sentence-transformers' NO_DUPLICATES sampler does the same)."""
    order = list(pairs)
    random.Random(seed).shuffle(order)
    out, waiting = [], order
    while waiting:
        batch, seen, later = [], set(), []
        for pair in waiting:
            if len(batch) < size and pair.anchor not in seen and pair.positive not in seen:
                batch.append(pair)
                seen.update((pair.anchor, pair.positive))
            else:
                later.append(pair)
        out.append(batch)
        waiting = later
    return [b for b in out if len(b) > 1]
