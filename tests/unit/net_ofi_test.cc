// The built-in libfabric net through the plugin ABI (fccl_net.h), between two forked processes:
// sizes 0 to 8 MiB, tag matching whatever order receives are posted in, the net's flow control,
// many messages through few buffers, truncation, peer death, and the errors users see.
#include <signal.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/run_ranks.h"
#include "plugin/net_test_support.h"
#include "transports/plugin/net.h"
#include "transports/scaleout/ofi_net.h"

namespace {

using namespace fccl;
using namespace fccl::test;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;

// The provider a test runs on: tcp;ofi_rxm over loopback, and shm where libfabric has it.
struct Provider {
  const char* name;
  const char* iface;
};
constexpr Provider kTcp{"tcp;ofi_rxm", "lo"};
constexpr Provider kShm{"shm", nullptr};

std::unique_ptr<Net> openNet(std::string* error) {
  auto net = Net::fromPlugin(&ofiNetPlugin(), "built-in");
  if (!net.isOk()) {
    *error = net.status().message();
    return nullptr;
  }
  return std::move(net).take();
}

// Whether the provider works here, asked in a child so the test process never touches libfabric.
bool available(const Provider& p) {
  ScopedEnv env({{"FCCL_NET_PROVIDER", p.name}, {"FCCL_NET_IFACE", p.iface}});
  auto outcome = runRanks(1, [](int) {
    std::string error;
    return openNet(&error) ? std::string() : error;
  }, 20s);
  if (!allOk(outcome)) WARN("provider " << p.name << " unavailable: " << describe(outcome));
  return allOk(outcome);
}

// Runs `receiver` as rank 0 and `sender` as rank 1 on provider `p`, with a channel for the handle.
template <class Receiver, class Sender>
void runPair(const Provider& p, Receiver receiver, Sender sender) {
  ScopedEnv env({{"FCCL_NET_PROVIDER", p.name}, {"FCCL_NET_IFACE", p.iface}});
  Channel handle;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    std::string error;
    auto net = openNet(&error);
    if (!net) return error;
    NetComm comm;
    if (rank == 0) {
      if (auto e = acceptPeer(*net, 0, handle, comm); !e.empty()) return e;
      return receiver(*net, comm);
    }
    if (auto e = connectPeer(*net, 0, handle, comm); !e.empty()) return e;
    return sender(*net, comm);
  }, kDeadline);
  INFO(describe(outcome));
  REQUIRE(allOk(outcome));
}

std::vector<Provider> providers() {
  std::vector<Provider> out{kTcp};
  if (available(kShm)) out.push_back(kShm);
  return out;
}

}  // namespace

TEST_CASE("ofi net delivers messages of every size from 0 bytes to 8 MiB intact", "[unit][net][ofi]") {
  const std::vector<size_t> sizes = {0, 1, 63, 4095, 4096, 65537, 1u << 20, 8u << 20};
  for (const Provider& p : providers()) {
    INFO("provider " << p.name);
    runPair(
        p,
        [&](Net& net, NetComm& comm) -> std::string {
          std::vector<std::vector<std::byte>> buffers;
          std::vector<NetMr> mrs;
          std::vector<void*> requests;
          for (size_t s : sizes) buffers.emplace_back(s + 1);  // +1: never a zero-length allocation
          for (size_t i = 0; i < sizes.size(); ++i) {
            auto mr = net.regMr(comm, buffers[i].data(), buffers[i].size());
            NET_OK(mr);
            mrs.push_back(std::move(*mr));
            void* data = buffers[i].data();
            const size_t capacity = buffers[i].size();
            const uint32_t tag = 7;
            const NetMr* m = &mrs.back();
            auto request = net.irecv(comm, {&data, 1}, {&capacity, 1}, {&tag, 1}, {&m, 1});
            NET_OK(request);
            NET_CHECK(*request, "irecv met back-pressure with one connection");
            requests.push_back(*request);
          }
          for (size_t i = 0; i < sizes.size(); ++i) {
            size_t got = 0;
            if (auto e = waitRequest(net, requests[i], &got); !e.empty()) return e;
            NET_CHECK(got == sizes[i], "message " + std::to_string(i) + ": " + std::to_string(got) + " bytes, expected " +
                                           std::to_string(sizes[i]));
            if (auto e = checkPattern({buffers[i].data(), got}, i); !e.empty()) return "message " + std::to_string(i) + ": " + e;
          }
          return "";
        },
        [&](Net& net, NetComm& comm) -> std::string {
          std::vector<std::vector<std::byte>> buffers;
          std::vector<void*> requests;
          std::vector<NetMr> mrs;
          for (size_t i = 0; i < sizes.size(); ++i) {
            buffers.emplace_back(sizes[i] + 1);
            fillPattern({buffers[i].data(), sizes[i]}, i);
            auto mr = net.regMr(comm, buffers[i].data(), buffers[i].size());
            NET_OK(mr);
            mrs.push_back(std::move(*mr));
            auto request = net.isend(comm, buffers[i].data(), sizes[i], 7, mrs.back());
            NET_OK(request);
            NET_CHECK(*request, "isend met back-pressure with one connection");
            requests.push_back(*request);
          }
          for (void* r : requests)
            if (auto e = waitRequest(net, r); !e.empty()) return e;
          return "";
        });
  }
}

