"""Check that ``rag`` imports follow the flow: no import cycle, and no module importing from a later stage.

Stages, in the order data flows (a module may import from its own stage and the stages before it):
  0 foundation  errors, settings, documents, text, metrics, cpu, models (finding models, and making them fast)
  1 load        files -> documents
  2 chunk       documents -> passages
  3 index       passages -> index (the vector backends, where collections are stored, the answer gate's threshold)
  4 ingest      files -> a collection's new version (load, chunk, embed, commit; on Ray too)
    retrieve    collections -> hits (filters, several collections searched as one)
  5 answer      hits -> evidence -> answer (LLM, citations, presentation); finetune (a collection's model tuned)
  6 engine      the facade (engine), its models part (model_manager), the conversations it keeps (chats) and the
                jobs it runs in the background (jobs)
  7 outer       cli, ui, eval (users of the facade)
Reads the source with ``ast`` (imports inside functions count too); imports nothing of the package.
Usage: python scripts/check_imports.py   (exit 1 and one line per fault when the rules are broken)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "rag"
STAGES = {"errors": 0, "settings": 0, "documents": 0, "text": 0, "models": 0, "cpu": 0, "metrics": 0, "load": 1,
          "chunk": 2, "index": 3, "ingest": 4, "retrieve": 4, "answer": 5, "finetune": 5, "engine": 6,
          "model_manager": 6, "chats": 6, "jobs": 6, "cli": 7, "__main__": 7, "ui": 7, "eval": 7}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = ["rag", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> int:
    """The stage of a module ``rag.X...`` (the package ``rag`` itself counts as foundation)."""
    top = module.split(".")[1] if "." in module else ""
    if top not in STAGES and module != "rag":
        raise SystemExit(f"scripts/check_imports.py: {module} belongs to no stage; add it to STAGES")
    return STAGES.get(top, 0)


def imports(path: Path, module: str) -> set[str]:
    """Every ``rag`` module that ``path`` imports, resolved to a module that exists."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            names = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] == "rag")
    return found


def check(root: Path = ROOT) -> list[str]:
    """One line per fault found in the package at ``root``: a backward import or an import cycle."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph = {m: {i for i in imports(p, m) if i in modules and i != m} for m, p in modules.items()}
    faults = [f"{m} (stage {stage(m)}) imports {i} (stage {stage(i)}), a later stage"
              for m, targets in sorted(graph.items()) for i in sorted(targets) if stage(i) > stage(m)]
    # A package importing its own submodules is how packages re-export; only other edges make cycles
    edges = {m: {i for i in t if not i.startswith(m + ".")} for m, t in graph.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for i in sorted(edges[m]):
            if state.get(i) == 1:
                faults.append("import cycle: " + " -> ".join(trail[trail.index(i):] + [i]))
            elif i not in state:
                visit(i, trail + [i])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [m])
    return faults


if __name__ == "__main__":
    problems = check()
    print("\n".join(problems) or f"imports ok: {len(list(ROOT.rglob('*.py')))} modules, no cycle, no backward import")
    sys.exit(1 if problems else 0)
