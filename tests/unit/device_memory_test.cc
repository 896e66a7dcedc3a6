// Peer-mappable memory of the host device (host_memory.h), and the C API over memory and streams.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "device/device.h"
#include "device/host_device.h"
#include "device/stream.h"
#include "fccl/fccl.h"
#include "harness/run_ranks.h"

namespace {

using fccl::Code;
using fccl::Device;
using fccl::findPeerMapping;

Device* processDevice() {
  auto device = Device::process();
  INFO((device.isOk() ? std::string() : device.status().message()));
  REQUIRE(device.isOk());
  return *device;
}

// What a peer does with a PeerMapping: opens the owner's fd through /proc and maps the file.
// Returns "" or what went wrong (it runs in a forked child, where REQUIRE cannot report).
std::string writeThroughProc(pid_t owner, const fccl::PeerMapping& where, const std::vector<unsigned char>& bytes) {
  const std::string path = "/proc/" + std::to_string(owner) + "/fd/" + std::to_string(where.fd);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return "open " + path + ": " + std::strerror(errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) return "fstat " + path + ": " + std::strerror(errno);
  const size_t fileBytes = static_cast<size_t>(st.st_size);
  if (fileBytes != where.offset + where.bytes)
    return path + " is " + std::to_string(fileBytes) + " bytes, expected " + std::to_string(where.offset + where.bytes);
  void* map = mmap(nullptr, fileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return "mmap " + path + ": " + std::strerror(errno);
  std::memcpy(static_cast<unsigned char*>(map) + where.offset, bytes.data(), bytes.size());
  munmap(map, fileBytes);
  return "";
}

}  // namespace

TEST_CASE("host memory is zeroed, aligned and freed once", "[unit][device][memory]") {
  Device* device = processDevice();
  const size_t bytes = GENERATE(size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{1} << 20);
  auto memory = device->alloc(bytes);
  REQUIRE(memory.isOk());
  REQUIRE(*memory != nullptr);
  REQUIRE(reinterpret_cast<uintptr_t>(*memory) % 64 == 0);
  const auto* data = static_cast<const unsigned char*>(*memory);
  REQUIRE(std::all_of(data, data + bytes, [](unsigned char b) { return b == 0; }));
  if (bytes > 0) std::memset(*memory, 0xab, bytes);  // writable to the end
  REQUIRE(device->free(*memory).isOk());
  const fccl::Status twice = device->free(*memory);
  REQUIRE(twice.code() == Code::kInvalidArgument);
  REQUIRE(device->free(nullptr).isOk());
}

TEST_CASE("zero-byte allocations get distinct addresses", "[unit][device][memory]") {
  Device* device = processDevice();
  auto a = device->alloc(0);
  auto b = device->alloc(0);
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  REQUIRE(*a != *b);
  REQUIRE(device->free(*a).isOk());
  REQUIRE(device->free(*b).isOk());
}

TEST_CASE("findPeerMapping locates base and inner pointers and nothing else", "[unit][device][memory]") {
  Device* device = processDevice();
  constexpr size_t kBytes = 10000;  // not a page multiple: the mapping's slack is not the buffer
  auto memory = device->alloc(kBytes);
  REQUIRE(memory.isOk());
  auto* base = static_cast<unsigned char*>(*memory);

  auto atBase = findPeerMapping(base);
  REQUIRE(atBase.has_value());
  REQUIRE(atBase->offset == 0);
  REQUIRE(atBase->bytes == kBytes);
  struct stat st {};
  REQUIRE(fstat(atBase->fd, &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0600);  // only this user may open it through /proc
  REQUIRE(static_cast<size_t>(st.st_size) == kBytes);

  auto inner = findPeerMapping(base + 4097);
  REQUIRE(inner.has_value());
  REQUIRE(inner->fd == atBase->fd);
  REQUIRE(inner->offset == 4097);
  REQUIRE(inner->bytes == kBytes - 4097);
  auto last = findPeerMapping(base + kBytes - 1);
  REQUIRE(last.has_value());
  REQUIRE(last->bytes == 1);

  REQUIRE_FALSE(findPeerMapping(base + kBytes).has_value());
  REQUIRE_FALSE(findPeerMapping(base - 1).has_value());
  int onStack = 0;
  REQUIRE_FALSE(findPeerMapping(&onStack).has_value());
  REQUIRE_FALSE(findPeerMapping(nullptr).has_value());
  std::vector<char> heap(64);
  REQUIRE_FALSE(findPeerMapping(heap.data()).has_value());

  REQUIRE(device->free(base).isOk());
  REQUIRE_FALSE(findPeerMapping(base).has_value());
}

TEST_CASE("another process maps the memory through /proc and its writes show here", "[unit][device][memory]") {
  Device* device = processDevice();
  constexpr size_t kBytes = 3 * 4096 + 17, kOffset = 5000;
  auto memory = device->alloc(kBytes);
  REQUIRE(memory.isOk());
  auto* base = static_cast<unsigned char*>(*memory);
  auto where = findPeerMapping(base + kOffset);
  REQUIRE(where.has_value());
  std::vector<unsigned char> pattern(kBytes - kOffset);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<unsigned char>(i * 7 + 1);

  const pid_t self = getpid();
  auto outcomes = fccl::test::runRanks(
      1, [&](int) { return writeThroughProc(self, *where, pattern); }, std::chrono::seconds(60));
  INFO(fccl::test::describe(outcomes));
  REQUIRE(fccl::test::allOk(outcomes));

  REQUIRE(std::all_of(base, base + kOffset, [](unsigned char b) { return b == 0; }));  // before the pointer
  REQUIRE(std::memcmp(base + kOffset, pattern.data(), pattern.size()) == 0);
  REQUIRE(device->free(base).isOk());
}

TEST_CASE("freeing a pointer that is not an allocation is an error, not a crash", "[unit][device][memory]") {
  Device* device = processDevice();
  int onStack = 0;
  const fccl::Status unknown = device->free(&onStack);
  REQUIRE(unknown.code() == Code::kInvalidArgument);
  REQUIRE_THAT(unknown.message(), Catch::Contains("memFree") && Catch::Contains("not the start of a live allocation"));

  auto memory = device->alloc(100);
  REQUIRE(memory.isOk());
  REQUIRE(device->free(static_cast<char*>(*memory) + 8).code() == Code::kInvalidArgument);  // inner pointer
  REQUIRE(findPeerMapping(*memory).has_value());  // ...and the allocation is still there
  REQUIRE(device->free(*memory).isOk());
}

TEST_CASE("fcclMemAlloc and fcclMemFree through the C API", "[unit][device][memory][api]") {
  void* ptr = nullptr;
  REQUIRE(fcclMemAlloc(&ptr, 1 << 16) == fcclSuccess);
  REQUIRE(ptr != nullptr);
  REQUIRE(findPeerMapping(ptr).has_value());  // the process device is the host device here
  std::memset(ptr, 1, 1 << 16);
  REQUIRE(fcclMemFree(ptr) == fcclSuccess);
  REQUIRE(fcclMemFree(nullptr) == fcclSuccess);

  REQUIRE(fcclMemAlloc(nullptr, 16) == fcclInvalidArgument);
  REQUIRE_THAT(fcclGetLastError(nullptr), Catch::Contains("fcclMemAlloc") && Catch::Contains("ptr"));
  int onStack = 0;
  REQUIRE(fcclMemFree(&onStack) == fcclInvalidArgument);
  REQUIRE_THAT(fcclGetLastError(nullptr), Catch::Contains("fcclMemFree") && Catch::Contains("not the start"));

  void* empty = nullptr;
  REQUIRE(fcclMemAlloc(&empty, 0) == fcclSuccess);
  REQUIRE(empty != nullptr);
  REQUIRE(fcclMemFree(empty) == fcclSuccess);
}

TEST_CASE("streams through the C API", "[unit][device][stream][api]") {
  fcclStream_t stream = nullptr;
  REQUIRE(fcclStreamCreate(&stream) == fcclSuccess);
  REQUIRE(stream != nullptr);
  REQUIRE(fcclStreamQuery(stream) == fcclSuccess);
  REQUIRE(fcclStreamSynchronize(stream) == fcclSuccess);
  REQUIRE(fcclStreamDestroy(stream) == fcclSuccess);
  REQUIRE(fcclStreamQuery(stream) == fcclInvalidArgument);  // destroyed: told, not dereferenced
  REQUIRE_THAT(fcclGetLastError(nullptr), Catch::Contains("not a live stream"));
  REQUIRE(fcclStreamDestroy(stream) == fcclInvalidArgument);

  REQUIRE(fcclStreamCreate(nullptr) == fcclInvalidArgument);
  REQUIRE(fcclStreamSynchronize(nullptr) == fcclInvalidArgument);
  REQUIRE_THAT(fcclGetLastError(nullptr),
               Catch::Contains("fcclStreamSynchronize") && Catch::Contains("stream is NULL"));
  REQUIRE(fcclStreamQuery(nullptr) == fcclInvalidArgument);
  REQUIRE(fcclStreamDestroy(nullptr) == fcclSuccess);  // like free(NULL)
  uint64_t notAStream[8] = {};
  REQUIRE(fcclStreamQuery(reinterpret_cast<fcclStream_t>(notAStream)) == fcclInvalidArgument);
  REQUIRE_THAT(fcclGetLastError(nullptr), Catch::Contains("not a live stream"));
}

TEST_CASE("fcclStreamQuery reports busy quietly and the first error with its message",
          "[unit][device][stream][api]") {
  fcclStream_t stream = nullptr;
  REQUIRE(fcclStreamCreate(&stream) == fcclSuccess);
  auto s = fccl::asStream(stream);
  REQUIRE(s.isOk());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  REQUIRE((*s)->launch([released] {
    if (released.wait_for(std::chrono::seconds(30)) == std::future_status::ready) return fccl::Status::ok();
    return fccl::Status(Code::kTimeout, "never released");
  }).isOk());
  REQUIRE((*s)->launch([] { return fccl::Status(Code::kRemote, "rank 2 (shm): peer exited"); }).isOk());

  REQUIRE(fcclStreamQuery(nullptr) == fcclInvalidArgument);  // leaves a last error behind...
  const std::string before = fcclGetLastError(nullptr);
  REQUIRE(fcclStreamQuery(stream) == fcclInProgress);
  REQUIRE(before == fcclGetLastError(nullptr));  // ...that busy does not replace: it is no failure
  release.set_value();
  REQUIRE(fcclStreamSynchronize(stream) == fcclRemoteError);
  REQUIRE_THAT(fcclGetLastError(nullptr),
               Catch::Contains("fcclStreamSynchronize") && Catch::Contains("rank 2 (shm): peer exited"));
  REQUIRE(fcclStreamQuery(stream) == fcclRemoteError);
  REQUIRE(fcclStreamDestroy(stream) == fcclSuccess);
}
