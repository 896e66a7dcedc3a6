// The net plugin boundary: FCCL_NET_PLUGIN loads a library, checks its struct and goes through
// it for every call; a library that is missing, lacks the symbol, speaks another ABI version or
// leaves a hook NULL is refused with an error naming it and the fault.
#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "harness/run_ranks.h"
#include "plugin/net_test_support.h"
#include "transports/plugin/net.h"
#include "transports/scaleout/net_transport.h"
#include "transports/scaleout/ofi_net.h"

namespace {

using namespace fccl;
using namespace fccl::test;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;

// The hooks in fcclNet_v1_t order, as fcclTestNetCalls() counts them.
enum Hook {
  kInit, kFinalize, kDevices, kGetProperties, kListen, kConnect, kAccept, kRegMr, kRegMrDmaBuf, kDeregMr,
  kIsend, kIrecv, kIflush, kTest, kCloseSend, kCloseRecv, kCloseListen, kHookCount
};

// Loads and checks one plugin path in a child (the test process never loads libfabric); the
// error text of Net::load, or "loaded".
std::string loadError(const char* path) {
  ScopedEnv env({{"FCCL_NET_PLUGIN", path}, {"FCCL_NET_PROVIDER", "tcp;ofi_rxm"}, {"FCCL_NET_IFACE", "lo"}});
  Channel result;
  auto outcome = runRanks(1, [&](int) -> std::string {
    auto net = Net::load();
    const std::string text = net.isOk() ? "loaded " + std::string((*net)->name()) : net.status().message();
    const uint32_t bytes = static_cast<uint32_t>(text.size());
    result.write(&bytes, sizeof(bytes));
    result.write(text.data(), text.size());
    return "";
  }, kDeadline);
  uint32_t bytes = 0;
  if (!allOk(outcome) || !result.read(&bytes, sizeof(bytes), 1000)) return "child failed: " + describe(outcome);
  std::string text(bytes, '\0');
  result.read(text.data(), bytes, 1000);
  return text;
}

}  // namespace

TEST_CASE("without FCCL_NET_PLUGIN, and with FCCL_NET_PLUGIN=ofi, the built-in net is used", "[unit][net][plugin]") {
  REQUIRE(loadError(nullptr) == "loaded ofi");
  REQUIRE(loadError("ofi") == "loaded ofi");
}

TEST_CASE("a net plugin library that does not exist is an error naming its path", "[unit][net][plugin]") {
  ScopedEnv env({{"FCCL_NET_PLUGIN", "/nonexistent/libnet.so"}});
  auto net = Net::load();
  REQUIRE_FALSE(net.isOk());
  REQUIRE(net.status().code() == Code::kSystem);
  REQUIRE_THAT(net.status().message(), Catch::Contains("FCCL_NET_PLUGIN=/nonexistent/libnet.so"));
}

TEST_CASE("a library without the net plugin symbol is an error naming the library and symbol", "[unit][net][plugin]") {
  ScopedEnv env({{"FCCL_NET_PLUGIN", "libm.so.6"}});
  auto net = Net::load();
  REQUIRE_FALSE(net.isOk());
  REQUIRE(net.status().code() == Code::kInvalidUsage);
  REQUIRE_THAT(net.status().message(), Catch::Contains("libm.so.6") && Catch::Contains("fcclNetPlugin_v1"));
}

TEST_CASE("net plugin libraries with a NULL hook or an old ABI version are refused, naming the library",
          "[unit][net][plugin]") {
  const std::string nullHook = loadError(FCCL_TEST_NET_PLUGIN_NULL_HOOK);
  CHECK_THAT(nullHook, Catch::Contains(FCCL_TEST_NET_PLUGIN_NULL_HOOK) && Catch::Contains("hook 'isend' is NULL"));
  const std::string oldVersion = loadError(FCCL_TEST_NET_PLUGIN_OLD_VERSION);
  CHECK_THAT(oldVersion, Catch::Contains(FCCL_TEST_NET_PLUGIN_OLD_VERSION) && Catch::Contains("major version 0"));
}

TEST_CASE("a net plugin struct that breaks the ABI is rejected with the field named", "[unit][net][plugin]") {
  // Validation comes before init: none of these touches libfabric.
  fcclNet_v1_t plugin = ofiNetPlugin();
  std::string expected;
  SECTION("a NULL hook") {
    plugin.test = nullptr;
    expected = "hook 'test' is NULL";
  }
  SECTION("another NULL hook") {
    plugin.regMrDmaBuf = nullptr;
    expected = "hook 'regMrDmaBuf' is NULL";
  }
  SECTION("no name") {
    plugin.name = nullptr;
    expected = "field 'name' is NULL";
  }
  SECTION("a newer major version") {
    plugin.version = FCCL_NET_VERSION(2, 0);
    expected = "major version 2";
  }
  SECTION("a struct smaller than version 1.0") {
    plugin.size = offsetof(fcclNet_v1_t, closeRecv);
    expected = "struct size";
  }
  auto net = Net::fromPlugin(&plugin, "test-struct");
  REQUIRE_FALSE(net.isOk());
  REQUIRE(net.status().code() == Code::kInvalidUsage);
  REQUIRE_THAT(net.status().message(), Catch::Contains("test-struct") && Catch::Contains(expected));
  REQUIRE_FALSE(Net::fromPlugin(nullptr, "null").isOk());
}

