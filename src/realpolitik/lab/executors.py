"""Where shards run: in this process, in a local process pool, or on a Dask distributed cluster.

An executor only computes; it never writes. The runner (one process) writes each finished shard and the
manifest, so there is a single writer whatever the executor, and a shard recomputed after a lost worker is
still written exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

import pyarrow as pa

from .experiment import Experiment, run_shard


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
            yield k, run_shard(experiment, k)


class ProcessExecutor:
    """Shards on a pool of local worker processes (``--workers N``)."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = workers

    def map_shards(self, experiment: Experiment, shards: Sequence[int]) -> Iterator[tuple[int, pa.Table]]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(run_shard, experiment, k): k for k in shards}
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
                client.submit(run_shard, scattered, k, key=f"realpolitik-shard-{experiment.key()}-{k}", pure=False)
                for k in shards
            ]
            index = {f.key: k for f, k in zip(futures, shards, strict=True)}
            for future in dask_completed(futures):
                yield index[future.key], future.result()
        finally:
            if client is not self.address:
                client.close()
