"""DDP training (examples/pytorch/ddp_train.py, launched by torch.distributed.run) over fccl and
over gloo from the same seed: 20 steps give the same loss curve on every rank and the same
parameters at the end.

With 2 ranks each gradient element is one addition, a + b, the same whichever backend does it:
fccl and gloo must agree bit for bit. With 4 ranks the backends add the 4 contributions in
different orders ((a + b) + (c + d) or ((a + b) + c) + d, by block), so results may differ in the
last bit of a float32; they must agree to within that rounding, and fccl must repeat itself bit
for bit."""

import os
import subprocess
import sys

import pytest
import torch

from rank_pool import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples", "pytorch", "ddp_train.py")
STEPS = 20


def train(backend, nranks, record):
    # --redirects/--tee 2: Debian's torch 1.13 launcher cannot parse its own default "0" under
    # Python 3.11 (IntFlag iteration skips zero), so every run names a value it can parse.
    # The launcher's store binds the port some time after free_port() let it go; an outgoing
    # connection of another process can take it meanwhile, so a clash gets a fresh port.
    for _attempt in range(3):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nranks),
               "--master_addr", "127.0.0.1", "--master_port", str(free_port()), "--redirects", "2", "--tee", "2",
               EXAMPLE, "--backend", backend, "--steps", str(STEPS), "--seed", "7", "--record", record]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode == 0 or "failed to listen on any local network address" not in done.stderr:
            break
    assert done.returncode == 0, f"{backend} x{nranks} failed:\n{done.stdout}\n{done.stderr}"
    assert f"step {STEPS:4d}  loss" in done.stdout, done.stdout
    return [torch.load(f"{record}.rank{r}") for r in range(nranks)]


@pytest.mark.parametrize("nranks", [2, 4])
def test_ddp_over_fccl_trains_like_ddp_over_gloo(tmp_path, nranks):
    fccl = train("fccl", nranks, str(tmp_path / "fccl"))
    gloo = train("gloo", nranks, str(tmp_path / "gloo"))
    for rank in range(nranks):
        f, g = fccl[rank], gloo[rank]
        assert len(f["losses"]) == len(g["losses"]) == STEPS
        assert f["state"].keys() == g["state"].keys()
        if nranks == 2:
            assert f["losses"] == g["losses"], f"rank {rank}: loss curves differ"
            for name in f["state"]:
                assert torch.equal(f["state"][name], g["state"][name]), f"rank {rank}: {name} differs"
        else:
            torch.testing.assert_close(torch.tensor(f["losses"]), torch.tensor(g["losses"]), rtol=1e-5, atol=1e-6)
            for name in f["state"]:
                torch.testing.assert_close(f["state"][name], g["state"][name], rtol=1e-5, atol=1e-6)
    # DDP keeps the replicas identical: every rank ends with rank 0's parameters, bit for bit.
    for rank in range(1, nranks):
        for name in fccl[0]["state"]:
            assert torch.equal(fccl[rank]["state"][name], fccl[0]["state"][name]), f"fccl rank {rank}: {name}"
    if nranks > 2:
        # fccl's order of additions is fixed: a second run repeats the first bit for bit.
        again = train("fccl", nranks, str(tmp_path / "fccl-again"))
        for rank in range(nranks):
            assert again[rank]["losses"] == fccl[rank]["losses"], f"rank {rank}: a second fccl run differs"
            for name in fccl[rank]["state"]:
                assert torch.equal(again[rank]["state"][name], fccl[rank]["state"][name]), f"rank {rank}: {name}"
