// What parseTopology says of a malformed topology text: its message, or "accepted". A rejection
// must be kInvalidArgument.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "topology/topology_file.h"

namespace fccl::test {

inline std::string rejectedTopology(const std::string& text) {
  auto file = parseTopology(text, "t.json");
  if (file.isOk()) return "accepted";
  CHECK(file.status().code() == Code::kInvalidArgument);
  return file.status().message();
}

}  // namespace fccl::test
