#include "transports/scaleout/ofi_provider.h"

#include <rdma/fi_domain.h>
#include <rdma/fi_errno.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "common/env.h"

namespace fccl {
namespace {

constexpr const char* kDefaultOrder[] = {"efa", "verbs;ofi_rxm", "tcp;ofi_rxm", "shm"};
constexpr int kMaxComms = 65536;  // all comms share one endpoint; ids are plentiful (ofi_tag.h)

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "nothing" : out;
}

bool isLoopback(const fi_info& info) {
  const char* fabric = info.fabric_attr && info.fabric_attr->name ? info.fabric_attr->name : "";
  const char* domain = info.domain_attr && info.domain_attr->name ? info.domain_attr->name : "";
  return !std::strcmp(domain, "lo") || !std::strncmp(fabric, "127.", 4) || !std::strcmp(fabric, "::1/128");
}

// IPv6 link-local fabrics need a scope id the address vector does not carry; skip them.
bool isLinkLocal(const fi_info& info) {
  const char* fabric = info.fabric_attr && info.fabric_attr->name ? info.fabric_attr->name : "";
  return !std::strncmp(fabric, "fe80:", 5);
}

bool matchesIface(const fi_info& info, const std::vector<std::string>& ifaces) {
  if (ifaces.empty()) return true;
  for (const auto& name : ifaces) {
    if (info.domain_attr && info.domain_attr->name && name == info.domain_attr->name) return true;
    if (info.nic && info.nic->device_attr && info.nic->device_attr->name && name == info.nic->device_attr->name)
      return true;
  }
  return false;
}

Expected<FiInfoPtr> query(const char* provider, const char* domain, uint64_t extraCaps) {
  FiInfoPtr hints = makeHints(provider, domain, extraCaps);
  if (!hints) return Status(Code::kSystem, "fi_allocinfo failed");
  fi_info* found = nullptr;
  const int rc = fi_getinfo(FI_VERSION(FI_MAJOR_VERSION, FI_MINOR_VERSION), nullptr, nullptr, 0, hints.get(), &found);
  if (rc == -FI_ENODATA) return FiInfoPtr();
  if (rc != 0) return Status(Code::kSystem, std::string("fi_getinfo: ") + fi_strerror(-rc));
  return FiInfoPtr(found);
}

// The devices `provider` offers: one fi_info per distinct domain, filtered and ordered.
Expected<std::vector<FiInfoPtr>> devicesOf(const std::string& provider, const std::vector<std::string>& ifaces) {
  FCCL_ASSIGN_OR_RETURN(FiInfoPtr list, query(provider.c_str(), nullptr, 0));
  std::vector<FiInfoPtr> real, loopback;
  std::set<std::string> seen;
  for (const fi_info* i = list.get(); i; i = i->next) {
    if (!i->fabric_attr || !i->fabric_attr->prov_name || provider != i->fabric_attr->prov_name) continue;
    if (!i->domain_attr || !i->domain_attr->name || isLinkLocal(*i) || !matchesIface(*i, ifaces)) continue;
    if (!seen.insert(i->domain_attr->name).second) continue;  // a domain's first entry (IPv4 before IPv6)
    FiInfoPtr one(fi_dupinfo(i));
    if (!one) return Status(Code::kSystem, "fi_dupinfo failed");
    fi_freeinfo(one->next);
    one->next = nullptr;
    (isLoopback(*i) && ifaces.empty() ? loopback : real).push_back(std::move(one));
  }
  for (auto& l : loopback) real.push_back(std::move(l));
  return real;
}

std::vector<std::string> offeredProviders() {
  std::vector<std::string> names;
  auto list = query(nullptr, nullptr, 0);
  if (!list.isOk()) return names;
  std::set<std::string> seen;
  for (const fi_info* i = list->get(); i; i = i->next)
    if (i->fabric_attr && i->fabric_attr->prov_name && seen.insert(i->fabric_attr->prov_name).second)
      names.push_back(i->fabric_attr->prov_name);
  return names;
}

void copyString(char* dst, size_t bytes, const std::string& src) {
  std::snprintf(dst, bytes, "%s", src.c_str());
}

std::string readFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The PCI function a sysfs device path lies under ("/sys/devices/pci0000:00/0000:00:03.0" for
// ".../0000:00:03.0/virtio2"), or "" when none does.
std::string pciFunction(std::string path) {
  auto isFunction = [](const std::string& name) {  // dddd:bb:dd.f
    return name.size() == 12 && name[4] == ':' && name[7] == ':' && name[10] == '.';
  };
  while (!path.empty()) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) break;
    if (isFunction(path.substr(slash + 1))) return path;
    path.resize(slash);
  }
  return "";
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

FiInfoPtr makeHints(const char* provider, const char* domain, uint64_t extraCaps) {
  FiInfoPtr hints(fi_allocinfo());
  if (!hints) return hints;
  hints->caps = FI_TAGGED | FI_MSG | extraCaps;
  hints->ep_attr->type = FI_EP_RDM;
  hints->mode = FI_CONTEXT | FI_CONTEXT2;
  hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
  hints->domain_attr->threading = FI_THREAD_DOMAIN;
  if (provider) hints->fabric_attr->prov_name = strdup(provider);  // fi_freeinfo frees these
  if (domain) hints->domain_attr->name = strdup(domain);
  return hints;
}

Expected<ProviderChoice> chooseProvider() {
  const auto forced = envString("FCCL_NET_PROVIDER");
  const auto ifaceText = envString("FCCL_NET_IFACE");
  const std::vector<std::string> ifaces = ifaceText ? splitList(*ifaceText) : std::vector<std::string>{};
  std::vector<std::string> order;
  if (forced) order.push_back(*forced);
  else order.assign(std::begin(kDefaultOrder), std::end(kDefaultOrder));

  for (const auto& provider : order) {
    FCCL_ASSIGN_OR_RETURN(std::vector<FiInfoPtr> devices, devicesOf(provider, ifaces));
    if (devices.empty()) continue;
    ProviderChoice choice;
    choice.provider = provider;
    choice.why = forced ? "FCCL_NET_PROVIDER" : "the first of " + joined(order) + " that libfabric offers";
    auto rma = query(provider.c_str(), devices.front()->domain_attr->name, FI_RMA);
    choice.rma = rma.isOk() && *rma;
    choice.devices = std::move(devices);
    return choice;
  }
  std::string what = forced ? "FCCL_NET_PROVIDER=" + *forced + ": libfabric offers no such provider"
                            : "libfabric offers none of " + joined(order);
  what += " with reliable tagged messaging (FI_EP_RDM, FI_TAGGED)";
  if (ifaceText) what += " on FCCL_NET_IFACE=" + *ifaceText;
  return Status(Code::kInvalidUsage, what + " (providers available: " + joined(offeredProviders()) + ")");
}

void describeDevice(const fi_info& info, bool rma, fcclNetProperties_v1_t* props) {
  const std::string domain = info.domain_attr->name;
  const std::string provider = info.fabric_attr->prov_name;
  copyString(props->name, sizeof(props->name), domain);
  copyString(props->provider, sizeof(props->provider), provider);

  std::string pci;
  if (info.nic && info.nic->bus_attr && info.nic->bus_attr->bus_type == FI_BUS_PCI) {
    const auto& a = info.nic->bus_attr->attr.pci;
    char text[64];
    std::snprintf(text, sizeof(text), "/sys/bus/pci/devices/%04x:%02x:%02x.%x", a.domain_id, a.bus_id, a.device_id,
                  a.function_id);
    pci = text;
  } else if (char resolved[PATH_MAX]; realpath(("/sys/class/net/" + domain + "/device").c_str(), resolved)) {
    pci = pciFunction(resolved);
  }
  copyString(props->pciPath, sizeof(props->pciPath), pci);
  props->guid = fnv1a(provider + "/" + (pci.empty() ? domain : pci));

  int speedMbps = 0;
  if (info.nic && info.nic->link_attr && info.nic->link_attr->speed)
    speedMbps = static_cast<int>(info.nic->link_attr->speed / 1000000);
  else if (int v = std::atoi(readFirstLine("/sys/class/net/" + domain + "/speed").c_str()); v > 0)
    speedMbps = v;
  props->speedMbps = speedMbps;
  props->latencyUs = 0;
  props->maxComms = kMaxComms;
  props->maxRecvs = FCCL_NET_MAX_RECVS;
  props->ptrSupport = FCCL_NET_PTR_HOST;
  props->regIsGlobal = 1;
  props->rmaSupport = rma ? 1 : 0;
}

}  // namespace fccl
