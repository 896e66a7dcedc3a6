// Where a field of a JSON text is: nlohmann-json reports the byte of a syntax error but keeps no
// positions for values, so a file's checks, which find problems by field path, find the line here.
#pragma once

#include <cstddef>
#include <string_view>

namespace fccl {

// The line (from 1) where the value at `path` begins in `text`, a path as the topology checks
// write it: "hosts[2].nics[0].gbps", "fabric.scaleup.link_GBps". A path that is not there (a
// missing field) gives the line of its nearest ancestor that is; the top level is line 1. `text`
// must be valid JSON.
size_t lineOfField(std::string_view text, std::string_view path);

}  // namespace fccl