TEST_CASE("ofi net matches each message to its tag whatever order receives are posted in", "[unit][net][ofi]") {
  constexpr uint32_t kTags = 16;
  constexpr uint32_t kRounds = 4;
  constexpr size_t kBytes = 256;
  auto seed = [](uint32_t tag, uint32_t round) { return uint64_t{tag} * 1000 + round; };
  runPair(
      kTcp,
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> memory(kTags * kRounds * kBytes);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        auto at = [&](uint32_t tag, uint32_t round) { return memory.data() + (tag * kRounds + round) * kBytes; };
        std::vector<void*> requests;
        // Tags 15..8 one buffer at a time, newest tag first; tags 7..0 four at a time, grouped
        // across tags (one request, four tags), also newest first.
        for (uint32_t round = 0; round < kRounds; ++round)
          for (uint32_t tag = kTags - 1; tag >= 8; --tag) {
            void* data = at(tag, round);
            const size_t bytes = kBytes;
            const NetMr* m = &*mr;
            auto r = net.irecv(comm, {&data, 1}, {&bytes, 1}, {&tag, 1}, {&m, 1});
            NET_OK(r);
            requests.push_back(*r);
          }
        for (uint32_t round = 0; round < kRounds; ++round)
          for (uint32_t first = 4; first != UINT32_MAX; first -= 4) {
            void* data[4];
            size_t bytes[4];
            uint32_t tags[4];
            const NetMr* mrs[4];
            for (uint32_t i = 0; i < 4; ++i) {
              tags[i] = first + 3 - i;
              data[i] = at(tags[i], round);
              bytes[i] = kBytes;
              mrs[i] = &*mr;
            }
            auto r = net.irecv(comm, data, bytes, tags, mrs);
            NET_OK(r);
            requests.push_back(*r);
            if (first == 0) break;
          }
        for (void* r : requests)
          if (auto e = waitRequest(net, r); !e.empty()) return e;
        for (uint32_t tag = 0; tag < kTags; ++tag)
          for (uint32_t round = 0; round < kRounds; ++round)
            if (auto e = checkPattern({at(tag, round), kBytes}, seed(tag, round)); !e.empty())
              return "tag " + std::to_string(tag) + " round " + std::to_string(round) + ": " + e;
        return "";
      },
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> memory(kTags * kRounds * kBytes);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        std::vector<void*> requests;
        for (uint32_t round = 0; round < kRounds; ++round)
          for (uint32_t tag = 0; tag < kTags; ++tag) {
            std::byte* data = memory.data() + (tag * kRounds + round) * kBytes;
            fillPattern({data, kBytes}, seed(tag, round));
            auto r = net.isend(comm, data, kBytes, tag, *mr);
            NET_OK(r);
            requests.push_back(*r);
          }
        for (void* r : requests)
          if (auto e = waitRequest(net, r); !e.empty()) return e;
        return "";
      });
}

