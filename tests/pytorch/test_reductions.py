"""all_reduce, all_reduce_coalesced and reduce on the fccl backend, against gloo on the same
inputs, for every dtype fccl reduces and every op, in groups of 2 and 4 ranks."""

import pytest
import torch
import torch.distributed as dist

from references import (OPS, REDUCIBLE, assert_same, average, dtype_id, gloo_allreduce, gloo_dtype,
                        non_contiguous, values)


def check_allreduce(me, dtype, op, numel):
    x = values(me.rank, numel, dtype, op)
    t = x.clone()
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    assert_same(t, gloo_allreduce(me, x, op), f"allreduce {op} {dtype} x{numel}")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", REDUCIBLE, ids=dtype_id)
def test_allreduce_matches_gloo_for_every_dtype_and_op(ranks, dtype, op):
    ranks.run(check_allreduce, dtype, op, 1031)


@pytest.mark.parametrize("numel", [0, 1, 4099, 300_001])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16], ids=dtype_id)
def test_allreduce_matches_gloo_from_empty_to_several_chunks(ranks, dtype, numel):
    ranks.run(check_allreduce, dtype, "SUM", numel)


def check_allreduce_non_contiguous(me, dtype, op):
    x = values(me.rank, 48 * 33, dtype, op)
    t = non_contiguous(x, 48)
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    assert not t.is_contiguous()
    assert_same(t, gloo_allreduce(me, x, op).reshape(48, 33), f"allreduce {op} of a transposed view")


@pytest.mark.parametrize("op", ["SUM", "MAX"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=dtype_id)
def test_allreduce_writes_back_into_non_contiguous_tensors(ranks, dtype, op):
    ranks.run(check_allreduce_non_contiguous, dtype, op)


def check_allreduce_random_floats(me, dtype):
    gen = torch.Generator().manual_seed(100 + me.rank)
    x = torch.randn(70_000, generator=gen, dtype=torch.float64).to(dtype)
    t = x.clone()
    dist.all_reduce(t)
    # The sum in float64 (gloo) is exact to far below the dtype's precision. fccl adds in an order
    # of its own (and fp16/bf16 in float), so it may differ from it by a rounding per addition.
    exact = gloo_allreduce(me, x.double(), "SUM")
    tolerance = me.size * torch.finfo(dtype).eps * exact.abs().max().item()
    torch.testing.assert_close(t.double(), exact, rtol=0, atol=tolerance)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16], ids=dtype_id)
def test_allreduce_of_random_floats_matches_an_exact_gloo_sum_within_rounding(ranks, dtype):
    ranks.run(check_allreduce_random_floats, dtype)


def check_allreduce_coalesced(me, dtype, op):
    shapes = [(5,), (3, 4), (7,), (2, 2, 2), (1,), (0,)]
    xs = [values(me.rank, torch.Size(s).numel(), dtype, op, seed=i).reshape(s) for i, s in enumerate(shapes)]
    ts = [x.clone() for x in xs]
    dist.all_reduce_coalesced(ts, op=getattr(dist.ReduceOp, op))
    for i, (t, x) in enumerate(zip(ts, xs)):
        assert_same(t, gloo_allreduce(me, x, op), f"allreduce_coalesced {op} tensor {i}")


@pytest.mark.filterwarnings("ignore:torch.distributed.all_reduce_coalesced will be deprecated")
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=dtype_id)
def test_allreduce_coalesced_matches_gloo_across_shapes(ranks, dtype, op):
    ranks.run(check_allreduce_coalesced, dtype, op)


def check_reduce(me, dtype, op, root):
    x = values(me.rank, 1031, dtype, op)
    t = x.clone()
    dist.reduce(t, root, op=getattr(dist.ReduceOp, op))
    y = x.to(gloo_dtype(dtype), copy=True)
    dist.reduce(y, root, op=getattr(dist.ReduceOp, "SUM" if op == "AVG" else op), group=me.gloo)
    if me.rank == root:
        expected = average(y, me.size, dtype) if op == "AVG" else y.to(dtype)
        assert_same(t, expected, f"reduce {op} {dtype} into {root}")
    else:
        assert_same(t, x, "reduce must leave a non-root's tensor as it was")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", REDUCIBLE, ids=dtype_id)
def test_reduce_into_each_root_matches_gloo(ranks, dtype, op):
    for root in range(ranks.size):
        ranks.run(check_reduce, dtype, op, root)


def check_reduce_non_contiguous(me, root):
    x = values(me.rank, 12 * 10, torch.float32)
    t = non_contiguous(x, 12)
    dist.reduce(t, root)
    expected = gloo_allreduce(me, x, "SUM").reshape(12, 10)
    assert_same(t, expected if me.rank == root else x.reshape(12, 10), "reduce of a transposed view")


def test_reduce_writes_back_into_a_non_contiguous_root_tensor(ranks):
    ranks.run(check_reduce_non_contiguous, ranks.size - 1)
