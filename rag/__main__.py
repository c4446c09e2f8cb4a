"""The installed ``rag`` command (``python -m rag`` too): the CLI, then a fast exit.

Once a command is done, Python would spend about a second freeing torch, transformers and txtai module by module
(measured by bench/ingest_e2e.py). ``run`` skips that teardown, but not what must happen before a process ends:
other threads finish, the exit handlers run (logging, temporary folders, Ray) and the output is flushed.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

from .cli import main


def run() -> None:
    code = main()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (rag ... | head): nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
