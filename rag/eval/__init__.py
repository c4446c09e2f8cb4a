"""``rag eval``: retrieval, similarity and answer quality measured with the app's own stages."""
