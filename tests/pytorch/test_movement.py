"""broadcast, all_gather (list and tensor forms), reduce_scatter (list and tensor forms), gather,
scatter and barrier on the fccl backend, against gloo on the same inputs, in groups of 2 and 4 ranks.

Data-moving operations take every torch dtype: what fccl has no type for travels as bytes."""

import pytest
import torch
import torch.distributed as dist

from references import (OPS, REDUCIBLE, assert_same, dtype_id, gloo_allgather, gloo_allreduce, gloo_broadcast,
                        gloo_dtype, non_contiguous, values)

MOVABLE = REDUCIBLE + (torch.bool, torch.int16, torch.complex64)


def movable_values(rank, numel, dtype, seed=0):
    if dtype == torch.int16:
        return values(rank, numel, torch.int32, seed=seed).to(torch.int16)
    if dtype == torch.complex64:
        real, imaginary = (values(rank, numel, torch.float32, seed=s) for s in (seed, seed + 1))
        return torch.complex(real, imaginary)
    return values(rank, numel, dtype, seed=seed)


def gloo_reference_dtype_ok(dtype):
    return dtype not in (torch.int16, torch.complex64)  # gloo carries neither


def expected_gather(me, numel, dtype):
    """Every rank's input; through gloo where gloo has the type, else computed here."""
    x = movable_values(me.rank, numel, dtype)
    if gloo_reference_dtype_ok(dtype):
        return gloo_allgather(me, x)
    return [movable_values(r, numel, dtype) for r in range(me.size)]


def check_broadcast(me, dtype, root, numel):
    x = movable_values(me.rank, numel, dtype)
    t = x.clone()
    dist.broadcast(t, root)
    expected = gloo_broadcast(me, x, root) if gloo_reference_dtype_ok(dtype) else movable_values(root, numel, dtype)
    assert_same(t, expected, f"broadcast {dtype} from {root}")


@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_broadcast_from_each_root_matches_gloo(ranks, dtype):
    for root in range(ranks.size):
        ranks.run(check_broadcast, dtype, root, 1031)


@pytest.mark.parametrize("numel", [0, 1, 300_001])
def test_broadcast_matches_gloo_from_empty_to_several_chunks(ranks, numel):
    ranks.run(check_broadcast, torch.float32, 1, numel)


def check_broadcast_non_contiguous(me, root):
    x = values(me.rank, 20 * 9, torch.float64)
    t = non_contiguous(x, 20)
    dist.broadcast(t, root)
    assert_same(t, gloo_broadcast(me, x, root).reshape(20, 9), "broadcast into a transposed view")


def test_broadcast_writes_back_into_non_contiguous_tensors(ranks):
    ranks.run(check_broadcast_non_contiguous, 0)


def check_allgather(me, dtype, numel):
    x = movable_values(me.rank, numel, dtype)
    out = [torch.full((numel,), 99).to(dtype) for _ in range(me.size)]
    dist.all_gather(out, x)
    for r, (got, want) in enumerate(zip(out, expected_gather(me, numel, dtype))):
        assert_same(got, want, f"all_gather {dtype}: block of rank {r}")


@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_allgather_matches_gloo_for_every_dtype(ranks, dtype):
    ranks.run(check_allgather, dtype, 1031)


@pytest.mark.parametrize("numel", [0, 1, 300_001])
def test_allgather_matches_gloo_from_empty_to_several_chunks(ranks, numel):
    ranks.run(check_allgather, torch.bfloat16, numel)


def check_allgather_non_contiguous(me):
    x = non_contiguous(values(me.rank, 6 * 5, torch.float32), 6)
    out = [non_contiguous(torch.zeros(30), 6) for _ in range(me.size)]
    dist.all_gather(out, x)
    want = gloo_allgather(me, x.contiguous())
    for r in range(me.size):
        assert_same(out[r], want[r], f"all_gather into transposed views: block of rank {r}")


def test_allgather_reads_and_writes_non_contiguous_tensors(ranks):
    ranks.run(check_allgather_non_contiguous)


def check_allgather_into_tensor(me, dtype, numel):
    x = movable_values(me.rank, numel, dtype)
    out = torch.zeros(me.size * numel).to(dtype)
    dist.all_gather_into_tensor(out, x)  # torch's public name for _allgather_base
    assert_same(out, torch.cat(expected_gather(me, numel, dtype)), f"all_gather_into_tensor {dtype}")
    out2 = torch.zeros(me.size, numel).to(dtype)
    dist._all_gather_base(out2, x)
    assert_same(out2.reshape(-1), out, "_all_gather_base into a 2-d output")


@pytest.mark.filterwarnings("ignore:torch.distributed._all_gather_base is a private function")
@pytest.mark.parametrize("dtype", MOVABLE, ids=dtype_id)
def test_allgather_base_matches_gloo_for_every_dtype(ranks, dtype):
    ranks.run(check_allgather_into_tensor, dtype, 517)


def check_allgather_base_in_place(me):
    numel = 1000
    out = torch.zeros(me.size * numel)
    mine = out.narrow(0, me.rank * numel, numel)
    mine.copy_(values(me.rank, numel, torch.float32))
    dist.all_gather_into_tensor(out, mine)
    assert_same(out, torch.cat(gloo_allgather(me, values(me.rank, numel, torch.float32))), "in-place all_gather")


def test_allgather_base_in_place(ranks):
    ranks.run(check_allgather_base_in_place)


