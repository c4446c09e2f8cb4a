"""The ``rag`` command line: ingest files, search, ask, list and delete collections, re-index, models.

A thin layer over ``Engine``: parses arguments, prints results, and turns the app's errors into one line on
stderr and a non-zero exit status. The collection commands are here; ``model_commands`` (``rag models``,
``rag reindex``), ``finetune_command`` (``rag finetune``) and ``eval_commands`` (``rag eval``) add the others.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..answer.present import author_names, flag, left_out, where
from ..errors import RagError
from ..retrieve.filters import Filters
from ..settings import MODES, Settings


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        from ..engine import Engine

        if getattr(args, "background", False):  # batch work: answers served meanwhile get the cores first
            from ..cpu import yield_cpu

            yield_cpu(settings.background_nice, every_thread=True)
        return args.run(Engine(settings), args)
    except RagError as error:
        print(f"rag: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped reading (rag models | head): not an error of rag's
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is still buffered goes nowhere
        return 141  # as a shell reports a command ended by SIGPIPE


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rag", description="Ask questions about your biomedical documents, locally.")
    sub = top.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add files or folders to a collection (created if needed)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--collection", "-c", required=True)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="read, chunk and embed on Ray: a local instance, or the cluster at ADDRESS (HOST:PORT, "
                        "ray://HOST:PORT or auto); give it after the files")
    p.set_defaults(run=cmd_ingest, background=True)

    for name, run, help_ in (("search", cmd_search, "show the passages that best match a query"),
                             ("ask", cmd_ask, "answer a question with citations")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("query", metavar="QUERY" if name == "search" else "QUESTION")
        p.add_argument("--collection", "-c", action="append", required=True,
                       help="the collection to search; repeat it to search several as one")
        p.add_argument("-k", type=int, default=None, help="passages to retrieve (default RAG_TOP_K)")
        p.add_argument("--mode", choices=MODES, default=None, help="retrieval mode (default RAG_MODE)")
        p.add_argument("--document", action="append", default=[], metavar="NAME",
                       help="only this document (name, file name or id); repeat for several")
        p.add_argument("--year-from", type=int, metavar="YEAR", help="only documents published in YEAR or later")
        p.add_argument("--year-to", type=int, metavar="YEAR", help="only documents published in YEAR or earlier")
        p.add_argument("--journal", default="", help="only documents from a journal whose name contains this")
        p.add_argument("--json", action="store_true")
        p.set_defaults(run=run)

    p = sub.add_parser("collections", help="list collections, delete one, or copy one to or from PostgreSQL")
    p.add_argument("action", nargs="?", choices=["list", "delete", "copy"], default="list")
    p.add_argument("name", nargs="?")
    p.add_argument("--to", choices=["postgresql", "files"], help="copy: where to (the database is RAG_DATABASE_URL)")
    p.add_argument("--as", dest="new_name", default="", metavar="NAME", help="copy: the copy's name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_collections)

    p = sub.add_parser("documents", help="list the documents of a collection with their references, or remove one")
    p.add_argument("action", nargs="?", choices=["list", "remove"], default="list")
    p.add_argument("document", nargs="?")
    p.add_argument("--collection", "-c", required=True)
    p.add_argument("--json", action="store_true", help="each document's reference and passages as JSON")
    p.set_defaults(run=cmd_documents)

    from .eval_commands import add_parser as add_eval
    from .finetune_command import add_parser as add_finetune
    from .model_commands import add_parser as add_models
    from .model_commands import add_reindex

    add_models(sub)
    add_reindex(sub)
    add_finetune(sub)
    add_eval(sub)
    return top


def cmd_ingest(engine, args) -> int:
    from .model_commands import progress_bars

    progress, bars = progress_bars()
    report = engine.ingest(args.collection, args.paths, progress, args.ray)
    for bar in bars.values():
        bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        for name, count in report.added:
            print(f"added    {name} ({count} chunks)")
        for name, reason in report.skipped:
            print(f"skipped  {name}: {reason}")
        for name, reason in report.failed:
            print(f"failed   {name}: {reason}", file=sys.stderr)
        for name, warning in report.warnings:
            print(f"warning  {name}: {warning}", file=sys.stderr)
        print(f"{len(report.added)} added, {len(report.skipped)} skipped, {len(report.failed)} failed; "
              f"{report.chunks} chunks in {report.seconds:.1f} s")
    if not report.files:
        print("rag: no files found", file=sys.stderr)
    return 1 if report.failed or not report.files else 0


def filters(args) -> Filters:
    """The --document, --year-from, --year-to and --journal options as a filter."""
    return Filters(tuple(args.document), args.year_from, args.year_to, args.journal)


def cmd_search(engine, args) -> int:
    hits = engine.search(args.collection, args.query, args.k, args.mode, filters(args))
    if args.json:
        print(json.dumps({"query": args.query, "hits": [h.to_dict() for h in hits]}, indent=1))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"[{n}] {where(hit.to_dict(), len(args.collection) > 1)}  (score {hit.score:.3f})\n"
              f"    {hit.chunk.text[:300]}\n")
    if not hits:
        print("No passages found" + (f" in {filters(args).describe()}." if filters(args) else "."))
    return 0


def cmd_ask(engine, args) -> int:
    stream = engine.ask(args.collection, args.query, k=args.k, mode=args.mode, filters=filters(args))
    if args.json:
        print(json.dumps(stream.run().to_dict(), indent=1))
        return 0
    answer = stream.prepare()
    if answer.standalone != answer.question:
        print(f"Searched for: {answer.standalone}\n")
    if answer.evidence and not answer.declined:
        print("Evidence:")
        for e in answer.evidence:
            doi = answer.references.get(e.hit.chunk.document, {}).get("doi")
            print(f"[{e.n}] “{' '.join(e.text.split())}”\n    {where(e.to_dict(), len(answer.collections) > 1)}"
                  + (f" · https://doi.org/{doi}" if doi else ""))
        print("\nAnswer:")
    for piece in stream:
        sentences = answer.sentences
        print(piece + (flag(sentences[-1]) if sentences and piece.strip() == sentences[-1]["text"] else ""),
              end="", flush=True)
    print()
    if answer.note:
        print(f"\n{answer.note}")
    print(f"\n({answer.timings.get('total_ms', 0) / 1000:.1f} s)", file=sys.stderr)
    return 0


def cmd_collections(engine, args) -> int:
    if args.action == "copy":
        if not (args.name and args.to):
            raise RagError("Name the collection and where to copy it: rag collections copy NAME --to postgresql")
        done = engine.copy(args.name, args.to, args.new_name)
        print(json.dumps(done, indent=1) if args.json else f"Copied {done['collection']!r} ({done['documents']} "
              f"documents, {done['chunks']} passages) from {done['from']} to {done['to']} as {done['copy']!r} in "
              f"{done['seconds']} s.")
        return 0
    if args.action == "delete":
        if not args.name:
            raise RagError("Name the collection to delete: rag collections delete NAME")
        engine.delete(args.name)
        print(f"Deleted collection {args.name!r}.")
        return 0
    found = engine.collections()
    if args.json:
        print(json.dumps(found, indent=1))
    for c in [] if args.json else found:
        if c.get("damaged"):
            print(f"{c['name']}\tDAMAGED: {c['damaged']}")
        else:
            ann = c["index"]
            search = {"exact": "exact search", "hnsw": "HNSW search"}.get(ann["kind"]) or \
                f"IVF search (nprobe {ann['nprobe']})"
            print(f"{c['name']}\t{c['documents']} documents\t{c['chunks']} chunks\t{c['embeddings']}\t{search}")
    if not found and not args.json:
        print("No collections yet. Create one with: rag ingest PATH --collection NAME")
    return 0


def cmd_documents(engine, args) -> int:
    if args.action == "remove":
        if not args.document:
            raise RagError("Name the document to remove.")
        removed = engine.remove_document(args.collection, args.document)
        print(f"Removed {removed['source']}.")
        return 0
    records = sorted(engine.collection(args.collection).documents.items(), key=lambda d: d[1]["source"].lower())
    if args.json:
        print(json.dumps([reference(doc_id, d) for doc_id, d in records], indent=1, ensure_ascii=False))
        return 0
    for doc_id, d in records:
        doc = reference(doc_id, d)
        print(f"{doc_id}  {doc['source']}  {doc['passages']} passages{left_out(d)}")
        published = " ".join(filter(None, (doc["journal"], doc["year"])))
        said = (author_names(doc["authors"]), published, doc["doi"] and f"doi:{doc['doi']}",
                doc["pmid"] and f"PMID {doc['pmid']}")
        cited = " · ".join(part for part in said if part)
        print(f"    {doc['title']}" + (f"\n    {cited}" if cited else ""))
    return 0


def reference(doc_id: str, record: dict) -> dict:
    """A document's reference and what was indexed of it, as `rag documents --json` shows it."""
    meta = record.get("metadata") or {}
    return {"id": doc_id, "source": record["source"], "title": record.get("title", ""),
            "authors": list(meta.get("authors") or []), "journal": meta.get("journal", ""),
            "year": str(meta.get("year", "") or ""), "doi": meta.get("doi", ""), "pmid": meta.get("pmid", ""),
            "passages": record.get("chunks", 0), "pages": record.get("pages", 0),
            "left_out": record.get("left_out") or {}, "unreadable_pages": meta.get("unreadable_pages", [])}


if __name__ == "__main__":
    sys.exit(main())
