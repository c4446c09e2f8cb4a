"""The shape an answer must have, as llama.cpp grammars (GBNF): which one a model gets is in its catalogue entry.

``citation_grammar`` constrains only what must hold: a bracket opens a citation of evidence that exists
("[2]", "[1, 3]", "[1][2]"), at least one citation is made, and the no-answer phrase is the other way out. The
sentences themselves are the model's own, so decimals, "et al." and citations mid-sentence come out as written;
they are split and checked after generation (``sentences.py``, ``support.py``). It costs: llama.cpp checks every
token of the vocabulary against a grammar at each step, and over Qwen's 151k tokens that made the first sentence
several times slower, so the Qwen entries use no grammar at all.

``answer_grammar`` is the strict form the 135M model was shaped by. With it the model cannot write a sentence
without ending it in one or more [n] that exist: each sentence is 3 to 30 words without brackets or full stops (a
full stop only inside a number, as in 0.5), then " [n]" one to three times, then ".". Up to three sentences. For a
yes/no question asked of a model whose verdicts were not shown to beat always answering the most common label, no
sentence may start with "Yes" or "No": such a model reports the evidence and draws no verdict.
"""

from __future__ import annotations

from .prompts import NO_ANSWER

MAX_SENTENCES = 3
MAX_WORDS = 30


MAX_CITED = 4  # numbers in one bracket


def citation_grammar(count: int) -> str:
    """GBNF text for prose citing evidence numbers 1..count, or the no-answer phrase (count >= 1)."""
    numbers = " | ".join(f'"{n}"' for n in range(1, count + 1))
    return "\n".join([
        f'root ::= "{NO_ANSWER}" | answer',
        # Prose without brackets or line breaks, with at least one citation anywhere in it
        "answer ::= text? (cite text?)+",
        "text ::= [^\\[\\]\\n]+",
        f'cite ::= "[" num (", " num){{0,{MAX_CITED - 1}}} "]"',
        f"num ::= {numbers}",
    ])


def answer_grammar(count: int, verdicts: bool = True) -> str:
    """GBNF text for an answer citing evidence numbers 1..count (count >= 1)."""
    numbers = " | ".join(f'"{n}"' for n in range(1, count + 1))
    # A sentence opens with a capital or a digit; without verdicts, not with "Yes" or "No"
    first = ("[A-Z0-9] char*" if verdicts else
             '[A-MO-XZ] char* | [0-9] [^ .\\[\\]\\n)]* | "N" ([^o .\\[\\]\\n] char*)? | "No" [A-Za-z\\-] char* '
             '| "Y" ([^e .\\[\\]\\n] char*)? | "Ye" ([^s .\\[\\]\\n] char*)? | "Yes" [A-Za-z\\-] char*')
    return "\n".join([
        f'root ::= answer | "{NO_ANSWER}"',
        f'answer ::= sentence (" " sentence){{0,{MAX_SENTENCES - 1}}}',
        # Words without full stops or brackets, numbers with decimals; 3 to MAX_WORDS words, then the citations
        f'sentence ::= first (" " word){{2,{MAX_WORDS - 1}}} " " cite{{1,3}} "."',
        f"first ::= {first}",
        'word ::= char+ | [0-9]+ "." [0-9]+',
        'char ::= [^ .\\[\\]\\n]',
        'cite ::= "[" num "]"',
        f"num ::= {numbers}",
    ])
