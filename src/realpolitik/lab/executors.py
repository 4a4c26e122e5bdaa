"""Where shards run: in this process, in a local process pool, or on a Dask distributed cluster.

An executor only computes; it never writes. The runner (one process) writes each finished shard and the
manifest, so there is a single writer whatever the executor, and a shard recomputed after a lost worker is
still written exactly once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

import pyarrow as pa

from .experiment import Experiment, run_shard

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


@functools.cache
def release_malloc_brakes() -> bool:
    """Let glibc keep freed memory for reuse in this process, when someone has told it not to.

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory goes back to the
    OS at once. Setting that also switches off glibc's adaptive mmap threshold, so every array above 128 KiB is
    then a fresh ``mmap`` whose pages are zeroed on first touch, and freed with ``munmap``. A model round makes
    dozens of such temporaries: a shard ran about 4× slower on a Dask worker than in a plain process (measured
    in ``benchmarks/bench_lab_dask.py``). With the thresholds raised, memory is reused from the heap; the
    worker's resident memory then stays at a shard's high-water mark (about 0.5 GB for 1,000 draws of the
    built-in scenario) instead of dropping between shards. Results are unchanged: this only moves memory.

    Done once per process, only where the variable is set and the C library is glibc; returns whether it was done.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 64 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 128 << 20))


def shard_task(experiment: Experiment, k: int) -> pa.Table:
    """What a worker runs for shard ``k``: :func:`run_shard`, in a process whose allocator suits it."""
    release_malloc_brakes()
    return run_shard(experiment, k)


class Executor(Protocol):
    name: str

    def map_shards(self, experiment: Experiment, shards: Sequence[int]) -> Iterator[tuple[int, pa.Table]]:
        """Yield (shard index, table) as shards finish, in any order."""
        ...


class LocalExecutor:
    """Shards one after another in this process (numpy already vectorises within a shard)."""

    name = "local"

    def map_shards(self, experiment: Experiment, shards: Sequence[int]) -> Iterator[tuple[int, pa.Table]]:
        for k in shards:
            yield k, shard_task(experiment, k)


class ProcessExecutor:
    """Shards on a pool of local worker processes (``--workers N``)."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = workers

    def map_shards(self, experiment: Experiment, shards: Sequence[int]) -> Iterator[tuple[int, pa.Table]]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(shard_task, experiment, k): k for k in shards}
            for future in as_completed(futures):
                yield futures[future], future.result()


class DaskExecutor:
    """Shards as tasks on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Dask re-runs a task whose worker died (up to the scheduler's ``allowed-failures``); since shards are pure
    and written only here, a killed worker costs time, never a lost or doubled shard.
    """

    name = "dask"

    def __init__(self, address: str | Any):
        self.address = address

    def map_shards(self, experiment: Experiment, shards: Sequence[int]) -> Iterator[tuple[int, pa.Table]]:
        from distributed import Client
        from distributed import as_completed as dask_completed

        client = self.address if isinstance(self.address, Client) else Client(self.address)
        try:
            scattered = client.scatter(experiment, broadcast=True)
            futures = [
                client.submit(shard_task, scattered, k, key=f"realpolitik-shard-{experiment.key()}-{k}", pure=False)
                for k in shards
            ]
            index = {f.key: k for f, k in zip(futures, shards, strict=True)}
            for future in dask_completed(futures):
                yield index[future.key], future.result()
        finally:
            if client is not self.address:
                client.close()
