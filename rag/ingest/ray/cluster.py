"""A Ray session for the Ray ingest: a local instance kept on this machine's loopback, or a running cluster.

Ray is imported here, and only when a Ray ingest is asked for; without it the message names what to install.
With no address a local instance starts with one CPU per core and no dashboard, and is shut down afterwards.
By default Ray takes the machine's network address and listens on every interface (an address given with
``_node_ip_address`` is overridden); with ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, read when Ray is imported, it
uses 127.0.0.1 and listens on loopback only. ``RAY_AUTH_MODE=disabled`` keeps it from writing a token under
``~/.ray``. Connecting to a cluster leaves both to the cluster's own configuration; usage statistics are off
either way. The workers import this process's own copy of the package (sent as a runtime environment), so a
cluster runs the code that asked. A process already connected to Ray (a notebook, a test session) keeps its
connection.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ClusterError
from ...settings import environment

PACKAGE = Path(__file__).resolve().parents[2]  # rag/
INSTALL = "pip install 'biorag[ray]' (or pip install 'ray[data]')"
ALWAYS = {"RAY_USAGE_STATS_ENABLED": "0"}
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled"}
ORIGIN = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.*)$", re.MULTILINE)  # "ValueError: ..." in a traceback
# "auto" (the cluster this machine belongs to), HOST:PORT of a head node, or ray://HOST:PORT (Ray Client)
ADDRESS = re.compile(r"auto|(ray://)?[A-Za-z0-9.\-]+:\d{1,5}|(ray://)?\[[0-9A-Fa-f:.]+\]:\d{1,5}")


def check(address: str | None) -> None:
    """Refuse, before anything is done, an address Ray could not mean or a machine without Ray."""
    check_address(address)
    with environment(variables(address)):  # Ray reads some of them when it is imported
        import_ray()


def check_address(address: str | None) -> None:
    """Refuse an address Ray could not mean (a file name swallowed by ``--ray``, say), saying what is expected."""
    if address and not ADDRESS.fullmatch(address):
        raise ClusterError(f"--ray {address!r} is not a Ray address: give HOST:PORT of the head node, "
                           "ray://HOST:PORT or auto, or --ray alone (after the files) for a local Ray instance.")


def variables(address: str | None) -> dict[str, str]:
    """The environment Ray runs in: usage statistics off, and a local instance kept on loopback."""
    return ALWAYS if address else {**ALWAYS, **LOOPBACK}


def import_ray():
    """The ``ray`` module with Ray Data, or a ``ClusterError`` naming what to install."""
    try:
        import ray
        import ray.data  # noqa: F401  (the pipeline's half of Ray, in the "data" extra)
    except ImportError as error:
        raise ClusterError(f"The Ray ingest needs Ray Data, which is not installed ({error}): {INSTALL}.") from None
    return ray


@contextmanager
def session(address: str | None = None) -> Iterator:
    """Ray for the length of the block: connected to ``address``, else a local instance on 127.0.0.1, shut down
    afterwards. Yields the ``ray`` module."""
    check(address)
    with environment(variables(address)):
        ray = import_ray()
        if ray.is_initialized():
            yield ray
            return
        if not address and listens_everywhere():
            raise ClusterError("Ray was imported before the Ray ingest could keep it on loopback: start the local "
                               "instance yourself (ray.init) or run the ingest in a process of its own.")
        # The workers run this copy of the package, whatever a node has installed: the same code, the same result
        options = {"logging_level": logging.WARNING, "log_to_driver": False,
                   "runtime_env": {"py_modules": [str(PACKAGE)], "excludes": ["__pycache__"]}}
        try:
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, **options)
        except Exception as error:  # noqa: BLE001 - Ray raises many kinds; each is said
            where = f"reached at {address}" if address else "started on this machine"
            raise ClusterError(f"Ray could not be {where}: {first_line(error)}") from error
        with quiet(ray):
            try:
                yield ray
            finally:
                ray.shutdown()


def listens_everywhere() -> bool:
    """Whether the Ray imported here would start a local instance on the machine's network address, not loopback.

    The only reach into Ray's insides (checked against Ray 2.60.0): ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` is read
    once, when Ray is imported, into ``ray._private.ray_constants.ENABLE_RAY_CLUSTER``; no public API says what it
    was. A Ray imported before ``session`` set the variable would listen on every interface.
    """
    from ray._private import ray_constants

    return bool(ray_constants.ENABLE_RAY_CLUSTER)


@contextmanager
def quiet(ray) -> Iterator[None]:
    """No progress bars or execution notes from Ray Data on stderr: the ingest draws its own progress."""
    context, log = ray.data.DataContext.get_current(), logging.getLogger("ray.data")
    before = context.enable_progress_bars, context.print_on_execution_start, log.level
    context.enable_progress_bars = context.print_on_execution_start = False
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        context.enable_progress_bars, context.print_on_execution_start = before[:2]
        log.setLevel(before[2])


def first_line(error: BaseException) -> str:
    """What went wrong, in one line: the first exception in the traceback a Ray worker sent (Ray carries it as
    text), else the innermost cause of ``error``, as its type and first line of text."""
    if found := ORIGIN.search(str(error)):
        return f"{found[1].rsplit('.', 1)[-1]}: {found[2].strip()}"
    for _ in range(16):  # down the chain of causes (Ray's own ``cause``, else Python's)
        inner = getattr(error, "cause", None) or error.__cause__
        if not isinstance(inner, BaseException):
            break
        error = inner
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else 'no message'}"
