// Streams: the host device's native streams through Device, and fccl::Stream on top of them.
// Every wait in these tests is bounded: work that blocks waits on a Gate with a deadline, so a
// broken stream fails a test instead of hanging it.
#include "device/stream.h"

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "device/device.h"
#include "device/host_device.h"

namespace {

using fccl::Code;
using fccl::Device;
using fccl::Status;
using fccl::Stream;
constexpr auto kDeadline = std::chrono::seconds(30);

// A latch whose wait gives up at a deadline and says so as a Status.
class Gate {
 public:
  explicit Gate(int count) : count_(count) {}
  void arrive() {
    std::lock_guard lock(mutex_);
    if (--count_ <= 0) opened_.notify_all();
  }
  Status wait() {
    std::unique_lock lock(mutex_);
    if (opened_.wait_for(lock, kDeadline, [&] { return count_ <= 0; })) return Status::ok();
    return Status(Code::kTimeout, "gate still closed after 30 s");
  }
  Status arriveAndWait() {
    arrive();
    return wait();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  int count_;
};

std::unique_ptr<Stream> newStream() {
  auto stream = Stream::create();
  INFO((stream.isOk() ? std::string() : stream.status().message()));
  REQUIRE(stream.isOk());
  return std::move(stream).take();
}

Device* processDevice() {
  auto device = Device::process();
  INFO((device.isOk() ? std::string() : device.status().message()));
  REQUIRE(device.isOk());
  return *device;
}

fcclResult_t failWithTimeout(void*) { return fcclTimeout; }
fcclResult_t poisonedStreamCreate(void*, void**) { return fcclInternalError; }
fcclResult_t countCall(void* counter) {
  ++*static_cast<std::atomic<int>*>(counter);
  return fcclSuccess;
}

}  // namespace

TEST_CASE("work on one stream runs in launch order", "[unit][device][stream]") {
  auto stream = newStream();
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i)
    REQUIRE(stream->launch([&order, i] {
      order.push_back(i);  // no lock: the stream runs one item at a time
      return Status::ok();
    }).isOk());
  REQUIRE(stream->synchronize().isOk());
  REQUIRE(order.size() == 1000);
  for (int i = 0; i < 1000; ++i) REQUIRE(order[static_cast<size_t>(i)] == i);
  REQUIRE(stream->query().isOk());
}

TEST_CASE("the first failure sticks to the stream with its message and later work still runs",
          "[unit][device][stream]") {
  auto stream = newStream();
  std::atomic<int> ran{0};
  auto count = [&] {
    ++ran;
    return Status::ok();
  };
  REQUIRE(stream->launch(count).isOk());
  REQUIRE(stream->launch([] { return Status(Code::kTimeout, "allreduce #3: recv from rank 5 timed out"); }).isOk());
  REQUIRE(stream->launch(count).isOk());
  REQUIRE(stream->launch([] { return Status(Code::kRemote, "a later failure"); }).isOk());

  const Status s = stream->synchronize();
  REQUIRE(s.code() == Code::kTimeout);
  REQUIRE(s.message() == "allreduce #3: recv from rank 5 timed out");
  REQUIRE(ran == 2);  // work behind a failure runs: it may hold a turn others wait for
  const Status q = stream->query();
  REQUIRE(q.code() == Code::kTimeout);
  REQUIRE(q.message() == s.message());
  REQUIRE(stream->launch(count).isOk());  // still accepted and run, still the same error
  REQUIRE(stream->synchronize().message() == s.message());
  REQUIRE(ran == 3);
}

TEST_CASE("work that throws becomes the stream's error instead of escaping", "[unit][device][stream]") {
  auto stream = newStream();
  REQUIRE(stream->launch([]() -> Status { throw std::runtime_error("bad plan"); }).isOk());
  const Status s = stream->synchronize();
  REQUIRE(s.code() == Code::kInternal);
  REQUIRE_THAT(s.message(), Catch::Contains("bad plan"));
}