TEST_CASE("a net plugin loaded with FCCL_NET_PLUGIN carries every call of the transport", "[unit][net][plugin]") {
  ScopedEnv env({{"FCCL_NET_PLUGIN", FCCL_TEST_NET_PLUGIN}, {"FCCL_NET_PROVIDER", "tcp;ofi_rxm"}, {"FCCL_NET_IFACE", "lo"}});
  constexpr uint64_t kChunks = 1000;
  Channel channel;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    // Hold the library so its counts outlive the transport (which unloads its copy at the end).
    void* library = dlopen(FCCL_TEST_NET_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    NET_CHECK(library, std::string("dlopen: ") + dlerror());
    using CallsFn = const uint64_t* (*)(int*);
    auto calls = reinterpret_cast<CallsFn>(dlsym(library, "fcclTestNetCalls"));
    NET_CHECK(calls, "no fcclTestNetCalls");
    {
      NetOptions options;
      options.slots = 4;
      options.slotBytes = 1024;
      auto transport = NetTransport::create(options);
      NET_OK(transport);
      NET_CHECK((*transport)->name() == "counting:tcp;ofi_rxm", "transport named " + std::string((*transport)->name()));
      auto another = NetTransport::create(options);  // a second communicator shares the process's net
      NET_OK(another);
      if (rank == 0) {
        std::vector<std::byte> handle;
        auto recv = (*transport)->listen({1, -1}, handle);
        NET_OK(recv);
        const uint32_t bytes = static_cast<uint32_t>(handle.size());
        NET_CHECK(channel.write(&bytes, sizeof(bytes)) && channel.write(handle.data(), bytes), "cannot pass the handle");
        const Deadline deadline = Deadline::afterMs(20000);
        for (uint64_t k = 0; k < kChunks;) {
          auto chunk = (*recv)->peek();
          if (!chunk) {
            NET_CHECK(!deadline.expired(), "chunk " + std::to_string(k) + " timed out");
            if (Status h = (*recv)->health(); !h.isOk()) return h.message();
            continue;
          }
          NET_CHECK(chunk->size() == k % 1025, "chunk " + std::to_string(k) + " has " + std::to_string(chunk->size()) + " bytes");
          if (auto e = checkPattern(*chunk, k); !e.empty()) return e;
          (*recv)->release();
          ++k;
        }
      } else {
        uint32_t bytes = 0;
        NET_CHECK(channel.read(&bytes, sizeof(bytes)) && bytes <= 252, "no handle");
        std::vector<std::byte> handle(bytes);
        NET_CHECK(channel.read(handle.data(), bytes), "no handle");
        auto send = (*transport)->connect({0, -1}, handle);
        NET_OK(send);
        const Deadline deadline = Deadline::afterMs(20000);
        for (uint64_t k = 0; k < kChunks;) {
          auto slot = (*send)->acquire();
          if (slot.empty()) {
            NET_CHECK(!deadline.expired(), "chunk " + std::to_string(k) + " timed out");
            if (Status h = (*send)->health(); !h.isOk()) return h.message();
            continue;
          }
          fillPattern(slot.first(k % 1025), k);
          (*send)->commit(k % 1025);
          ++k;
        }
      }
    }  // connectors and transport gone: the plugin is finalized
    int n = 0;
    const uint64_t* c = calls(&n);
    NET_CHECK(n == kHookCount, "the plugin counts " + std::to_string(n) + " hooks");
    auto expect = [&](Hook h, uint64_t atLeast, const char* what) -> std::string {
      return c[h] >= atLeast ? "" : std::string(what) + " called " + std::to_string(c[h]) + " times";
    };
    for (auto e : {expect(kInit, 1, "init"), expect(kFinalize, 1, "finalize"), expect(kDevices, 1, "devices"),
                   expect(kGetProperties, 1, "getProperties"), expect(kRegMr, 1, "regMr"),
                   expect(kDeregMr, 1, "deregMr"), expect(kTest, kChunks, "test")})
      if (!e.empty()) return e;
    if (rank == 0) {
      for (auto e : {expect(kListen, 1, "listen"), expect(kAccept, 1, "accept"), expect(kIrecv, kChunks, "irecv"),
                     expect(kCloseRecv, 1, "closeRecv")})
        if (!e.empty()) return e;
      NET_CHECK(c[kIsend] == 0 && c[kConnect] == 0, "the receiver sent");
    } else {
      for (auto e : {expect(kConnect, 1, "connect"), expect(kIsend, kChunks, "isend"), expect(kCloseSend, 1, "closeSend")})
        if (!e.empty()) return e;
      NET_CHECK(c[kIrecv] == 0 && c[kListen] == 0, "the sender received");
    }
    NET_CHECK(c[kInit] == 1 && c[kFinalize] == 1, "init/finalize not exactly once");
    return "";
  }, kDeadline);
  INFO(describe(outcome));
  REQUIRE(allOk(outcome));
}
