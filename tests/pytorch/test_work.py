"""What the fccl backend's work objects and errors look like from Python: asynchronous calls,
futures, many operations in flight, subgroups, refused arguments, and fccl's own failures
(bad buffers, a dead peer, a timeout) arriving as RuntimeError with fccl's message."""

import atexit
import os
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import fccl_torch
from rank_pool import free_port
from references import assert_same, gloo_allreduce, values


def check_async_work(me):
    x = values(me.rank, 100_000, torch.float32)
    t = x.clone()
    work = dist.all_reduce(t, async_op=True)
    assert work.wait()
    assert work.is_completed() and work.is_success()
    expected = gloo_allreduce(me, x, "SUM")
    assert_same(t, expected, "all_reduce after wait()")
    [result] = work.result()
    assert result.data_ptr() == t.data_ptr()

    # Nobody calls wait(): the completion thread finishes the work and runs the future's callback.
    t2 = x.clone()
    work2 = dist.all_reduce(t2, async_op=True)
    doubled = work2.get_future().then(lambda f: f.value()[0] * 2)
    assert_same(doubled.wait(), expected * 2, "a future's callback on the result")
    assert work2.is_completed() and work2.is_success()
    assert_same(t2, expected, "all_reduce through its future")


def test_async_work_completes_with_wait_and_with_its_future(ranks):
    ranks.run(check_async_work)


def check_many_in_flight(me, count):
    xs = [values(me.rank, 1000 + 17 * i, torch.float32, seed=i) for i in range(count)]
    ts = [x.clone() for x in xs]
    works = [dist.all_reduce(t, async_op=True) for t in ts]  # more than the stream pool holds
    for w in reversed(works):
        w.wait()
    for i, (t, x) in enumerate(zip(ts, xs)):
        assert_same(t, gloo_allreduce(me, x, "SUM"), f"all_reduce #{i} of {count} in flight")


def test_many_operations_in_flight_complete_in_any_wait_order(ranks):
    ranks.run(check_many_in_flight, 40)


def check_mixed_operations_in_flight(me):
    a, b = values(me.rank, 5000, torch.float32), values(me.rank, 300, torch.int64)
    ta, tb = a.clone(), b.clone()
    gathered = torch.zeros(me.size * 300, dtype=torch.int64)
    works = [dist.all_reduce(ta, async_op=True), dist.broadcast(tb, 0, async_op=True),
             dist.all_gather_into_tensor(gathered, b, async_op=True), dist.barrier(async_op=True)]
    for w in works:
        w.wait()
    assert_same(ta, gloo_allreduce(me, a, "SUM"), "all_reduce")
    assert_same(tb, values(0, 300, torch.int64), "broadcast")
    assert_same(gathered, torch.cat([values(r, 300, torch.int64) for r in range(me.size)]), "all_gather")


def test_different_operations_in_flight_together(ranks):
    ranks.run(check_mixed_operations_in_flight)


