"""Inputs and gloo references for the torch.distributed tests.

Inputs are small integers in every dtype, so sums, products, minima and maxima are exact in
each of them whatever order the ranks' values are combined in: fccl and gloo must then agree
bit for bit. (Random floats, where the order shows in the last bits, are compared with a
tolerance in their own tests.)

Gloo lacks bfloat16, AVG and several operations; its references then take the closest route it
has (bfloat16 through float32, which holds every bfloat16 exactly; AVG as SUM then a division
done the way fccl documents it; reduce-scatter as an all-reduce then one block).
"""

import torch
import torch.distributed as dist

REDUCIBLE = (torch.float32, torch.float64, torch.float16, torch.bfloat16,
             torch.int8, torch.uint8, torch.int32, torch.int64)
OPS = ("SUM", "AVG", "PRODUCT", "MIN", "MAX")


def dtype_id(dtype):
    return str(dtype).replace("torch.", "")


def values(rank, numel, dtype, op="SUM", seed=0):
    """Rank `rank`'s input: `numel` small integers for which `op` over up to 4 ranks is exact."""
    gen = torch.Generator().manual_seed(seed * 7919 + rank)
    if op == "PRODUCT":
        x = torch.randint(1, 3, (numel,), generator=gen)
    elif op in ("MIN", "MAX"):
        low = 0 if dtype == torch.uint8 else -20
        x = torch.randint(low, 40, (numel,), generator=gen)
    elif dtype == torch.bool:
        x = torch.randint(0, 2, (numel,), generator=gen)
    else:
        x = torch.randint(0, 8, (numel,), generator=gen)
    return x.to(dtype)


def gloo_dtype(dtype):
    """The type gloo carries `dtype` in: itself, or a wider one holding it exactly."""
    if dtype == torch.bfloat16:
        return torch.float32
    if dtype == torch.bool:
        return torch.uint8
    return dtype


def average(total, n, dtype):
    """fccl's AVG: the sum divided by n, truncated for integers, rounded once for floats."""
    if dtype.is_floating_point:
        return (total.double() / n).to(dtype)
    return torch.div(total, n, rounding_mode="trunc").to(dtype)


def gloo_allreduce(me, x, op):
    """All-reduce of every rank's `x` with `op` (a ReduceOp name), computed by gloo."""
    y = x.to(gloo_dtype(x.dtype), copy=True)  # gloo reduces in place: x must stay as it is
    dist.all_reduce(y, op=getattr(dist.ReduceOp, "SUM" if op == "AVG" else op), group=me.gloo)
    return average(y, me.size, x.dtype) if op == "AVG" else y.to(x.dtype)


def gloo_allgather(me, x):
    """Every rank's `x`, in rank order, gathered by gloo."""
    if x.numel() == 0:  # gloo's all-gather divides by the element count (SIGFPE)
        return [x.clone() for _ in range(me.size)]
    y = x.to(gloo_dtype(x.dtype))
    parts = [torch.empty_like(y) for _ in range(me.size)]
    dist.all_gather(parts, y, group=me.gloo)
    return [p.to(x.dtype) for p in parts]


def gloo_broadcast(me, x, root):
    y = x.to(gloo_dtype(x.dtype), copy=True)
    dist.broadcast(y, root, group=me.gloo)
    return y.to(x.dtype)


def non_contiguous(x, rows):
    """A non-contiguous tensor (a transposed view) with `x`'s values laid out as rows x cols."""
    cols = x.numel() // rows
    holder = torch.empty(cols, rows, dtype=x.dtype).t()
    holder.copy_(x.reshape(rows, cols))
    assert not holder.is_contiguous()
    return holder


def assert_same(actual, expected, what=""):
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    if not torch.equal(actual, expected):
        diff = (actual != expected).nonzero()
        first = tuple(diff[0].tolist())
        raise AssertionError(f"{what}: {diff.shape[0]} of {actual.numel()} elements differ; first at {first}: "
                             f"fccl {actual[first].item()} vs gloo {expected[first].item()}")