def gloo_reduce_scatter(me, blocks, op):
    """Block `me.rank` of the reduction of every rank's `blocks`: gloo has no reduce-scatter, so
    an all-reduce of them all, then this rank's block."""
    return gloo_allreduce(me, torch.cat(blocks), op).chunk(me.size)[me.rank]


def check_reduce_scatter(me, dtype, op, numel):
    blocks = [values(me.rank, numel, dtype, op, seed=b) for b in range(me.size)]
    out = torch.zeros(numel).to(dtype)
    dist.reduce_scatter(out, [b.clone() for b in blocks], op=getattr(dist.ReduceOp, op))
    assert_same(out, gloo_reduce_scatter(me, blocks, op), f"reduce_scatter {op} {dtype}")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", REDUCIBLE, ids=dtype_id)
def test_reduce_scatter_matches_gloo_for_every_dtype_and_op(ranks, dtype, op):
    ranks.run(check_reduce_scatter, dtype, op, 257)


def check_reduce_scatter_tensor(me, dtype, op, numel):
    whole = values(me.rank, me.size * numel, dtype, op)
    out = torch.zeros(numel).to(dtype)
    dist.reduce_scatter_tensor(out, whole.clone(), op=getattr(dist.ReduceOp, op))  # _reduce_scatter_base
    assert_same(out, gloo_reduce_scatter(me, list(whole.chunk(me.size)), op), f"reduce_scatter_tensor {op} {dtype}")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", REDUCIBLE, ids=dtype_id)
def test_reduce_scatter_base_matches_gloo_for_every_dtype_and_op(ranks, dtype, op):
    ranks.run(check_reduce_scatter_tensor, dtype, op, 257)


@pytest.mark.parametrize("numel", [0, 1, 100_003])
def test_reduce_scatter_matches_gloo_from_empty_to_several_chunks(ranks, numel):
    ranks.run(check_reduce_scatter, torch.float32, "SUM", numel)
    ranks.run(check_reduce_scatter_tensor, torch.bfloat16, "SUM", numel)


def check_reduce_scatter_non_contiguous(me):
    blocks = [values(me.rank, 8 * 4, torch.float32, seed=b) for b in range(me.size)]
    out = non_contiguous(torch.zeros(32), 8)
    dist.reduce_scatter(out, [non_contiguous(b, 8) for b in blocks])
    assert_same(out, gloo_reduce_scatter(me, blocks, "SUM").reshape(8, 4), "reduce_scatter of transposed views")


def test_reduce_scatter_reads_and_writes_non_contiguous_tensors(ranks):
    ranks.run(check_reduce_scatter_non_contiguous)


def check_barrier(me):
    dist.barrier()
    work = dist.barrier(async_op=True)
    work.wait()
    assert work.is_completed()


def test_barrier_completes(ranks):
    ranks.run(check_barrier)


def check_gather(me, dtype, root, numel):
    x = values(me.rank, numel, dtype)
    gathered = [torch.zeros(numel).to(dtype) for _ in range(me.size)] if me.rank == root else None
    dist.gather(x, gathered, dst=root)
    y = x.to(gloo_dtype(dtype))
    reference = [torch.zeros(numel, dtype=y.dtype) for _ in range(me.size)] if me.rank == root else None
    dist.gather(y, reference, dst=root, group=me.gloo)
    if me.rank == root:
        for r in range(me.size):
            assert_same(gathered[r], reference[r].to(dtype), f"gather {dtype} into {root}: block of rank {r}")


@pytest.mark.parametrize("dtype", REDUCIBLE + (torch.bool,), ids=dtype_id)
def test_gather_into_each_root_matches_gloo(ranks, dtype):
    for root in range(ranks.size):
        ranks.run(check_gather, dtype, root, 515)


def test_gather_of_several_chunks(ranks):
    ranks.run(check_gather, torch.float32, 1, 600_001)


def check_scatter(me, dtype, root, numel):
    blocks = [values(r, numel, dtype, seed=5) for r in range(me.size)] if me.rank == root else None
    out = torch.zeros(numel).to(dtype)
    dist.scatter(out, blocks, src=root)
    reference = torch.zeros(numel, dtype=gloo_dtype(dtype))
    dist.scatter(reference, [b.to(gloo_dtype(dtype)) for b in blocks] if blocks else None, src=root, group=me.gloo)
    assert_same(out, reference.to(dtype), f"scatter {dtype} from {root}")
    assert_same(out, values(me.rank, numel, dtype, seed=5), "this rank's block")


@pytest.mark.parametrize("dtype", REDUCIBLE + (torch.bool,), ids=dtype_id)
def test_scatter_from_each_root_matches_gloo(ranks, dtype):
    for root in range(ranks.size):
        ranks.run(check_scatter, dtype, root, 515)


def test_scatter_of_several_chunks(ranks):
    ranks.run(check_scatter, torch.float32, 0, 600_001)


def check_gather_scatter_non_contiguous(me):
    x = non_contiguous(values(me.rank, 6 * 4, torch.float32), 6)
    out = [non_contiguous(torch.zeros(24), 6) for _ in range(me.size)] if me.rank == 0 else None
    dist.gather(x, out, dst=0)
    if me.rank == 0:
        for r in range(me.size):
            assert_same(out[r], values(r, 24, torch.float32).reshape(6, 4), f"gather into transposed views: {r}")
    mine = non_contiguous(torch.zeros(24), 6)
    dist.scatter(mine, out, src=0)
    assert_same(mine, values(me.rank, 24, torch.float32).reshape(6, 4), "scatter of transposed views")


def test_gather_and_scatter_of_non_contiguous_tensors(ranks):
    ranks.run(check_gather_scatter_non_contiguous)
