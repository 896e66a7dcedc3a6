"""fccl as a torch.distributed backend.

Importing this package registers the backend "fccl"::

    import fccl_torch  # noqa: F401
    import torch.distributed as dist
    dist.init_process_group("fccl", rank=rank, world_size=world_size, init_method=...)

The ranks meet through the store torch.distributed already uses (env://, tcp://, file://):
rank 0 creates the fccl unique id and publishes it there, the others read it. Tensors are CPU
tensors (fccl's host device); every operation returns an asynchronous work object.
"""

import atexit as _atexit

import torch.distributed as _dist

from ._C import FCCL_VERSION, ProcessGroupFccl, _stop_finishing_for_exit

__all__ = ["FCCL_VERSION", "ProcessGroupFccl", "BACKEND_NAME"]

BACKEND_NAME = "fccl"


def _create_process_group(store, rank, world_size, timeout):
    return ProcessGroupFccl(store, rank, world_size, timeout)


# Once the interpreter finalizes, a thread that takes the GIL ends the process; the completion
# threads, which may take it to free tensors, stop finishing works before that.
_atexit.register(_stop_finishing_for_exit)

# register_backend refuses a second registration; a reload of this module must not trip on it.
if BACKEND_NAME.upper() not in _dist.Backend._plugins:
    _dist.Backend.register_backend(BACKEND_NAME, _create_process_group)