TEST_CASE("ofi net holds a send until the receiver has posted its buffer", "[unit][net][ofi]") {
  constexpr int kMessages = 8;
  Channel go;  // sender -> receiver: "you may post now"
  runPair(
      kTcp,
      [&](Net& net, NetComm& comm) -> std::string {
        char token = 0;
        NET_CHECK(go.read(&token, 1), "no go from the sender");
        std::vector<std::byte> memory(kMessages * 1024);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        for (int i = 0; i < kMessages; ++i) {
          void* data = memory.data() + i * 1024;
          const size_t bytes = 1024;
          const uint32_t tag = 0;
          const NetMr* m = &*mr;
          auto r = net.irecv(comm, {&data, 1}, {&bytes, 1}, {&tag, 1}, {&m, 1});
          NET_OK(r);
          size_t got = 0;
          if (auto e = waitRequest(net, *r, &got); !e.empty()) return e;
          if (auto e = checkPattern({memory.data() + i * 1024, got}, static_cast<uint64_t>(i)); !e.empty()) return e;
        }
        return "";
      },
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> memory(kMessages * 1024);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        std::vector<void*> requests;
        for (int i = 0; i < kMessages; ++i) {
          fillPattern({memory.data() + i * 1024, 1024}, static_cast<uint64_t>(i));
          auto r = net.isend(comm, memory.data() + i * 1024, 1024, 0, *mr);
          NET_OK(r);
          NET_CHECK(*r, "isend met back-pressure");
          requests.push_back(*r);
        }
        // Nothing is posted on the other side: no send may complete, however long we test.
        const Deadline quiet = Deadline::afterMs(300);
        while (!quiet.expired())
          for (void* r : requests) {
            auto done = net.test(r);
            NET_OK(done);
            NET_CHECK(!*done, "a send completed before the receiver posted a buffer");
          }
        NET_CHECK(go.write("g", 1), "cannot signal the receiver");
        for (void* r : requests)
          if (auto e = waitRequest(net, r); !e.empty()) return e;
        return "";
      });
}

TEST_CASE("ofi net moves 5000 messages through 4 posted buffers in order", "[unit][net][ofi]") {
  constexpr int kMessages = 5000;
  constexpr int kPosted = 4;
  constexpr int kInFlight = 64;
  constexpr size_t kBytes = 512;
  runPair(
      kTcp,
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> memory(kPosted * kBytes);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        std::vector<void*> requests(kPosted, nullptr);
        auto post = [&](int slot) -> std::string {
          void* data = memory.data() + slot * kBytes;
          const size_t bytes = kBytes;
          const uint32_t tag = 3;
          const NetMr* m = &*mr;
          const Deadline deadline = Deadline::afterMs(10000);
          while (!requests[slot] && !deadline.expired()) {  // back-pressure: try again
            auto r = net.irecv(comm, {&data, 1}, {&bytes, 1}, {&tag, 1}, {&m, 1});
            NET_OK(r);
            requests[slot] = *r;
          }
          return requests[slot] ? "" : "irecv stayed back-pressured";
        };
        for (int s = 0; s < kPosted; ++s)
          if (auto e = post(s); !e.empty()) return e;
        for (int k = 0; k < kMessages; ++k) {
          const int slot = k % kPosted;  // one tag: the k-th message fills the k-th receive
          size_t got = 0;
          if (auto e = waitRequest(net, requests[slot], &got); !e.empty()) return "message " + std::to_string(k) + ": " + e;
          requests[slot] = nullptr;
          NET_CHECK(got == kBytes, "message " + std::to_string(k) + " has " + std::to_string(got) + " bytes");
          if (auto e = checkPattern({memory.data() + slot * kBytes, kBytes}, static_cast<uint64_t>(k)); !e.empty())
            return "message " + std::to_string(k) + ": " + e;
          if (k + kPosted < kMessages)
            if (auto e = post(slot); !e.empty()) return e;
        }
        return "";
      },
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> memory(kInFlight * kBytes);
        auto mr = net.regMr(comm, memory.data(), memory.size());
        NET_OK(mr);
        std::vector<void*> requests(kInFlight, nullptr);
        for (int k = 0; k < kMessages; ++k) {
          const int slot = k % kInFlight;
          if (requests[slot])
            if (auto e = waitRequest(net, requests[slot]); !e.empty()) return "message " + std::to_string(k) + ": " + e;
          std::byte* data = memory.data() + slot * kBytes;
          fillPattern({data, kBytes}, static_cast<uint64_t>(k));
          requests[slot] = nullptr;
          const Deadline deadline = Deadline::afterMs(10000);
          while (!requests[slot] && !deadline.expired()) {
            auto r = net.isend(comm, data, kBytes, 3, *mr);
            NET_OK(r);
            requests[slot] = *r;
          }
          NET_CHECK(requests[slot], "isend stayed back-pressured");
        }
        for (void* r : requests)
          if (r)
            if (auto e = waitRequest(net, r); !e.empty()) return e;
        return "";
      });
}

