"""``rag eval``: retrieval, similarity and answer evaluation from the command line, with JSON and reports.

Each command builds a throwaway index of the evaluation corpus with the app's own chunking, model and
retrieval settings (overridable by flags), prints a table or JSON, and optionally writes a Markdown report
with a plot. The measuring itself is in ``rag.eval.retrieval`` and ``rag.eval.answers``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from ..chunk import ChunkSettings
from ..errors import RagError
from ..eval.retrieval import build_index, load_beir, load_pubmedqa, rank_documents
from ..metrics import summarize
from ..models import ModelInfo, resolve_embeddings
from ..settings import MODES

METRICS = ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "recall@100")


def add_parser(sub) -> None:
    """Register ``eval retrieval|similarity|answers`` on the CLI's subcommands."""
    top = sub.add_parser("eval", help="measure retrieval, similarity and answer quality")
    commands = top.add_subparsers(required=True, metavar="WHAT")

    p = commands.add_parser("retrieval", help="nDCG@10, Recall@k, MRR@10 on BEIR-layout data or PubMedQA")
    p.add_argument("--corpus", type=Path)
    p.add_argument("--queries", type=Path)
    p.add_argument("--qrels", type=Path)
    p.add_argument("--mode", choices=[*MODES, "all"], default=None)
    p.add_argument("--weight", type=float, default=None, help="dense weight in hybrid mode")
    _common(p, cmd_retrieval)

    p = commands.add_parser("similarity", help="the model card's PubMed QA pair similarity (Pearson x 100)")
    _common(p, cmd_similarity)

    p = commands.add_parser("answers", help="the app's answers on PubMedQA: citations, support, verdicts")
    p.add_argument("--mode", choices=MODES, default=None)
    p.add_argument("-k", type=int, default=None)
    p.add_argument("--no-verdicts", action="store_true", help="skip measuring the model's yes/no/maybe verdicts")
    p.add_argument("--format", default="", metavar="KEY=VALUE,...",
                   help="answer settings to measure instead of the model's catalogue entry, e.g. "
                        "prompt=prose,grammar=citations,max_tokens=160,verdicts=0")
    p.add_argument("--rows", type=Path, help="write every question's answer, sentences and verdict here (JSON)")
    _common(p, cmd_answers)


def _common(p: argparse.ArgumentParser, run) -> None:
    p.add_argument("--pubmedqa", type=Path, help="a PubMedQA file (dev.json layout)")
    p.add_argument("--limit", type=int, default=None, help="evaluate the first N questions only")
    p.add_argument("--skip", type=int, default=0, metavar="N",
                   help="start at question N+1 (every question's abstract is still indexed): a long run in parts")
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", type=Path, help="write a Markdown report (and a PNG plot) here")
    p.add_argument("--embeddings", "-e", default="", metavar="MODEL",
                   help="measure this embedding model instead of the configured one: a name from `rag models` "
                        "(pulled or fine-tuned), a model folder or a Hugging Face name")
    p.set_defaults(run=run)


def cmd_retrieval(engine, args) -> int:
    settings = engine.settings
    if args.pubmedqa:
        docs, queries, qrels = load_pubmedqa(args.pubmedqa)
    elif args.corpus and args.queries and args.qrels:
        docs, queries, qrels = load_beir(args.corpus, args.queries, args.qrels)
    else:
        raise RagError("Give --corpus, --queries and --qrels (BEIR layout), or --pubmedqa FILE.")
    queries = dict(list(queries.items())[: args.limit]) if args.limit else queries
    model = _model(engine, args)
    index, stats = _index(engine, model, docs)
    weight = settings.hybrid_weight if args.weight is None else args.weight
    modes = list(MODES) if args.mode == "all" else [args.mode or settings.mode]
    results = {}
    for mode in modes:
        results[mode] = summarize(rank_documents(index, queries, mode, weight), qrels)
    main = results[settings.mode if settings.mode in results else modes[0]]
    output = {**main, "mode": modes[0] if len(modes) == 1 else settings.mode, "modes": results, "index": stats,
              "settings": {"model": model.name, "precision": model.precision,
                           "hybrid_weight": weight,
                           "chunk_tokens": stats["chunk_tokens"], "chunk_overlap": settings.chunk_overlap}}
    _print(args, output, [{"mode": m, **{k: r[k] for k in METRICS}} for m, r in results.items()])
    if args.report:
        ks = [1, 5, 10, 100]
        rows = [{"mode": m, **{k: r[k] for k in METRICS}, "queries": r["queries"]} for m, r in results.items()]
        plot = {"kind": "lines", "x": ks, "series": {m: [r[f"recall@{k}"] for k in ks] for m, r in results.items()},
                "xlabel": "k", "ylabel": "Recall@k"}
        _report(args, "Retrieval", rows, plot)
    return 0


