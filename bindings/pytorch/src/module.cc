// The Python module fccl_torch._C: the process group class, built from what
// torch.distributed hands a backend's creator (store, rank, size, timeout).
#include <pybind11/chrono.h>
#include <torch/python.h>

#include <chrono>

#include "process_group.h"

namespace py = pybind11;

PYBIND11_MODULE(_C, module) {
  // torch's own bindings first: ProcessGroup and Store must be known types before ours derive
  // from them or take them as arguments.
  py::module_::import("torch.distributed");

  module.doc() = "fccl as a torch.distributed backend (see fccl_torch)";
  module.attr("FCCL_VERSION") = FCCL_VERSION_CODE;

  py::class_<fccl::pytorch::FcclProcessGroup, c10d::ProcessGroup, c10::intrusive_ptr<fccl::pytorch::FcclProcessGroup>>(
      module, "ProcessGroupFccl",
      "A torch.distributed process group over one fccl communicator. Collectives run on fccl "
      "streams and return asynchronous work objects.")
      .def(py::init([](const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                       std::chrono::duration<float> timeout) {
             return c10::make_intrusive<fccl::pytorch::FcclProcessGroup>(
                 store, rank, size, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
           }),
           py::arg("store"), py::arg("rank"), py::arg("size"), py::arg("timeout"),
           // Joining waits for the other ranks; other Python threads may run meanwhile.
           py::call_guard<py::gil_scoped_release>());

  module.def("_stop_finishing_for_exit", &fccl::pytorch::CompletionQueue::stopFinishingForExit,
             "From now on, works are left unfinished (fccl_torch calls it at exit; see completion_queue.h).",
             py::call_guard<py::gil_scoped_release>());
}
