"""The local backend: collections as folders on this machine, each a txtai index (exact or IVF FAISS, BM25, content).

- ``index``: ``TxtaiIndex``, the vector store of backend "faiss" (dense, bm25 and hybrid search);
- ``ann``: exact FAISS while it is fast enough, a calibrated IVF index above that; ``tuning``: faster BM25 and
  filtered FAISS searches, same results;
- ``txtai_adapter``: every reach into txtai's insides (its search rebuilt with those speed-ups, a reader's vectors
  memory-mapped from the saved file, vectors computed elsewhere indexed as txtai would have), each with its reason
  and the txtai version it was checked against;
- ``collection``: one versioned, crash-safe collection folder; ``store``: its manifest, atomic writes and file
  lock; ``storage``: ``FolderStorage``, the collections under the data folder.

Nothing is imported here: opening a collection loads no model and no FAISS until a search needs them.
"""