def cmd_similarity(engine, args) -> int:
    from ..eval.answers import similarity

    records, model = _records(args), _model(engine, args)
    result = similarity(engine.scratch_index(model), records)
    output = {"pearson": result["pearson"], "pairs": result["pairs"], "model": model.name}
    _print(args, output, [output])
    if args.report:
        plot = {"kind": "hist", "series": {"question + own answer": result["positives"],
                                           "question + shuffled answer": result["negatives"]},
                "xlabel": "cosine similarity", "ylabel": "pairs"}
        _report(args, "PubMedQA similarity", [output], plot)
    return 0


def cmd_answers(engine, args) -> int:
    from ..eval.answers import answers

    records = _records(args)
    settings = engine.settings.with_(top_k=args.k, mode=args.mode)
    docs, _, _ = load_pubmedqa(args.pubmedqa)
    model = _model(engine, args)
    index, _ = _index(engine, model, docs)
    how = answer_format(args.format, engine.models.llm_name)
    result = answers(index, engine.models.llm, records, settings, engine.models.llm_name, verdicts=not args.no_verdicts,
                     how=how, keep=bool(args.rows))
    if args.rows:
        args.rows.write_text(json.dumps(result.pop("rows"), indent=1))
    output = {k: v for k, v in result.items() if k != "latencies_ms"}
    output["answering"] = how.__dict__
    output.update(mode=settings.mode, k=settings.top_k, llm=engine.models.llm_name, model=model.name)
    _print(args, output, [output])
    if args.report:
        plot = {"kind": "hist", "series": {"answer time": [ms / 1000 for ms in result["latencies_ms"]]},
                "xlabel": "seconds per question (retrieval + answer)", "ylabel": "questions", "bins": 20}
        _report(args, "PubMedQA answers", [output], plot)
    return 0


def answer_format(text: str, llm_name: str):
    """The model's answer settings with ``KEY=VALUE`` overrides from ``--format``."""
    from dataclasses import fields, replace

    from ..models.catalogue import answering

    how = answering(llm_name)
    types = {f.name: f.type for f in fields(how)}
    changes = {}
    for pair in filter(None, text.split(",")):
        key, _, value = pair.partition("=")
        if key not in types:
            raise RagError(f"--format: unknown setting {key!r}; known: {', '.join(types)}.")
        kind = types[key] if isinstance(types[key], str) else types[key].__name__
        changes[key] = int(value) if kind == "int" else value not in ("0", "false", "") if kind == "bool" else value
    return replace(how, **changes)


def _records(args) -> dict:
    from ..eval.answers import read_pubmedqa

    if not args.pubmedqa:
        raise RagError("Give --pubmedqa FILE.")
    records = read_pubmedqa(args.pubmedqa)
    return dict(list(records.items())[args.skip: args.skip + args.limit if args.limit else None])


def _model(engine, args) -> ModelInfo:
    """The embedding model to measure: --embeddings if given (in the arithmetic the app would use), else the
    configured one."""
    if not args.embeddings:
        return engine.models.embeddings
    return resolve_embeddings(args.embeddings, engine.settings.allow_download, engine.models.embeddings.precision,
                              engine.model_store)


def _index(engine, model: ModelInfo, docs):
    chunking = ChunkSettings(min(engine.settings.chunk_tokens, model.maxlength - 2), engine.settings.chunk_overlap)
    index, stats = build_index(docs, model, chunking, index=engine.scratch_index(model))
    return index, {**stats, "chunk_tokens": chunking.max_tokens}


def _print(args, output: dict, table: list[dict]) -> None:
    if args.json:
        print(json.dumps(output, indent=1))
        return
    columns = list(table[0])
    print("  ".join(f"{c:>12}" for c in columns))
    for row in table:
        print("  ".join(f"{row[c]:>12.4f}" if isinstance(row[c], float) else f"{str(row[c]):>12}" for c in columns))


def _report(args, title: str, rows: list[dict], plot: dict) -> None:
    from ..eval.report import write_report

    command = "rag " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("rag") else "rag eval"
    png = write_report(args.report, title, rows, plot, command)
    print(f"report: {args.report} ({png.name})", file=sys.stderr)
