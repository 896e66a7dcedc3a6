#include "topology/topology_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include "topology/identity_hash.h"
#include "topology/json_fields.h"

namespace fccl {
namespace {

constexpr int kMaxRanks = 1 << 20;

// The line (from 1) of byte `offset` in `text`.
size_t lineOf(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

Expected<std::vector<TopoNic>> nicsOf(const Json& host, const std::string& where, const JsonSource& src) {
  std::vector<TopoNic> nics;
  auto it = host.find("nics");
  if (it == host.end()) return nics;
  if (!it->is_array()) return fieldError(src, where + ".nics", "must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& nic = (*it)[i];
    const std::string at = where + ".nics[" + std::to_string(i) + "]";
    if (!nic.is_object()) return fieldError(src, at, "must be an object");
    FCCL_TRY(checkKeys(nic, {"name", "gbps"}, at, src));
    FCCL_ASSIGN_OR_RETURN(std::string name, stringField(nic, "name", at, src, true));
    FCCL_ASSIGN_OR_RETURN(double gbps, positiveNumberField(nic, "gbps", at, src, -1));
    nics.push_back({name, gbps});
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

Status parseHosts(const Json& hosts, const JsonSource& src, TopologyFile& file) {
  std::set<std::string> names;
  int64_t total = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const Json& entry = hosts[i];
    const std::string at = "hosts[" + std::to_string(i) + "]";
    if (!entry.is_object()) return fieldError(src, at, "must be an object");
    FCCL_TRY(checkKeys(entry, {"name", "count", "ranks", "domain", "nics"}, at, src));
    FCCL_ASSIGN_OR_RETURN(std::string name, stringField(entry, "name", at, src, true));
    FCCL_ASSIGN_OR_RETURN(int count, positiveIntField(entry, "count", at, src, 1, kMaxRanks));
    FCCL_ASSIGN_OR_RETURN(int ranks, positiveIntField(entry, "ranks", at, src, 0, kMaxRanks));
    FCCL_ASSIGN_OR_RETURN(std::string domain, stringField(entry, "domain", at, src, false));
    FCCL_ASSIGN_OR_RETURN(std::vector<TopoNic> nics, nicsOf(entry, at, src));
    const bool counted = entry.contains("count");
    for (int k = 0; k < count; ++k) {
      TopoHost host{counted ? name + std::to_string(k) : name, ranks, domain, nics};
      if (host.domain.empty()) host.domain = host.name;
      if (!names.insert(host.name).second) return fieldError(src, at + ".name", "host " + host.name + " twice");
      total += ranks;
      if (total > kMaxRanks) return fieldError(src, at, "more than " + std::to_string(kMaxRanks) + " ranks");
      file.hosts.push_back(std::move(host));
    }
  }
  return Status::ok();
}

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
  const JsonSource src{source, text};
  if (!root.is_object()) return fieldError(src, "(top level)", "must be an object");
  FCCL_TRY(checkKeys(root, {"name", "hosts", "fabric"}, "(top level)", src));
  TopologyFile file;
  file.source = source;
  FCCL_ASSIGN_OR_RETURN(file.name, stringField(root, "name", "(top level)", src, false));
  auto hosts = root.find("hosts");
  if (hosts == root.end() || !hosts->is_array() || hosts->empty())
    return fieldError(src, "hosts", "must be a non-empty array");
  FCCL_TRY(parseHosts(*hosts, src, file));
  if (auto fabric = root.find("fabric"); fabric != root.end()) {
    FCCL_ASSIGN_OR_RETURN(file.fabric, parseFabric(*fabric, src));
    std::set<std::string> domains;
    for (const TopoHost& h : file.hosts) domains.insert(h.domain);
    if (domains.size() > 1 && !file.fabric->scaleOut)
      return fieldError(src, "fabric.scaleout", "missing, and the file has " + std::to_string(domains.size()) +
                                                    " scale-up domains to join");
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