TEST_CASE("a message longer than its receive buffer fails the receive, saying so", "[unit][net][ofi]") {
  runPair(
      kTcp,
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> small(100);
        auto mr = net.regMr(comm, small.data(), small.size());
        NET_OK(mr);
        void* data = small.data();
        const size_t bytes = small.size();
        const uint32_t tag = 0;
        const NetMr* m = &*mr;
        auto r = net.irecv(comm, {&data, 1}, {&bytes, 1}, {&tag, 1}, {&m, 1});
        NET_OK(r);
        const std::string e = waitRequest(net, *r);
        NET_CHECK(e.find("more than the buffer holds") != std::string::npos, "expected a truncation error, got: " + e);
        return "";
      },
      [&](Net& net, NetComm& comm) -> std::string {
        std::vector<std::byte> big(1000);
        auto mr = net.regMr(comm, big.data(), big.size());
        NET_OK(mr);
        auto r = net.isend(comm, big.data(), big.size(), 0, *mr);
        NET_OK(r);
        return waitRequest(net, *r);
      });
}

TEST_CASE("a killed peer fails the survivor's outstanding request within seconds", "[unit][net][ofi][fault]") {
  const bool killSender = GENERATE(true, false);
  INFO((killSender ? "sender killed" : "receiver killed"));
  ScopedEnv env({{"FCCL_NET_PROVIDER", kTcp.name}, {"FCCL_NET_IFACE", kTcp.iface}});
  Channel handle;
  Shared<std::atomic<int64_t>> deathNs;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    std::string error;
    auto net = openNet(&error);
    if (!net) return error;
    NetComm comm;
    const bool receiver = rank == 0;
    if (auto e = receiver ? acceptPeer(*net, 0, handle, comm) : connectPeer(*net, 0, handle, comm); !e.empty()) return e;
    std::vector<std::byte> memory(2 * 4096);
    auto mr = net->regMr(comm, memory.data(), memory.size());
    NET_OK(mr);
    auto post = [&](int i) -> Expected<void*> {
      if (!receiver) return net->isend(comm, memory.data() + i * 4096, 4096, 0, *mr);
      void* data = memory.data() + i * 4096;
      const size_t bytes = 4096;
      const uint32_t tag = 0;
      const NetMr* m = &*mr;
      return net->irecv(comm, {&data, 1}, {&bytes, 1}, {&tag, 1}, {&m, 1});
    };
    // One message goes through; then the victim dies and the survivor's second request must fail.
    // A surviving receiver posts both receives first and reads the first only well after the
    // sender's death: what a peer sent before it died is still delivered.
    if (receiver == !killSender) {  // the victim
      fillPattern({memory.data(), 4096}, 1);
      auto first = post(0);
      NET_OK(first);
      if (auto e = waitRequest(*net, *first); !e.empty()) return e;
      deathNs->store(nowNs());
      raise(SIGKILL);
    }
    auto first = post(0);
    NET_OK(first);
    auto second = post(1);
    NET_OK(second);
    if (receiver) {
      while (deathNs->load() == 0) usleep(1000);
      while (nowNs() - deathNs->load() < 1'500'000'000) usleep(1000);  // past the dead-peer grace
    }
    if (auto e = waitRequest(*net, *first); !e.empty()) return "the message sent before the death: " + e;
    if (receiver)
      if (auto e = checkPattern({memory.data(), 4096}, 1); !e.empty()) return e;
    const std::string e = waitRequest(*net, *second, nullptr, 15000);
    const double seconds = static_cast<double>(nowNs() - deathNs->load()) / 1e9;
    NET_CHECK(e.find("the peer is gone") != std::string::npos, "expected a dead-peer error, got: " + e);
    NET_CHECK(seconds < 5, "the death was noticed only after " + std::to_string(seconds) + " s");
    return "";
  }, kDeadline);
  INFO(describe(outcome));
  const int victim = killSender ? 1 : 0;
  REQUIRE(outcome[static_cast<size_t>(1 - victim)].ok());
  REQUIRE(outcome[static_cast<size_t>(victim)].signal == SIGKILL);
}

