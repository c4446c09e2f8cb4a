"""txtai's exact FAISS backend, read from a memory map: the backend a collection's readers open.

A reader never changes its index (writes go to a copy, see ``Collection.writing``), so its vectors can stay in
the saved file and be paged in by the kernel as searches touch them, instead of being read into the process's
own memory. That is what keeps a write from doubling the memory a collection takes: the reader's vectors are
file pages the kernel can drop, the writer's copy is the only one in private memory.
"""

from __future__ import annotations

import faiss
from txtai.ann.dense.faiss import Faiss

MAPPED = "rag.index.local.mapped.MappedFaiss"  # the name txtai resolves as a custom ANN backend


class MappedFaiss(Faiss):
    """A read-only FAISS index whose vectors are memory-mapped (``IO_FLAG_MMAP_IFC``)."""

    def load(self, path):
        self.backend = faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)

    def setting(self, name, default=None):
        """Settings from the ``faiss`` section (the saved index's: its components and nprobe)."""
        section = self.config.get("faiss") or {}
        return section[name] if name in section else default
