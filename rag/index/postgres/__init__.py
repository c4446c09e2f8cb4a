"""The PostgreSQL storage (``RAG_DATABASE_URL``): collections as rows and tables of one database, with pgvector.

- ``storage``: ``PostgresStorage``, the collections of the database, shared by every app server using it;
- ``collection``: ``PgCollection``, one collection, each write one transaction under its row lock;
- ``index``: ``PgIndex``, a collection's passages table (vectors with HNSW, a ``tsvector`` for keywords);
- ``text``: BM25 over PostgreSQL's full-text search; ``database``: connections, the schema, one-line errors.

Nothing is imported here: psycopg is needed only once a database is used (``pip install 'biorag[postgres]'``).
"""
