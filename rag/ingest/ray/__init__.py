"""The ingest on Ray (``rag ingest --ray``): reading and chunking in map tasks, embedding in an actor pool.

- ``ingest``: ``ray_ingest``, which commits through the local ingest's own steps, so the result is the same;
- ``workers``: what runs on the cluster (a file prepared, a batch embedded, the model sent to nodes without it);
- ``cluster``: the Ray session, kept on loopback when local, and the errors a worker raised, in one line.

Ray itself is imported only inside a session (``pip install 'biorag[ray]'``).
"""
