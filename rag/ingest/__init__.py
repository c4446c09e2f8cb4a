"""Files into a collection: read (``rag.load``), chunk (``rag.chunk``), embed and commit as one new version.

- ``ingest``: the local ingest, file by file, and the steps the Ray ingest shares (read, prepare, additions,
  commit);
- ``reindex``: a collection rebuilt with another embedding model from its stored originals;
- ``ray``: the same ingest with reading, chunking and embedding on a Ray cluster (``rag ingest --ray``).
"""
