"""Cancelling an experiment's work on Ctrl-C: local worker processes leave SIGINT to the parent,
which cancels the queued runs and terminates the workers busy with the others (long numpy and
SimPy work that would not stop by itself), with the clean-up itself shielded from a second
Ctrl-C. SIGTERM (``kill``) is handled the same way (``sigterm_as_interrupt``)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

TERMINATE_GRACE = 5  # seconds a terminated worker gets to exit before it is killed


def ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which cancels them (a terminal's Ctrl-C reaches the
    whole process group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def terminate_pool(pool: ProcessPoolExecutor, futures: list[Future]) -> None:
    """Cancel the queued runs and terminate the workers busy with the others (they would not
    stop otherwise): SIGTERM, then SIGKILL to any still alive after ``TERMINATE_GRACE``."""
    for future in futures:
        future.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    for process in processes:
        process.join(TERMINATE_GRACE)
        if process.is_alive():
            process.kill()
            process.join(TERMINATE_GRACE)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored for the block (a clean-up that a second Ctrl-C must not cut short)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker: object) -> None:
    """Preload of the local dask cluster's workers (``preload=["experiments.cancel"]``): they
    leave a terminal's Ctrl-C to the client, which cancels their runs and closes the cluster."""
    with contextlib.suppress(ValueError):  # only the main thread may set a handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """A Ctrl-C during the block takes effect (KeyboardInterrupt) at its end, so that the block
    (a file write) is never cut short; inside ``sigint_ignored`` it stays ignored."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``) received: handled as Ctrl-C is, with exit code 143."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` (a KeyboardInterrupt) for the block, so that a killed run
    stops its workers and records its finished runs as one interrupted by Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
