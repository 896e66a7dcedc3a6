"""Data-parallel training of a small MLP on synthetic data with DDP, over fccl or gloo.

    bindings/pytorch/build.sh build          # prints build/pytorch: put it on PYTHONPATH
    PYTHONPATH=build/pytorch torchrun --nproc_per_node 4 examples/pytorch/ddp_train.py --backend fccl

Each rank trains on batches of its own (drawn from --seed, the step and the rank); DDP averages
the gradients over the ranks, so every rank holds the same model after every step. Rank 0 prints
the loss averaged over all ranks. --record PATH saves each rank's losses and final parameters
to PATH.rank<N> (tests/pytorch compares fccl's run with gloo's).
"""

import argparse
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["fccl", "gloo"], default="fccl")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=32, help="samples per rank and step")
    p.add_argument("--features", type=int, default=16)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--record", help="save losses and final parameters to RECORD.rank<N>")
    return p.parse_args()


def make_model(args):
    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    return nn.Sequential(nn.Linear(args.features, args.hidden), nn.ReLU(),
                         nn.Linear(args.hidden, args.hidden), nn.ReLU(),
                         nn.Linear(args.hidden, 1))


def batch(args, step, rank):
    """This rank's samples of `step`: a noisy nonlinear function of random features."""
    gen = torch.Generator().manual_seed(args.seed * 1_000_003 + step * 1009 + rank)
    x = torch.randn(args.batch, args.features, generator=gen)
    y = torch.sin(x[:, :4].sum(dim=1, keepdim=True)) + 0.1 * torch.randn(args.batch, 1, generator=gen)
    return x, y


def main():
    args = parse_args()
    if args.backend == "fccl":
        import fccl_torch  # noqa: F401  registers the "fccl" backend
    dist.init_process_group(args.backend)  # env:// from torchrun: RANK, WORLD_SIZE, MASTER_ADDR/PORT
    rank, world = dist.get_rank(), dist.get_world_size()

    model = DistributedDataParallel(make_model(args))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.MSELoss()
    losses = []
    for step in range(args.steps):
        x, y = batch(args, step, rank)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # DDP all-reduces the gradients here, bucket by bucket
        optimizer.step()
        losses.append(loss.item())
        mean = loss.detach().clone()
        dist.all_reduce(mean)  # SUM then divide: gloo has no AVG
        if rank == 0 and (step % 5 == 4 or step == args.steps - 1):
            print(f"step {step + 1:4d}  loss {mean.item() / world:.6f}  ({args.backend}, {world} ranks)", flush=True)

    if args.record:
        state = {k: v.detach().clone() for k, v in model.module.state_dict().items()}
        torch.save({"losses": losses, "state": state, "backend": args.backend, "world": world},
                    f"{args.record}.rank{rank}")
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # several ranks share few cores
    main()
