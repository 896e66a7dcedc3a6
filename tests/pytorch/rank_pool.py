"""Ranks for the torch.distributed tests: real processes that stay up between tests.

Starting a process that imports torch takes seconds, so each group size gets one pool of ranks
for the whole session. Every rank joins two process groups over the same ranks: the default one
with backend "fccl", and a gloo group, the reference each test compares fccl against.

A test hands the pool a function defined at module level in a test file (it travels by name) and
its arguments; every rank calls ``fn(ranks, *args)`` with a ``Rank`` describing itself. An
exception on any rank fails the test with that rank's traceback. A rank that does not answer
within the deadline (a hang, a crash) fails the test too, and the pool is started afresh for
the next one.
"""

import dataclasses
import os
import socket
import sys
import traceback
from datetime import timedelta

import torch.multiprocessing as mp

DEFAULT_DEADLINE_S = 180


@dataclasses.dataclass
class Rank:
    rank: int
    size: int
    gloo: object  # the gloo process group over the same ranks as the default (fccl) one


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(rank, size, port, conn):
    import torch.distributed as dist

    import fccl_torch  # noqa: F401  registers the backend

    dist.init_process_group("fccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size,
                            timeout=timedelta(seconds=120))
    me = Rank(rank, size, dist.new_group(backend="gloo"))
    conn.send(("ready", None))
    while True:
        request = conn.recv()
        if request is None:
            break
        fn, args = request
        try:
            conn.send(("ok", fn(me, *args)))
        except BaseException:  # noqa: B902  every failure goes back to the test
            conn.send(("error", traceback.format_exc()))
    dist.destroy_process_group()
    conn.close()


class RankPool:
    def __init__(self, size, env=None):
        self.size = size
        self.broken = False  # a rank hung or died: the pool must not be used again
        ctx = mp.get_context("spawn")
        port = free_port()
        self._conns = []
        self._procs = []
        saved = dict(os.environ)
        os.environ.update(env or {})
        try:
            for rank in range(size):
                parent, child = ctx.Pipe()
                p = ctx.Process(target=_serve, args=(rank, size, port, child), daemon=True)
                p.start()
                child.close()
                self._conns.append(parent)
                self._procs.append(p)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self._collect("start", DEFAULT_DEADLINE_S)

    def run(self, fn, *args, deadline_s=DEFAULT_DEADLINE_S):
        """Runs fn(rank, *args) on every rank; returns the list of their results."""
        for conn in self._conns:
            conn.send((fn, args))
        return self._collect(fn.__name__, deadline_s)

    def _collect(self, what, deadline_s):
        results, errors = [None] * self.size, []
        for rank, conn in enumerate(self._conns):
            if not conn.poll(deadline_s):
                self.broken = True
                raise AssertionError(f"{what}: rank {rank} of {self.size} did not answer within {deadline_s} s")
            try:
                status, value = conn.recv()
            except EOFError:
                self.broken = True
                raise AssertionError(f"{what}: rank {rank} of {self.size} exited ({self._procs[rank].exitcode})")
            if status == "ok":
                results[rank] = value
            elif status == "error":
                errors.append(f"--- rank {rank} ---\n{value}")
        if errors:
            raise AssertionError(f"{what} failed on {len(errors)} of {self.size} ranks:\n" + "\n".join(errors))
        return results

    def close(self):
        if not self.broken:
            for conn in self._conns:
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
        for p in self._procs:
            p.join(10 if not self.broken else 0)
            if p.is_alive():
                p.kill()
                p.join()


def ensure_importable():
    """The ranks import this module and the test modules by name: make their folder a path."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
