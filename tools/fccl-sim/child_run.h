// Runs a function in a child process and brings back its text: SimGrid allows one platform per
// process, so work that needs several (calibration tries figures on several layouts, tests
// simulate several machines) forks one child per platform.
#pragma once

#include <functional>
#include <string>

#include "common/expected.h"

namespace fccl::sim {

// `fn` runs in a fork of this process; its text, or its error, comes back through a pipe. A
// child that dies without answering is an error naming how it ended.
Expected<std::string> runInChild(const std::function<Expected<std::string>()>& fn);

}  // namespace fccl::sim
