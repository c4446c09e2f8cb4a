"""``rag finetune``: fine-tune a collection's embedding model on its own documents, with a progress bar, and print
the held-out figures before and after."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("finetune", help="fine-tune the embedding model on a collection's own documents",
                       description="Builds (anchor, positive) pairs from the collection (title -> first passage, "
                                   "section heading and first sentence -> the rest of the passage, PubMed title -> "
                                   "abstract) and from --pairs, holds a tenth of the documents out, trains with "
                                   "MultipleNegativesRankingLoss (scale 20, cosine) and saves the model under "
                                   "RAG_DATA_DIR/models/. The collection is not changed: `rag reindex -c NAME -e "
                                   "MODEL` moves it to the new model.")
    p.add_argument("--collection", "-c", required=True)
    p.add_argument("--pairs", type=Path, metavar="FILE",
                   help='JSONL, one {"anchor": ..., "positive": ...} a line (e.g. your questions and their passages)')
    p.add_argument("--only-pairs", action="store_true", help="train on the --pairs file alone")
    p.add_argument("--epochs", type=int, default=1, help="passes over the pairs (default 1)")
    p.add_argument("--batch-size", type=int, default=0, help="pairs a step (default 16 on a CPU, 64 on a GPU)")
    p.add_argument("--output", "-o", default="", metavar="MODEL_NAME",
                   help="the new model's name (default: <collection>-tuned)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_finetune, background=True)


def cmd_finetune(engine, args) -> int:
    from tqdm import tqdm

    if args.only_pairs and not args.pairs:
        print("rag finetune: --only-pairs needs --pairs FILE", file=sys.stderr)
        return 2
    bar = None

    def progress(step: int, steps: int, loss: float) -> None:
        nonlocal bar
        bar = bar or tqdm(total=steps, desc="training", unit="step", file=sys.stderr, dynamic_ncols=True)
        bar.n = step
        bar.set_postfix_str(f"loss {loss:.3f}" if step else "", refresh=True)

    print(f"Reading {args.collection} and measuring the model on held-out pairs…", file=sys.stderr)
    try:
        done = engine.models.finetune(engine.collection(args.collection), args.output, args.pairs, args.epochs,
                                      args.batch_size, progress, args.only_pairs)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(done, indent=1))
        return 0
    pairs, before, after = done["pairs"], done["before"], done["after"]
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(pairs["kinds"].items()))
    print(f"Fine-tuned {done['base']} on {pairs['train']} pairs ({kinds}), {done['recipe']['epochs']} epoch(s), "
          f"{done['steps']} steps in {done['seconds']:.0f} s on {done['device']}.\n"
          f"Held out: {pairs['held_out']} pairs from documents it was not trained on.\n"
          f"{'':18}{'before':>8}{'after':>8}\n"
          f"{'Pearson x 100':18}{before['pearson']:>8.2f}{after['pearson']:>8.2f}\n"
          f"{'nDCG@10':18}{before['ndcg@10']:>8.4f}{after['ndcg@10']:>8.4f}\n"
          f"Saved as {done['name']}. Move a collection to it with "
          f"`rag reindex -c {_quoted(args.collection)} -e {done['name']}`.")
    return 0


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name
