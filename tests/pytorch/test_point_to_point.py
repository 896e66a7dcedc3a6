"""send/recv, isend/irecv and batch_isend_irecv on the fccl backend, against gloo on the same
tensors, in groups of 2 and 4 ranks."""

import pytest
import torch
import torch.distributed as dist

from references import REDUCIBLE, assert_same, dtype_id, gloo_dtype, non_contiguous, values


def ring_exchange(me, x, group, blocking):
    """Every rank sends `x` to the next rank and receives the previous rank's; even ranks send
    first, so blocking calls cannot wait on each other in a cycle."""
    nxt, prv = (me.rank + 1) % me.size, (me.rank - 1) % me.size
    got = torch.zeros_like(x)
    if blocking:
        if me.rank % 2 == 0:
            dist.send(x, nxt, group=group)
            dist.recv(got, prv, group=group)
        else:
            dist.recv(got, prv, group=group)
            dist.send(x, nxt, group=group)
    else:
        ops = [dist.P2POp(dist.isend, x, nxt, group), dist.P2POp(dist.irecv, got, prv, group)]
        for work in dist.batch_isend_irecv(ops):
            work.wait()
    return got


def check_send_recv(me, dtype, numel, blocking):
    x = values(me.rank, numel, dtype)
    got = ring_exchange(me, x, None, blocking)
    want = ring_exchange(me, x.to(gloo_dtype(dtype)), me.gloo, blocking).to(dtype)
    assert_same(got, want, f"{'send/recv' if blocking else 'batch_isend_irecv'} {dtype} x{numel}")
    assert_same(got, values((me.rank - 1) % me.size, numel, dtype), "the previous rank's tensor")


@pytest.mark.parametrize("dtype", REDUCIBLE + (torch.bool,), ids=dtype_id)
def test_send_recv_around_a_ring_matches_gloo(ranks, dtype):
    ranks.run(check_send_recv, dtype, 1031, True)


@pytest.mark.parametrize("numel", [0, 1, 1_000_003])
@pytest.mark.parametrize("blocking", [True, False], ids=["send_recv", "batch_isend_irecv"])
def test_send_recv_from_empty_to_several_chunks(ranks, numel, blocking):
    ranks.run(check_send_recv, torch.float32, numel, blocking)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16], ids=dtype_id)
def test_batch_isend_irecv_around_a_ring_matches_gloo(ranks, dtype):
    ranks.run(check_send_recv, dtype, 4099, False)


def check_all_pairs_batch(me, numel):
    # Every rank sends to and receives from every other at once: a pattern that completes only
    # when the calls of the batch run together (one fccl group).
    ops, received = [], {}
    for peer in range(me.size):
        if peer == me.rank:
            continue
        received[peer] = torch.zeros(numel)
        ops.append(dist.P2POp(dist.isend, torch.full((numel,), float(me.rank * 10 + peer)), peer))
        ops.append(dist.P2POp(dist.irecv, received[peer], peer))
    for work in dist.batch_isend_irecv(ops):
        work.wait()
    for peer, t in received.items():
        assert_same(t, torch.full((numel,), float(peer * 10 + me.rank)), f"from rank {peer}")


def test_batch_isend_irecv_between_all_pairs_at_once(ranks):
    ranks.run(check_all_pairs_batch, 2_000_000)  # 8 MB each way: more than a FIFO holds


def check_isend_irecv(me):
    if me.rank == 0:
        works = [dist.isend(torch.full((100,), float(p)), p) for p in range(1, me.size)]
    else:
        t = torch.zeros(100)
        works = [dist.irecv(t, 0)]
    for w in works:
        w.wait()
    if me.rank != 0:
        assert_same(t, torch.full((100,), float(me.rank)), "irecv from rank 0")


def test_isend_irecv_from_one_rank_to_all(ranks):
    ranks.run(check_isend_irecv)


def check_recv_non_contiguous(me):
    x = values(me.rank, 10 * 7, torch.int32)
    got = non_contiguous(torch.zeros(70, dtype=torch.int32), 10)
    if me.rank == 0:
        dist.send(non_contiguous(x, 10), 1)
    elif me.rank == 1:
        dist.recv(got, 0)
        assert_same(got, values(0, 70, torch.int32).reshape(10, 7), "recv into a transposed view")


def test_send_and_recv_of_non_contiguous_tensors(ranks):
    ranks.run(check_recv_non_contiguous)