TEST_CASE("query says in progress while work waits and ok once it is done", "[unit][device][stream]") {
  auto stream = newStream();
  REQUIRE(stream->query().isOk());
  Gate release(1);
  REQUIRE(stream->launch([&] { return release.wait(); }).isOk());
  REQUIRE(stream->query().code() == Code::kInProgress);
  REQUIRE(stream->query().code() == Code::kInProgress);  // asking does not change the answer
  release.arrive();
  REQUIRE(stream->synchronize().isOk());
  REQUIRE(stream->query().isOk());
}

TEST_CASE("destroying a stream runs the work still queued on it", "[unit][device][stream]") {
  auto stream = newStream();
  Gate release(1);
  std::atomic<int> ran{0};
  REQUIRE(stream->launch([&] { return release.wait(); }).isOk());
  for (int i = 0; i < 100; ++i)
    REQUIRE(stream->launch([&] {
      ++ran;
      return Status::ok();
    }).isOk());
  REQUIRE(stream->query().code() == Code::kInProgress);  // the 100 are queued behind the gate
  std::thread releaser([&] { release.arrive(); });
  stream.reset();
  releaser.join();
  REQUIRE(ran == 100);
}

TEST_CASE("many streams run their work at the same time", "[unit][device][stream]") {
  // Each stream's only task waits for all the others to start: a device that ran streams one
  // after another would time out here.
  constexpr int kStreams = 16;
  Gate allStarted(kStreams);
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(newStream());
    REQUIRE(streams.back()->launch([&] { return allStarted.arriveAndWait(); }).isOk());
  }
  for (auto& stream : streams) {
    const Status s = stream->synchronize();
    INFO(s.message());
    REQUIRE(s.isOk());
  }
}

TEST_CASE("several threads may launch onto one stream and each thread's work keeps its order",
          "[unit][device][stream]") {
  constexpr int kThreads = 8, kPerThread = 500;
  auto stream = newStream();
  std::vector<std::pair<int, int>> ran;  // (thread, index) in the order the stream ran them
  std::vector<Status> launched(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = stream->launch([&ran, t, i] {
          ran.emplace_back(t, i);
          return Status::ok();
        });
        if (!s.isOk()) launched[static_cast<size_t>(t)] = std::move(s);
      }
    });
  for (auto& thread : threads) thread.join();
  for (const Status& s : launched) REQUIRE(s.isOk());
  REQUIRE(stream->synchronize().isOk());
  REQUIRE(ran.size() == size_t{kThreads} * kPerThread);
  std::vector<int> next(kThreads, 0);
  for (const auto& [t, i] : ran) REQUIRE(i == next[static_cast<size_t>(t)]++);
}

TEST_CASE("asStream rejects NULL and handles that are not live streams", "[unit][device][stream]") {
  auto null = fccl::asStream(nullptr);
  REQUIRE(null.status().code() == Code::kInvalidArgument);
  REQUIRE_THAT(null.status().message(), Catch::Contains("stream is NULL"));
  uint64_t notAStream[8] = {};
  auto bogus = fccl::asStream(reinterpret_cast<fcclStream_t>(notAStream));
  REQUIRE(bogus.status().code() == Code::kInvalidArgument);
  auto stream = newStream();
  auto live = fccl::asStream(stream->handle());
  REQUIRE(live.isOk());
  REQUIRE(*live == stream.get());
}

