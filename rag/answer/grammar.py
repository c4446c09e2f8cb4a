"""The shape every answer must have, as a llama.cpp grammar (GBNF): cited sentences, or the no-answer phrase.

With the grammar the model cannot write a sentence without ending it in one or more [n] that exist: each
sentence is 3 to 30 words without brackets or full stops (a full stop only inside a number, as in 0.5), then
" [n]" one to three times, then ".". Up to three sentences. For a yes/no question asked of a model whose
verdicts were not shown to beat always answering the most common label, no sentence may start with "Yes" or
"No": such a model reports the evidence and draws no verdict.
"""

from __future__ import annotations

from .prompts import NO_ANSWER

MAX_SENTENCES = 3
MAX_WORDS = 30


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