def check_subgroups(me):
    # Two halves, each its own fccl group (own communicator), used side by side.
    half = me.size // 2
    groups = [dist.new_group(list(range(half)), backend="fccl"),
              dist.new_group(list(range(half, me.size)), backend="fccl")]
    mine = groups[me.rank // half]
    t = torch.full((10,), float(me.rank))
    dist.all_reduce(t, group=mine)
    members = range(half) if me.rank < half else range(half, me.size)
    assert_same(t, torch.full((10,), float(sum(members))), "all_reduce in a subgroup")
    u = torch.ones(3)
    dist.all_reduce(u)  # the default group is unaffected
    assert_same(u, torch.full((3,), float(me.size)), "all_reduce in the default group")
    for g in groups:
        dist.destroy_process_group(g)


def test_subgroups_are_communicators_of_their_own(ranks):
    ranks.run(check_subgroups)


def check_refusals(me):
    def refused(fn, *words):
        with pytest.raises(RuntimeError) as e:
            fn()
        for w in words:
            assert w in str(e.value), f"{w!r} not in {str(e.value)!r}"

    refused(lambda: dist.all_reduce(torch.ones(3, dtype=torch.bool)), "fccl allreduce", "Bool")
    refused(lambda: dist.all_reduce(torch.ones(3, dtype=torch.int16)), "Short")
    refused(lambda: dist.all_reduce(torch.ones(3, dtype=torch.int32), op=dist.ReduceOp.BAND), "no bitwise")
    refused(lambda: dist.reduce_scatter_tensor(torch.ones(3), torch.ones(3 * me.size + 1)), "_reduce_scatter_base",
            "expected")
    refused(lambda: dist.all_to_all_single(torch.ones(me.size), torch.ones(me.size), [1] * me.size, [2] * me.size),
            "split sizes add up")
    refused(lambda: dist.all_gather([torch.ones(3)] * me.size, torch.ones(2)), "same number of elements")
    # The group still works after refusals: none of them reached fccl.
    t = torch.ones(4)
    dist.all_reduce(t)
    assert_same(t, torch.full((4,), float(me.size)), "all_reduce after refused calls")
    # Complex tensors are not refused: torch sums them as their real view, a float tensor.
    c = torch.complex(torch.ones(4), torch.full((4,), float(me.rank)))
    dist.all_reduce(c)
    assert_same(c, torch.complex(torch.full((4,), float(me.size)), torch.full((4,), float(sum(range(me.size))))),
                "all_reduce of complex64")


def test_unsupported_arguments_are_refused_with_a_clear_error(ranks):
    ranks.run(check_refusals)


def check_fccl_error_message(me):
    # Overlapping buffers that are not all-gather's in-place layout: fccl itself refuses them,
    # and its message (fcclGetLastError) reaches Python.
    out = torch.zeros(4 * me.size)
    with pytest.raises(RuntimeError) as e:
        dist.all_gather_into_tensor(out, out[1:5])
    message = str(e.value)
    assert "fccl:_allgather_base failed (invalid argument)" in message, message
    assert "fcclAllGather" in message and "overlap" in message, message
    # fccl checks arguments before the call takes its place in the communicator's order: the
    # communicator is not broken.
    t = torch.ones(4)
    dist.all_reduce(t)
    assert_same(t, torch.full((4,), float(me.size)), "all_reduce after a refused call")


def test_a_call_fccl_refuses_raises_with_fccls_message_and_the_group_goes_on(ranks):
    ranks.run(check_fccl_error_message)


def _dead_peer_rank(rank, size, port, results):
    import fccl_torch  # noqa: F401,F811
    dist.init_process_group("fccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size)
    t = torch.ones(1 << 16)
    dist.all_reduce(t)  # everyone is up and connected
    if rank == size - 1:
        os._exit(0)  # gone without a word, mid-job
    try:
        dist.all_reduce(t, async_op=True).wait()
        results.put((rank, "no error"))
    except RuntimeError as e:
        results.put((rank, str(e)))


def test_a_dead_peer_surfaces_as_runtime_error_naming_it():
    size = 3
    ctx = mp.get_context("spawn")
    results = ctx.SimpleQueue()
    mp.start_processes(_dead_peer_rank, args=(size, free_port(), results), nprocs=size, join=True,
                       start_method="spawn")
    seen = dict(results.get() for _ in range(size - 1))
    for rank, message in seen.items():
        assert "fccl:allreduce failed" in message, f"rank {rank}: {message}"
        assert f"rank {size - 1}" in message, f"rank {rank}: {message}"


def _exit_in_flight_rank(rank, size, port, results):
    import fccl_torch  # noqa: F401,F811
    dist.init_process_group("fccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size)
    gloo = dist.new_group(backend="gloo")
    if rank == 0:
        # Queue an all-reduce of a tensor no Python name keeps, and leave: the interpreter exits
        # with the work in flight, and the completion thread holds the tensor's last reference.
        # Rank 1 joins the all-reduce only once this interpreter is exiting (atexit runs this
        # handler before fccl_torch's, registered earlier).
        dist.all_reduce(torch.ones(1 << 20), async_op=True)
        atexit.register(lambda: dist.send(torch.ones(1), 1, group=gloo))
        return
    dist.recv(torch.ones(1), 0, group=gloo)
    t = torch.ones(1 << 20)
    dist.all_reduce(t)
    results.put(t[0].item())


def test_a_work_in_flight_at_exit_is_finished_before_the_interpreter_goes():
    ctx = mp.get_context("spawn")
    results = ctx.SimpleQueue()
    # Both ranks must exit cleanly: start_processes raises for a signal or a non-zero exit code.
    mp.start_processes(_exit_in_flight_rank, args=(2, free_port(), results), nprocs=2, join=True,
                       start_method="spawn")
    assert results.get() == 2.0


def _timeout_rank(rank, size, port, results):
    import fccl_torch  # noqa: F401,F811
    # The store waits long for a slow start; the process group's 2 s are what the test is about.
    store = dist.TCPStore("127.0.0.1", port, size, rank == 0, timeout=timedelta(seconds=60))
    dist.init_process_group("fccl", store=store, rank=rank, world_size=size,
                            timeout=timedelta(seconds=2))  # fccl's timeout follows torch's
    gloo = dist.new_group(backend="gloo", timeout=timedelta(seconds=60))
    t = torch.ones(8)
    dist.all_reduce(t)
    if rank == 0:  # rank 1 never joins this one
        try:
            dist.all_reduce(t)
            results.put("no error")
        except RuntimeError as e:
            results.put(str(e))
    dist.barrier(group=gloo)


def test_a_missing_peer_times_out_after_torchs_timeout():
    os.environ.pop("FCCL_TIMEOUT_MS", None)
    ctx = mp.get_context("spawn")
    results = ctx.SimpleQueue()
    mp.start_processes(_timeout_rank, args=(2, free_port(), results), nprocs=2, join=True, start_method="spawn")
    message = results.get()
    assert "fccl:allreduce failed" in message and "timed out" in message, message


def test_the_backend_is_registered_on_import():
    assert fccl_torch.BACKEND_NAME == "fccl"
    assert "FCCL" in dist.Backend._plugins
    assert fccl_torch.FCCL_VERSION >= 100
