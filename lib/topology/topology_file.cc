#include "topology/topology_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "topology/identity_hash.h"

namespace fccl {
namespace {

using Json = nlohmann::json;

constexpr int kMaxRanks = 1 << 20;

// The line (from 1) of byte `offset` in `text`.
size_t lineOf(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

Status fieldError(const std::string& source, const std::string& field, const std::string& what) {
  return Status(Code::kInvalidArgument, "topology file " + source + ": " + field + ": " + what);
}

Expected<std::string> stringField(const Json& object, const char* key, const std::string& where,
                                  const std::string& source, bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return fieldError(source, where + "." + key, "missing");
    return std::string();
  }
  if (!it->is_string() || it->get<std::string>().empty())
    return fieldError(source, where + "." + key, "must be a non-empty string");
  return it->get<std::string>();
}

Expected<int> positiveField(const Json& object, const char* key, const std::string& where, const std::string& source,
                            int fallback) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (fallback > 0) return fallback;
    return fieldError(source, where + "." + key, "missing");
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxRanks)
    return fieldError(source, where + "." + key, "must be an integer from 1 to " + std::to_string(kMaxRanks));
  return static_cast<int>(it->get<int64_t>());
}

Status checkKeys(const Json& object, std::initializer_list<const char*> known, const std::string& where,
                 const std::string& source) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) return fieldError(source, where + "." + it.key(), "unknown field");
  }
  return Status::ok();
}

Expected<std::vector<TopoNic>> nicsOf(const Json& host, const std::string& where, const std::string& source) {
  std::vector<TopoNic> nics;
  auto it = host.find("nics");
  if (it == host.end()) return nics;
  if (!it->is_array()) return fieldError(source, where + ".nics", "must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& nic = (*it)[i];
    const std::string at = where + ".nics[" + std::to_string(i) + "]";
    if (!nic.is_object()) return fieldError(source, at, "must be an object");
    FCCL_TRY(checkKeys(nic, {"name", "gbps"}, at, source));
    FCCL_ASSIGN_OR_RETURN(std::string name, stringField(nic, "name", at, source, true));
    auto gbps = nic.find("gbps");
    if (gbps == nic.end() || !gbps->is_number() || gbps->get<double>() <= 0)
      return fieldError(source, at + ".gbps", "must be a positive number");
    nics.push_back({name, gbps->get<double>()});
  }
  return nics;
}

}  // namespace

int TopologyFile::ranks() const {
  int n = 0;
  for (const TopoHost& h : hosts) n += h.ranks;
  return n;
}

const TopoHost& TopologyFile::hostOf(int rank, int* localIndex) const {
  for (const TopoHost& h : hosts) {
    if (rank < h.ranks) {
      if (localIndex) *localIndex = rank;
      return h;
    }
    rank -= h.ranks;
  }
  return hosts.back();
}

const TopoNic* TopologyFile::nicOf(int rank) const {
  int local = 0;
  const TopoHost& host = hostOf(rank, &local);
  if (host.nics.empty()) return nullptr;
  return &host.nics[static_cast<size_t>(local) % host.nics.size()];
}

namespace {

Expected<TopologyFile> parseJson(std::string_view text, const std::string& source) {
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Status(Code::kInvalidArgument, "topology file " + source + ": line " +
                                              std::to_string(lineOf(text, e.byte > 0 ? e.byte - 1 : 0)) +
                                              ": not valid JSON (" + e.what() + ")");
  } catch (const Json::out_of_range& e) {  // a number beyond what JSON numbers hold here (1e999)
    return Status(Code::kInvalidArgument, "topology file " + source + ": " + e.what());
  }
  if (!root.is_object()) return fieldError(source, "(top level)", "must be an object");
  FCCL_TRY(checkKeys(root, {"name", "hosts"}, "(top level)", source));
  TopologyFile file;
  file.source = source;
  FCCL_ASSIGN_OR_RETURN(file.name, stringField(root, "name", "(top level)", source, false));
  auto hosts = root.find("hosts");
  if (hosts == root.end() || !hosts->is_array() || hosts->empty())
    return fieldError(source, "hosts", "must be a non-empty array");
  std::set<std::string> names;
  int64_t total = 0;
  for (size_t i = 0; i < hosts->size(); ++i) {
    const Json& entry = (*hosts)[i];
    const std::string at = "hosts[" + std::to_string(i) + "]";
    if (!entry.is_object()) return fieldError(source, at, "must be an object");
    FCCL_TRY(checkKeys(entry, {"name", "count", "ranks", "domain", "nics"}, at, source));
    FCCL_ASSIGN_OR_RETURN(std::string name, stringField(entry, "name", at, source, true));
    FCCL_ASSIGN_OR_RETURN(int count, positiveField(entry, "count", at, source, 1));
    FCCL_ASSIGN_OR_RETURN(int ranks, positiveField(entry, "ranks", at, source, 0));
    FCCL_ASSIGN_OR_RETURN(std::string domain, stringField(entry, "domain", at, source, false));
    FCCL_ASSIGN_OR_RETURN(std::vector<TopoNic> nics, nicsOf(entry, at, source));
    const bool counted = entry.contains("count");
    for (int k = 0; k < count; ++k) {
      TopoHost host{counted ? name + std::to_string(k) : name, ranks, domain, nics};
      if (host.domain.empty()) host.domain = host.name;
      if (!names.insert(host.name).second) return fieldError(source, at + ".name", "host " + host.name + " twice");
      total += ranks;
      if (total > kMaxRanks) return fieldError(source, at, "more than " + std::to_string(kMaxRanks) + " ranks");
      file.hosts.push_back(std::move(host));
    }
  }
  return file;
}

}  // namespace

Expected<TopologyFile> parseTopology(std::string_view text, const std::string& source) {
  try {
    return parseJson(text, source);
  } catch (const Json::exception& e) {  // what the checks did not foresee is still an error, never a crash
    return Status(Code::kInvalidArgument, "topology file " + source + ": " + e.what());
  }
}

Expected<TopologyFile> loadTopologyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kInvalidArgument, "topology file " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parseTopology(text.str(), path);
}

std::vector<RankPlace> placesOf(const TopologyFile& file, uint64_t kernel) {
  std::vector<RankPlace> places;
  for (const TopoHost& host : file.hosts)
    for (int i = 0; i < host.ranks; ++i)
      places.push_back(RankPlace{identityHash("file-host:" + host.name), identityHash("domain:" + host.domain), kernel,
                                 host.name, host.domain});
  return places;
}

}  // namespace fccl
