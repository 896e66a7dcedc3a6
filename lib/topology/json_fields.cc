#include "topology/json_fields.h"

#include <cmath>

#include "topology/json_lines.h"

namespace fccl {
namespace {

std::string join(const std::string& where, const char* key) {
  return where == "(top level)" ? std::string(key) : where + "." + key;
}

}  // namespace

Status fieldError(const JsonSource& src, const std::string& field, const std::string& what) {
  return Status(Code::kInvalidArgument, "topology file " + src.name + ": " + field + ": " + what + " (line " +
                                            std::to_string(lineOfField(src.text, field)) + ")");
}

Status checkKeys(const Json& object, std::initializer_list<const char*> known, const std::string& where,
                 const JsonSource& src) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) return fieldError(src, join(where, it.key().c_str()), "unknown field");
  }
  return Status::ok();
}

Expected<std::string> stringField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                                  bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return fieldError(src, join(where, key), "missing");
    return std::string();
  }
  if (!it->is_string() || it->get<std::string>().empty())
    return fieldError(src, join(where, key), "must be a non-empty string");
  return it->get<std::string>();
}

Expected<int> positiveIntField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                               int fallback, int most) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (fallback > 0) return fallback;
    return fieldError(src, join(where, key), "missing");
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > most)
    return fieldError(src, join(where, key), "must be an integer from 1 to " + std::to_string(most));
  return static_cast<int>(it->get<int64_t>());
}

Expected<double> positiveNumberField(const Json& object, const char* key, const std::string& where,
                                     const JsonSource& src, double fallback) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (fallback >= 0) return fallback;
    return fieldError(src, join(where, key), "missing");
  }
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0)
    return fieldError(src, join(where, key), "must be a positive number");
  return it->get<double>();
}

Expected<const Json*> objectField(const Json& object, const char* key, const std::string& where, const JsonSource& src,
                                  bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return fieldError(src, join(where, key), "missing");
    return static_cast<const Json*>(nullptr);
  }
  if (!it->is_object()) return fieldError(src, join(where, key), "must be an object");
  return &*it;
}

}  // namespace fccl
