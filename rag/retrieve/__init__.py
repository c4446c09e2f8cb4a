"""Collections to hits: a search restricted to some documents (``filters``) and several collections searched as one,
their hits merged (``merge``). A single collection's search is its index's (``rag.index``)."""
