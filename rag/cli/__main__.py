"""``python -m rag.cli``: the command line, exiting with its status (the installed ``rag`` command is
``rag.__main__.run``, which also skips the interpreter's slow teardown)."""

import sys

from . import main

sys.exit(main())