TEST_CASE("ofi net describes its device and names what is wrong", "[unit][net][ofi]") {
  SECTION("properties of the loopback device") {
    ScopedEnv env({{"FCCL_NET_PROVIDER", "tcp;ofi_rxm"}, {"FCCL_NET_IFACE", "lo"}});
    auto outcome = runRanks(1, [](int) -> std::string {
      std::string error;
      auto net = openNet(&error);
      if (!net) return error;
      auto n = net->devices();
      NET_OK(n);
      NET_CHECK(*n == 1, std::to_string(*n) + " devices on lo");
      auto props = net->properties(0);
      NET_OK(props);
      NET_CHECK(props->name == "lo" && props->provider == "tcp;ofi_rxm", props->name + " / " + props->provider);
      NET_CHECK(props->ptrSupport & FCCL_NET_PTR_HOST, "no host memory support");
      NET_CHECK(props->maxRecvs == FCCL_NET_MAX_RECVS, "maxRecvs " + std::to_string(props->maxRecvs));
      auto missing = net->properties(5);
      NET_CHECK(!missing.isOk() && missing.status().code() == Code::kInvalidArgument, "device 5 should not exist");
      return "";
    }, kDeadline);
    INFO(describe(outcome));
    REQUIRE(allOk(outcome));
  }
  SECTION("an unknown provider, an unknown interface") {
    auto outcome = runRanks(1, [](int) -> std::string {
      {
        ScopedEnv env({{"FCCL_NET_PROVIDER", "nonexistent"}, {"FCCL_NET_IFACE", nullptr}});
        auto net = Net::fromPlugin(&ofiNetPlugin(), "built-in");
        NET_CHECK(!net.isOk(), "an unknown provider loaded");
        const std::string& m = net.status().message();
        NET_CHECK(m.find("FCCL_NET_PROVIDER=nonexistent") != std::string::npos && m.find("tcp;ofi_rxm") != std::string::npos,
                  "message: " + m);
      }
      {
        ScopedEnv env({{"FCCL_NET_PROVIDER", nullptr}, {"FCCL_NET_IFACE", "nosuchif0"}});
        auto net = Net::fromPlugin(&ofiNetPlugin(), "built-in");
        NET_CHECK(!net.isOk(), "an unknown interface loaded");
        NET_CHECK(net.status().message().find("FCCL_NET_IFACE=nosuchif0") != std::string::npos,
                  "message: " + net.status().message());
      }
      return "";
    }, kDeadline);
    INFO(describe(outcome));
    REQUIRE(allOk(outcome));
  }
  SECTION("a garbage handle, dma-buf registration") {
    ScopedEnv env({{"FCCL_NET_PROVIDER", "tcp;ofi_rxm"}, {"FCCL_NET_IFACE", "lo"}});
    auto outcome = runRanks(1, [](int) -> std::string {
      std::string error;
      auto net = openNet(&error);
      if (!net) return error;
      NetHandle garbage;
      garbage.fill(std::byte{0x5a});
      auto comm = net->connect(0, garbage);
      NET_CHECK(!comm.isOk() && comm.status().code() == Code::kRemote, "a garbage handle connected");
      NET_CHECK(comm.status().message().find("not an ofi net handle") != std::string::npos,
                "message: " + comm.status().message());
      NetHandle handle;
      auto listen = net->listen(0, handle);
      NET_OK(listen);
      // A listen comm has no memory to register; use a send comm to ourselves.
      NetComm send;
      const Deadline deadline = Deadline::afterMs(10000);
      while (!send && !deadline.expired()) {
        auto c = net->connect(0, handle);
        NET_OK(c);
        send = std::move(*c);
      }
      NET_CHECK(send, "cannot connect to ourselves");
      char buffer[64];
      auto dmabuf = net->regMrDmaBuf(send, buffer, sizeof(buffer), 0, 0);
      NET_CHECK(!dmabuf.isOk() && dmabuf.status().code() == Code::kInvalidUsage, "dma-buf registration accepted");
      NET_CHECK(dmabuf.status().message().find("not supported") != std::string::npos,
                "message: " + dmabuf.status().message());
      return "";
    }, kDeadline);
    INFO(describe(outcome));
    REQUIRE(allOk(outcome));
  }
}
