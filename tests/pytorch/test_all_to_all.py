"""all_to_all_single (equal blocks and split sizes, i.e. all-to-all-v) and all_to_all (lists) on
the fccl backend, against gloo on the same inputs, in groups of 2 and 4 ranks."""

import pytest
import torch
import torch.distributed as dist

from references import REDUCIBLE, assert_same, dtype_id, gloo_dtype, values

MOVABLE = REDUCIBLE + (torch.bool,)


def gloo_all_to_all_single(me, x, out_rows, out_splits, in_splits):
    y = x.to(gloo_dtype(x.dtype))
    out = torch.empty((out_rows,) + tuple(x.shape[1:]), dtype=y.dtype)
    dist.all_to_all_single(out, y, out_splits, in_splits, group=me.gloo)
    return out.to(x.dtype)


def check_all_to_all_equal(me, dtype, rows_per_rank, cols):
    rows = rows_per_rank * me.size
    x = values(me.rank, rows * cols, dtype).reshape(rows, cols)
    out = torch.zeros(rows, cols).to(dtype)
    dist.all_to_all_single(out, x)
    assert_same(out, gloo_all_to_all_single(me, x, rows, None, None), f"all_to_all_single {dtype}")


@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_all_to_all_single_equal_blocks_matches_gloo(ranks, dtype):
    ranks.run(check_all_to_all_equal, dtype, 3, 5)


@pytest.mark.parametrize("rows_per_rank, cols", [(0, 4), (1, 1), (40_000, 3)])
def test_all_to_all_single_equal_blocks_from_empty_to_large(ranks, rows_per_rank, cols):
    ranks.run(check_all_to_all_equal, torch.float32, rows_per_rank, cols)


def splits_of(sender, size):
    """How many rows rank `sender` sends to each rank: uneven, with some empty blocks."""
    return [(sender * 3 + receiver * 2 + 1) % 5 for receiver in range(size)]


def check_all_to_all_splits(me, dtype, cols):
    in_splits = splits_of(me.rank, me.size)
    out_splits = [splits_of(sender, me.size)[me.rank] for sender in range(me.size)]
    x = values(me.rank, sum(in_splits) * cols, dtype).reshape(sum(in_splits), cols)
    out = torch.zeros(sum(out_splits), cols).to(dtype)
    dist.all_to_all_single(out, x, out_splits, in_splits)
    expected = gloo_all_to_all_single(me, x, sum(out_splits), out_splits, in_splits)
    assert_same(out, expected, f"all_to_all_single {dtype} with splits in {in_splits} out {out_splits}")


@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_all_to_all_single_with_split_sizes_matches_gloo(ranks, dtype):
    ranks.run(check_all_to_all_splits, dtype, 3)


def test_all_to_all_single_with_split_sizes_of_one_dimensional_tensors(ranks):
    ranks.run(check_all_to_all_splits, torch.float32, 1)


def check_all_to_all_list(me, dtype):
    # Block j of rank i has 1 + (i + j) % 3 elements; gloo's reference is the same exchange as
    # one all_to_all_single with those split sizes (gloo has no list all_to_all).
    sizes = lambda i, j: 1 + (i + j) % 3  # noqa: E731
    inputs = [values(me.rank, sizes(me.rank, j), dtype, seed=j) for j in range(me.size)]
    outputs = [torch.zeros(sizes(i, me.rank)).to(dtype) for i in range(me.size)]
    dist.all_to_all(outputs, [t.clone() for t in inputs])
    in_splits = [t.numel() for t in inputs]
    out_splits = [t.numel() for t in outputs]
    expected = gloo_all_to_all_single(me, torch.cat(inputs), sum(out_splits), out_splits, in_splits).split(out_splits)
    for i, (got, want) in enumerate(zip(outputs, expected)):
        assert_same(got, want, f"all_to_all {dtype}: block from rank {i}")


@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_all_to_all_of_lists_matches_gloo(ranks, dtype):
    ranks.run(check_all_to_all_list, dtype)


def check_all_to_all_non_contiguous(me):
    rows = 2 * me.size
    x = values(me.rank, rows * 6, torch.float32).reshape(rows, 6)
    src = torch.empty(6, rows).t()
    src.copy_(x)
    out = torch.empty(6, rows).t()
    dist.all_to_all_single(out, src)
    assert not out.is_contiguous()
    assert_same(out, gloo_all_to_all_single(me, x, rows, None, None), "all_to_all_single of transposed views")


def test_all_to_all_single_reads_and_writes_non_contiguous_tensors(ranks):
    ranks.run(check_all_to_all_non_contiguous)
