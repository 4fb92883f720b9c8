"""Dask clients for ``crossmargin run --dask``: a scheduler's address or a two-process local
cluster. An unreachable or malformed address is bad input, found before anything is written;
``$CROSSMARGIN_DASK_TIMEOUT`` (seconds) sets how long a scheduler is waited for."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sim.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

DASK_CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before the address is called bad input
DASK_TIMEOUT_VARIABLE = "CROSSMARGIN_DASK_TIMEOUT"  # overrides it (seconds, > 0)


def connect(address: str) -> Client:
    """A client of the dask scheduler at ``address``; an unreachable or malformed address is bad
    input (``ConfigError`` naming it)."""
    from distributed import Client
    from distributed.comm import resolve_address

    try:
        resolve_address(address)  # a malformed address would leave a half-built Client behind
        return Client(address, timeout=dask_timeout(), set_as_default=False)
    except (OSError, ValueError) as exc:  # TimeoutError and socket.gaierror are OSErrors
        raise ConfigError(
            f"--dask {address}: cannot connect to a dask scheduler there ({exc});"
            " give a running scheduler's address such as tcp://host:8786, or 'local'"
        ) from None


def dask_timeout() -> float:
    """Seconds to wait for a scheduler: $CROSSMARGIN_DASK_TIMEOUT, else DASK_CONNECT_TIMEOUT."""
    text = os.environ.get(DASK_TIMEOUT_VARIABLE) or str(DASK_CONNECT_TIMEOUT)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ConfigError(f"${DASK_TIMEOUT_VARIABLE}: {text!r} is not a number of seconds > 0")
    return seconds


def check_dask(address: str) -> None:
    """Fail early (before anything is written) when a scheduler address cannot be reached."""
    if address != "local":
        connect(address).close()


@contextmanager
def dask_client(address: str) -> Iterator[Client]:
    """A client of a new two-process local cluster (``"local"``) or of the scheduler at
    ``address``; closed (with the local cluster) on exit."""
    if address != "local":
        with connect(address) as client:
            yield client
        return
    from distributed import Client

    with local_cluster(2) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


# one BLAS/OpenMP thread per worker process: the workers themselves fill the cores
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

# A worker runs a replication (pure Python, holding the GIL) in a thread beside its event loop,
# whose periodic callbacks take the GIL from it: the tick monitor every 20 ms, the memory
# monitor every 100 ms, the system monitor every 500 ms, the statistical profiler every 10 ms.
# With dask's defaults 8 baseline replications on 2 local workers took 49.0-50.5 s (a run 11-15
# s), with these 29.4-40.5 s (a run 7-10 s, as in plain processes), alternating on one machine
# (issue 14). A run needs no dashboard profile, and far less memory than a worker's limit.
QUIET_WORKERS = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.tick.limit": "30s",
    "distributed.worker.memory.monitor-interval": "5s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.profile.enabled": False,
}


def local_cluster(n_workers: int) -> LocalCluster:
    """A local cluster of ``n_workers`` worker processes of one thread each, with BLAS pinned
    to one thread (``ONE_THREAD`` set before a worker process starts, so before numpy loads:
    dask's ``distributed.nanny.pre-spawn-environ``), quiet event loops (``QUIET_WORKERS``) and
    no dashboard."""
    import dask
    from distributed import LocalCluster

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **ONE_THREAD}
    # the workers' own logs are silenced below CRITICAL: a heartbeat that meets the closing
    # scheduler at shutdown logs a traceback that is not an error of the experiment (a failed
    # run still comes back with its traceback through its future, into manifest.json)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ, **QUIET_WORKERS}):
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            preload=["experiments.cancel"],  # workers ignore Ctrl-C: the client cancels them
        )
