// fccl-topo's three outputs: text for people, JSON for scripts, Graphviz dot for a picture
// (domains as clusters, hosts inside them, the ring as edges coloured by fabric).
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tools/fccl-topo/topo_view.h"

namespace fccl::topo {
namespace {

char fabricLetter(const HopChoice& hop) { return hop.fabric == Fabric::kScaleUp ? 'U' : 'O'; }

// Domains in order of their first rank, each with its hosts in order of their first rank.
std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<int>>>>> grouped(const TopoView& v) {
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<int>>>>> domains;
  for (int r : v.ring) {
    const RankPlace& p = v.ranks[static_cast<size_t>(r)].place;
    if (domains.empty() || domains.back().first != p.domainName) domains.push_back({p.domainName, {}});
    auto& hosts = domains.back().second;
    if (hosts.empty() || hosts.back().first != p.hostName) hosts.push_back({p.hostName, {}});
    hosts.back().second.push_back(r);
  }
  return domains;
}

std::string rankList(const std::vector<int>& ranks) {
  std::string text;
  for (int r : ranks) {
    if (!text.empty()) text += ' ';
    text += std::to_string(r);
  }
  return text;
}

}  // namespace

std::string renderText(const TopoView& v) {
  std::ostringstream out;
  const auto domains = grouped(v);
  size_t hostCount = 0;
  for (const auto& d : domains) hostCount += d.second.size();
  out << "topology: " << v.title << " (" << v.source << "): " << v.ranks.size() << " rank(s) on " << hostCount
      << " host(s) in " << domains.size() << " scale-up domain(s)\n";
  for (const std::string& line : v.hardware) out << line << "\n";
  for (const auto& [domain, hosts] : domains) {
    out << "scale-up domain " << domain << ":\n";
    for (const auto& [host, ranks] : hosts) {
      out << "  host " << host << ": ranks " << rankList(ranks);
      std::set<std::string> nics;
      for (int r : ranks)
        if (!v.ranks[static_cast<size_t>(r)].nic.empty()) nics.insert(v.ranks[static_cast<size_t>(r)].nic);
      if (!nics.empty()) {
        out << "; NIC per rank:";
        for (int r : ranks) out << " " << r << "->" << v.ranks[static_cast<size_t>(r)].nic;
      }
      out << "\n";
    }
  }
  out << "per-hop fabric (row sends to column; U scale-up, O scale-out):\n     ";
  for (size_t c = 0; c < v.ranks.size(); ++c) out << (c % 10 == 0 ? '|' : ' ');
  out << "\n";
  for (size_t a = 0; a < v.ranks.size(); ++a) {
    char label[32];
    std::snprintf(label, sizeof(label), "%4zu ", a);
    out << label;
    for (size_t b = 0; b < v.ranks.size(); ++b) out << (a == b ? '.' : fabricLetter(v.hops[a][b]));
    out << "\n";
  }
  // One reason per distinct kind of hop, as the communicator logs it at INFO.
  std::map<std::string, std::pair<size_t, size_t>> reasons;
  for (size_t a = 0; a < v.ranks.size(); ++a)
    for (size_t b = 0; b < v.ranks.size(); ++b) {
      if (a == b) continue;
      std::string kind = v.hops[a][b].reason;
      if (auto at = kind.find("rank "); at != std::string::npos) kind = kind.substr(0, at) + "rank ...";
      reasons.try_emplace(kind, a, b);
    }
  out << "why (one example each):\n";
  for (const auto& [kind, pair] : reasons)
    out << "  " << pair.first << " -> " << pair.second << ": " << v.hops[pair.first][pair.second].reason << "\n";
  out << "ring order: " << rankList(v.ring) << " (" << v.crossings << " scale-up domain crossing(s))\n";
  for (size_t t = 0; t < 2; ++t) {
    out << "tree " << t << " parents:";
    for (size_t r = 0; r < v.ranks.size(); ++r) out << " " << r << "->" << v.treeParents[t][r];
    out << "\n";
  }
  return out.str();
}

std::string renderJson(const TopoView& v) {
  nlohmann::json j;
  j["title"] = v.title;
  j["source"] = v.source;
  j["ranks"] = nlohmann::json::array();
  for (size_t r = 0; r < v.ranks.size(); ++r)
    j["ranks"].push_back({{"rank", r}, {"host", v.ranks[r].place.hostName}, {"domain", v.ranks[r].place.domainName},
                          {"nic", v.ranks[r].nic}});
  j["hops"] = nlohmann::json::array();
  for (size_t a = 0; a < v.ranks.size(); ++a) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t b = 0; b < v.ranks.size(); ++b)
      row.push_back(a == b ? nlohmann::json(nullptr)
                           : nlohmann::json{{"fabric", v.hops[a][b].fabric == Fabric::kScaleUp ? "scale-up" : "scale-out"},
                                            {"reason", v.hops[a][b].reason}});
    j["hops"].push_back(row);
  }
  j["ring"] = v.ring;
  j["domain_crossings"] = v.crossings;
  j["tree_parents"] = {v.treeParents[0], v.treeParents[1]};
  j["hardware"] = v.hardware;
  return j.dump(2) + "\n";
}

std::string renderDot(const TopoView& v) {
  std::ostringstream out;
  out << "digraph fccl_topology {\n  label=\"" << v.title << ": ring order, blue = scale-up, red = scale-out\";\n"
      << "  node [shape=box, fontsize=10];\n";
  int cluster = 0;
  for (const auto& [domain, hosts] : grouped(v)) {
    out << "  subgraph cluster_" << cluster++ << " {\n    label=\"domain " << domain << "\"; style=rounded;\n";
    for (const auto& [host, ranks] : hosts) {
      out << "    subgraph cluster_" << cluster++ << " {\n      label=\"host " << host << "\"; style=dashed;\n";
      for (int r : ranks) {
        const std::string& nic = v.ranks[static_cast<size_t>(r)].nic;
        out << "      r" << r << " [label=\"rank " << r;
        if (!nic.empty()) out << "\\n" << nic;
        out << "\"];\n";
      }
      out << "    }\n";
    }
    out << "  }\n";
  }
  for (size_t i = 0; i < v.ring.size() && v.ring.size() > 1; ++i) {
    const int a = v.ring[i], b = v.ring[(i + 1) % v.ring.size()];
    const bool up = v.hops[static_cast<size_t>(a)][static_cast<size_t>(b)].fabric == Fabric::kScaleUp;
    out << "  r" << a << " -> r" << b << " [color=" << (up ? "blue" : "red") << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace fccl::topo
