"""torch.distributed over fccl next to gloo, on this host: all-reduce bus bandwidth from 1 KiB to
64 MiB and the time of a DDP training step, for groups of 2 and 4 ranks, in one run.

    bindings/pytorch/build.sh build
    PYTHONPATH=build/pytorch python3 benchmarks/pytorch/bench.py [--ranks 2,4] [--max-size 64M]

(benchmarks/pytorch/run.sh BUILD_DIR does both.) Every rank joins an fccl group and a gloo
group over the same ranks. The backends take turns, --rounds times per measurement, and each
keeps its best round: on a shared machine that filters out the moments someone else had the
cores. A round's time is its slowest rank's. busbw = bytes * 2 (n-1) / n / time, as nccl-tests and fccl-perf
count it (what each rank's links carry in a ring all-reduce).
"""

import argparse
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from rank_setup import free_port, parse_size, human_size


def timed(fn, iters, gloo):
    dist.barrier(group=gloo)
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX, group=gloo)  # the slowest rank's time
    return elapsed.item() / iters


def iterations(nbytes):
    """About 64 MiB moved per measurement: many calls for small sizes, a few for large ones."""
    return max(5, min(200, (64 << 20) // max(nbytes, 1)))


def allreduce_sweep(groups, sizes, n, gloo, rounds):
    rows = []
    for nbytes in sizes:
        t = torch.ones(nbytes // 4, dtype=torch.float32)
        iters = iterations(nbytes)
        seconds = {name: float("inf") for name in groups}
        for name, group in groups.items():
            dist.all_reduce(t, group=group)  # warm-up: connections, buffers
        for _ in range(rounds):  # the backends take turns; each keeps its best round
            for name, group in groups.items():
                seconds[name] = min(seconds[name], timed(lambda: dist.all_reduce(t, group=group), iters, gloo))
        busbw = {name: nbytes * 2 * (n - 1) / n / s / 1e9 for name, s in seconds.items()}
        rows.append((nbytes, busbw["fccl"], busbw["gloo"], seconds["fccl"], seconds["gloo"]))
    return rows


def ddp_step_times(groups, args, gloo):
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel

    def make_step(group):
        torch.manual_seed(0)
        layers = []
        for _ in range(args.ddp_layers):
            layers += [nn.Linear(args.ddp_width, args.ddp_width), nn.ReLU()]
        model = DistributedDataParallel(nn.Sequential(*layers, nn.Linear(args.ddp_width, 1)), process_group=group)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
        x, y = torch.randn(args.ddp_batch, args.ddp_width), torch.randn(args.ddp_batch, 1)

        def step():
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()

        return step, sum(p.numel() for p in model.parameters())

    steps = {name: make_step(group) for name, group in groups.items()}
    for step, _ in steps.values():
        for _ in range(3):
            step()
    times = {name: float("inf") for name in steps}
    for _ in range(args.rounds):  # the backends take turns; each keeps its best round
        for name, (step, _) in steps.items():
            times[name] = min(times[name], timed(step, args.ddp_steps, gloo))
    return times, steps["fccl"][1]


def rank_main(rank, n, port, args, results):
    import fccl_torch  # noqa: F401  registers the backend

    torch.set_num_threads(1)  # ranks share the cores; one compute thread each
    dist.init_process_group("fccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=n)
    gloo = dist.new_group(backend="gloo")
    groups = {"fccl": dist.group.WORLD, "gloo": gloo}
    sizes = []
    size = parse_size(args.min_size)
    while size <= parse_size(args.max_size):
        sizes.append(size)
        size *= args.factor
    rows = allreduce_sweep(groups, sizes, n, gloo, args.rounds)
    ddp, params = ddp_step_times(groups, args, gloo) if args.ddp_steps > 0 else ({}, 0)
    if rank == 0:
        results.put((n, rows, ddp, params))
    dist.destroy_process_group()


def print_report(n, rows, ddp, params, args):
    print(f"\n## all_reduce float32 SUM, {n} ranks (busbw GB/s, best of {args.rounds} rounds; "
          "ratio = fccl / gloo)\n")
    print("| size | fccl busbw | gloo busbw | ratio | fccl time (us) | gloo time (us) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for nbytes, fccl, gloo, tf, tg in rows:
        print(f"| {human_size(nbytes)} | {fccl:.3f} | {gloo:.3f} | {fccl / gloo:.2f}x "
              f"| {tf * 1e6:.1f} | {tg * 1e6:.1f} |")
    if ddp:
        print(f"\nDDP step, {n} ranks ({args.ddp_layers} x {args.ddp_width}-wide MLP, {params / 1e6:.2f} M "
              f"parameters, batch {args.ddp_batch}, best of {args.rounds} rounds of {args.ddp_steps}): "
              f"fccl {ddp['fccl'] * 1e3:.1f} ms, gloo {ddp['gloo'] * 1e3:.1f} ms, "
              f"fccl / gloo {ddp['fccl'] / ddp['gloo']:.2f}x")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ranks", default="2,4", help="group sizes, comma-separated")
    p.add_argument("--min-size", default="1K")
    p.add_argument("--max-size", default="64M")
    p.add_argument("--factor", type=int, default=4, help="size step")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per measurement; the best counts")
    p.add_argument("--ddp-steps", type=int, default=20, help="timed DDP steps (0: none)")
    p.add_argument("--ddp-layers", type=int, default=4)
    p.add_argument("--ddp-width", type=int, default=1024)
    p.add_argument("--ddp-batch", type=int, default=8,
                   help="samples per rank and step (small, so that the step is not all computation)")
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    for n in (int(v) for v in args.ranks.split(",")):
        results = ctx.SimpleQueue()
        mp.start_processes(rank_main, args=(n, free_port(), args, results), nprocs=n, start_method="spawn")
        print_report(*results.get(), args)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
