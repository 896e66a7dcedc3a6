// The field checks that topology files (topology_file.cc) and their link figures
// (fabric_figures.cc) share. Every error names the file, the field and its line:
//   topology file t.json: hosts[1].ranks: must be an integer from 1 to 1048576 (line 4)
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace fccl {

using Json = nlohmann::json;

// The file being read: its name for messages and its text, where lines are found.
struct JsonSource {
  std::string name;
  std::string_view text;
};

Status fieldError(const JsonSource& src, const std::string& field, const std::string& what);
// Any key of `object` that is not in `known` is an error naming it.
Status checkKeys(const Json& object, std::initializer_list<const char*> known, const std::string& where,
                 const JsonSource& src);
// A non-empty string; "" when absent and not required.
Expected<std::string> stringField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                                  bool required);
// An integer from 1 to `most`; `fallback` (when > 0) if absent, else an error.
Expected<int> positiveIntField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                               int fallback, int most);
// A finite number above 0; `fallback` (when >= 0) if absent, else an error.
Expected<double> positiveNumberField(const Json& object, const char* key, const std::string& where,
                                     const JsonSource& src, double fallback);
// The object at `key` (an error if it is there but not an object); nullptr when absent.
Expected<const Json*> objectField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                                  bool required);

}  // namespace fccl
