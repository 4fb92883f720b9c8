"""Named random streams of one run.

One root seed per run. Each component asks for its stream by name; the stream is seeded by
``SeedSequence(root, spawn_key=(crc32(name),))``, so a stream's draws depend only on the root seed
and its own name: adding, removing or reordering other streams (or changing another component's
parameters) never shifts them. This is what gives common random numbers across scenarios.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent, named ``numpy.random.Generator`` objects for one run."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (created on first use, then shared)."""
        if name not in self._cache:
            seq = np.random.SeedSequence(self.seed, spawn_key=(stream_key(name),))
            self._cache[name] = np.random.Generator(np.random.PCG64(seq))
        return self._cache[name]


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Seed of each replication, the same for every scenario (common random numbers)."""
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
