"""Fixtures of the torch.distributed tests: a pool of ranks per group size (rank_pool.py)."""

import pytest

import rank_pool

rank_pool.ensure_importable()

GROUP_SIZES = (2, 4)
_pools = {}


def _pool(size):
    pool = _pools.get(size)
    if pool is None or pool.broken:
        if pool is not None:
            pool.close()
        pool = _pools[size] = rank_pool.RankPool(size)
    return pool


@pytest.fixture(params=GROUP_SIZES, ids=lambda n: f"n{n}")
def ranks(request):
    """The pool of `n` ranks (fccl default group + gloo group), n = 2 and 4."""
    return _pool(request.param)


def pytest_sessionfinish(session, exitstatus):
    for pool in _pools.values():
        pool.close()
    _pools.clear()
