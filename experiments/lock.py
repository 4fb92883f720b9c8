"""One run at a time per results folder: ``DIR/.lock`` names the process that writes ``DIR``.

The lock file is created with ``O_CREAT | O_EXCL`` (so of two runs exactly one creates it) and
holds JSON with the holder's pid, host, start time and a token; it is removed when the run ends,
also on an error or Ctrl-C. A second run on the folder is bad input (``ConfigError`` naming the
holder). A lock left by a process that is gone (same host, pid no longer alive) is taken over
with a warning. A lock of another host cannot be checked and is never taken over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.errors import ConfigError

LOCK_FILE = ".lock"
READ_RETRIES = 20  # a lock is written just after it is created: re-read an empty one a while
READ_PAUSE_SECONDS = 0.05
TAKEOVER_ATTEMPTS = 3

Warn = Callable[[str], None]


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(path: Path) -> dict | None:
    """The holder recorded in the lock file ``path``; None when it is gone; ``{}`` when it stays
    unreadable (empty or damaged) for about a second."""
    for _ in range(READ_RETRIES):
        try:
            holder = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            time.sleep(READ_PAUSE_SECONDS)
            continue
        if isinstance(holder, dict) and isinstance(holder.get("pid"), int):
            return holder
        time.sleep(READ_PAUSE_SECONDS)
    return {}


def _create(path: Path, holder: dict) -> bool:
    """Create the lock file holding ``holder``; False when it already exists."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(holder))
    return True


def _is_stale(holder: dict) -> bool:
    return holder.get("host") == socket.gethostname() and not pid_alive(holder["pid"])


def _refuse(folder: Path, holder: dict) -> ConfigError:
    lock = folder / LOCK_FILE
    if not holder:
        who = f"an unknown process ({lock} is unreadable)"
    else:
        who = f"process {holder['pid']} on {holder.get('host', '?')}"
        who += f" (started {holder['started']})" if holder.get("started") else ""
    return ConfigError(
        f"--out {folder}: results folder is in use by {who}; one run writes a results folder at"
        f" a time: wait for it, use another --out, or delete {lock} if that run is gone"
    )


def _describe(folder: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        f"--out {folder}: cannot lock the results folder ({exc.strerror or exc});"
        " give a folder that can be created and written"
    )


def acquire(folder: Path, warn: Warn) -> dict:
    """Take the lock of ``folder`` (created if missing); the holder record written. Raises
    ``ConfigError`` when a live process holds it or the folder cannot be written."""
    lock = folder / LOCK_FILE
    mine = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "token": uuid.uuid4().hex,
    }
    for _ in range(TAKEOVER_ATTEMPTS):
        if _create(lock, mine):
            return mine
        holder = read_lock(lock)
        if holder is None:  # released meanwhile: try again
            continue
        if not holder or not _is_stale(holder):
            raise _refuse(folder, holder)
        if read_lock(lock) == holder:  # still the same dead holder: take it over
            warn(f"{lock}: taking over the lock of process {holder['pid']}, which is gone")
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
    raise _refuse(folder, read_lock(lock) or {})


def release(folder: Path, mine: dict) -> None:
    """Remove the lock of ``folder`` if it is still ours."""
    lock = folder / LOCK_FILE
    if read_lock(lock) == mine:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


@contextlib.contextmanager
def results_lock(folder: Path, warn: Warn) -> Iterator[None]:
    """Hold the lock of results folder ``folder`` for the block; a folder this call created and
    that is empty at the end (a run refused by a later check) is removed again."""
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mine = acquire(folder, warn)
    except OSError as exc:
        raise _describe(folder, exc) from None
    try:
        yield
    finally:
        release(folder, mine)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
