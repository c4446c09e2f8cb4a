"""``rag eval``: retrieval, similarity and answer quality measured with the app's own stages (the commands
themselves are ``rag.cli.eval_commands``)."""