TEST_CASE("a native stream keeps the first result its functions failed with", "[unit][device][stream]") {
  Device* device = processDevice();
  REQUIRE(device->hasStreams());
  auto native = device->streamCreate();
  REQUIRE(native.isOk());
  std::atomic<int> calls{0};
  REQUIRE(device->streamLaunchHostFn(*native, countCall, &calls).isOk());
  REQUIRE(device->streamLaunchHostFn(*native, failWithTimeout, nullptr).isOk());
  REQUIRE(device->streamLaunchHostFn(*native, countCall, &calls).isOk());  // still runs: it may own arg
  const Status s = device->streamSynchronize(*native);
  REQUIRE(s.code() == Code::kTimeout);
  REQUIRE(device->streamQuery(*native).code() == Code::kTimeout);
  REQUIRE(calls == 2);
  REQUIRE(device->streamDestroy(*native).isOk());
  REQUIRE(device->streamLaunchHostFn(nullptr, countCall, &calls).code() == Code::kInvalidArgument);
}

TEST_CASE("work may not wait for the stream it runs on", "[unit][device][stream]") {
  Device* device = processDevice();
  auto native = device->streamCreate();
  REQUIRE(native.isOk());
  struct Probe {
    Device* device;
    void* stream;
    Status result;
  } probe{device, *native, Status::ok()};
  auto syncSelf = [](void* arg) {
    auto* p = static_cast<Probe*>(arg);
    p->result = p->device->streamSynchronize(p->stream);
    return fcclSuccess;
  };
  REQUIRE(device->streamLaunchHostFn(*native, syncSelf, &probe).isOk());
  REQUIRE(device->streamSynchronize(*native).isOk());
  REQUIRE(probe.result.code() == Code::kInvalidUsage);
  REQUIRE_THAT(probe.result.message(), Catch::Contains("it would wait for itself"));
  REQUIRE(device->streamDestroy(*native).isOk());
}

TEST_CASE("a plugin of ABI 1.0 loads but says clearly that it has no streams", "[unit][device][stream]") {
  fcclDevice_v1_t plugin = fccl::hostDevicePlugin();
  plugin.size = offsetof(fcclDevice_v1_t, streamCreate);  // what a 1.0 plugin was compiled with
  plugin.version = FCCL_DEVICE_VERSION(1, 0);
  plugin.streamCreate = poisonedStreamCreate;  // past a 1.0 struct's end: must never be read
  auto device = Device::fromPlugin(&plugin, "/opt/acme/libfccl-acme-1.0.so");
  INFO((device.isOk() ? std::string() : device.status().message()));
  REQUIRE(device.isOk());
  REQUIRE_FALSE((*device)->hasStreams());
  auto stream = (*device)->streamCreate();
  REQUIRE(stream.status().code() == Code::kInvalidUsage);
  REQUIRE(stream.status().message() == "device 'host' has no streams (plugin ABI 1.0)");
  REQUIRE((*device)->streamQuery(nullptr).code() == Code::kInvalidUsage);
  float x[2] = {1, 2};
  REQUIRE((*device)->reduce(x, x, x, 2, fcclFloat32, fcclSum).isOk());  // the rest of the device works
  REQUIRE(x[1] == 4);
}

TEST_CASE("a plugin with only some stream hooks is rejected naming the missing one", "[unit][device][stream]") {
  fcclDevice_v1_t plugin = fccl::hostDevicePlugin();
  plugin.streamQuery = nullptr;
  auto device = Device::fromPlugin(&plugin, "/opt/acme/libfccl-acme.so");
  REQUIRE(device.status().code() == Code::kInvalidUsage);
  REQUIRE_THAT(device.status().message(),
               Catch::Contains("/opt/acme/libfccl-acme.so") && Catch::Contains("hook 'streamQuery' is NULL"));

  fcclDevice_v1_t none = fccl::hostDevicePlugin();  // all five NULL: loads, without streams
  none.streamCreate = nullptr;
  none.streamDestroy = nullptr;
  none.streamLaunchHostFn = nullptr;
  none.streamSynchronize = nullptr;
  none.streamQuery = nullptr;
  auto noStreams = Device::fromPlugin(&none, "test");
  REQUIRE(noStreams.isOk());
  REQUIRE_THAT((*noStreams)->streamCreate().status().message(), Catch::Contains("has no streams"));
}
