// fcclMemAlloc'd (peer-mappable) buffers in collectives, buffer registration with a
// communicator, and the errors of both: stale handles and pointers are fcclInvalidArgument.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

float valueOf(int rank, size_t i) { return static_cast<float>((static_cast<size_t>(rank) * 5 + i * 3) % 13); }

// All-reduce (out of place and in place) and all-to-all over the given buffers of `count`
// elements (`n * count` for the all-to-all), checked element by element.
std::string reduceAndExchange(fcclComm_t comm, int rank, int n, float* send, float* recv, size_t count,
                              const std::string& what) {
  const size_t un = static_cast<size_t>(n);
  for (size_t i = 0; i < count; ++i) send[i] = valueOf(rank, i);
  FCCL_TEST_CALL(fcclAllReduce(send, recv, count, fcclFloat32, fcclSum, comm, nullptr));
  for (size_t i = 0; i < count; ++i) {
    float want = 0;
    for (int r = 0; r < n; ++r) want += valueOf(r, i);
    if (recv[i] != want) return what + ": allreduce element " + std::to_string(i) + " is " + std::to_string(recv[i]);
  }
  FCCL_TEST_CALL(fcclAllReduce(recv, recv, count, fcclFloat32, fcclMax, comm, nullptr));  // in place: unchanged
  for (size_t i = 0; i < count; ++i) {
    float want = 0;
    for (int r = 0; r < n; ++r) want += valueOf(r, i);
    if (recv[i] != want)
      return what + ": in-place allreduce element " + std::to_string(i) + " is " + std::to_string(recv[i]);
  }
  const size_t block = count / un;
  for (size_t i = 0; i < block * un; ++i) send[i] = valueOf(rank, i);
  FCCL_TEST_CALL(fcclAllToAll(send, recv, block, fcclFloat32, comm, nullptr));
  for (size_t i = 0; i < block * un; ++i) {
    const int from = static_cast<int>(i / block);
    const float want = valueOf(from, static_cast<size_t>(rank) * block + i % block);
    if (recv[i] != want) return what + ": alltoall element " + std::to_string(i) + " is " + std::to_string(recv[i]);
  }
  return "";
}

}  // namespace

TEST_CASE("buffers from fcclMemAlloc work in all-reduce and all-to-all", "[integration][memory]") {
  const int n = 3;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = (3u << 20) / 4 * 3 + 3;  // ~9 MiB, several chunks and FIFO rounds
        void* send = nullptr;
        void* recv = nullptr;
        FCCL_TEST_CALL(fcclMemAlloc(&send, count * sizeof(float)));
        FCCL_TEST_CALL(fcclMemAlloc(&recv, count * sizeof(float)));
        if (!send || !recv || send == recv) return "fcclMemAlloc gave no (distinct) memory";
        std::string e = reduceAndExchange(comm, rank, n, static_cast<float*>(send), static_cast<float*>(recv), count,
                                          "both fcclMemAlloc'd");
        if (!e.empty()) return e;
        std::vector<float> plain(count);  // one side from fcclMemAlloc, the other ordinary memory
        e = reduceAndExchange(comm, rank, n, plain.data(), static_cast<float*>(recv), count,
                              "send plain, recv fcclMemAlloc'd");
        if (!e.empty()) return e;
        e = reduceAndExchange(comm, rank, n, static_cast<float*>(send), plain.data(), count,
                              "send fcclMemAlloc'd, recv plain");
        if (!e.empty()) return e;
        FCCL_TEST_CALL(fcclMemFree(send));
        FCCL_TEST_CALL(fcclMemFree(recv));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("registered buffers work before and after deregistration, and stale handles are errors",
          "[integration][memory]") {
  const int n = 4;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = 1 << 20;
        void* device = nullptr;
        FCCL_TEST_CALL(fcclMemAlloc(&device, count * sizeof(float)));
        std::vector<float> host(count);
        void* deviceHandle = nullptr;
        void* hostHandle = nullptr;
        FCCL_TEST_CALL(fcclCommRegister(comm, device, count * sizeof(float), &deviceHandle));
        FCCL_TEST_CALL(fcclCommRegister(comm, host.data(), count * sizeof(float), &hostHandle));
        if (!deviceHandle || !hostHandle || deviceHandle == hostHandle)
          return "fcclCommRegister gave no (distinct) handles";
        std::string e = reduceAndExchange(comm, rank, n, host.data(), static_cast<float*>(device), count, "registered");
        if (!e.empty()) return e;
        // A registration of part of a buffer, used by a call on a part of that part.
        void* partHandle = nullptr;
        FCCL_TEST_CALL(fcclCommRegister(comm, static_cast<float*>(device) + 1000, 4000 * sizeof(float), &partHandle));
        e = reduceAndExchange(comm, rank, n, host.data() + 10, static_cast<float*>(device) + 1001, 3996,
                              "partly registered");
        if (!e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDeregister(comm, partHandle));
        FCCL_TEST_CALL(fcclCommDeregister(comm, deviceHandle));
        FCCL_TEST_CALL(fcclCommDeregister(comm, hostHandle));
        e = reduceAndExchange(comm, rank, n, host.data(), static_cast<float*>(device), count, "after deregistration");
        if (!e.empty()) return e;

        FCCL_TEST_EXPECT(fcclCommDeregister(comm, deviceHandle), fcclInvalidArgument);  // twice
        FCCL_TEST_EXPECT(fcclCommDeregister(comm, nullptr), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclCommRegister(comm, device, 4096, nullptr), fcclInvalidArgument);
        void* handle = &handle;
        FCCL_TEST_EXPECT(fcclCommRegister(comm, nullptr, 4096, &handle), fcclInvalidArgument);
        if (handle != nullptr) return "a failed fcclCommRegister left *handle set";
        FCCL_TEST_EXPECT(fcclCommRegister(comm, device, 0, &handle), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclCommRegister(nullptr, device, 4096, &handle), fcclInvalidArgument);
        // Registration belongs to one communicator: another one does not know its handles.
        fcclComm_t other = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(comm, 0, rank, &other, nullptr));
        FCCL_TEST_CALL(fcclCommRegister(comm, device, 4096, &handle));
        FCCL_TEST_EXPECT(fcclCommDeregister(other, handle), fcclInvalidArgument);
        FCCL_TEST_CALL(fcclCommDeregister(comm, handle));
        FCCL_TEST_CALL(fcclCommDestroy(other));
        // A registration still held when its buffer's communicator goes away is freed with it; the
        // memory itself stays the caller's.
        FCCL_TEST_CALL(fcclCommRegister(comm, device, 4096, &handle));
        FCCL_TEST_CALL(fcclMemFree(device));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("fcclMemAlloc and fcclMemFree check their arguments", "[integration][memory]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        FCCL_TEST_CALL(fcclMemFree(nullptr));  // like free(NULL)
        FCCL_TEST_EXPECT(fcclMemAlloc(nullptr, 4096), fcclInvalidArgument);
        void* p = nullptr;
        FCCL_TEST_CALL(fcclMemAlloc(&p, 64u << 20));
        std::memset(p, 0x5a, 64u << 20);                                                   // all of it is writable
        FCCL_TEST_EXPECT(fcclMemFree(static_cast<char*>(p) + 4096), fcclInvalidArgument);  // not the start
        FCCL_TEST_CALL(fcclMemFree(p));
        FCCL_TEST_EXPECT(fcclMemFree(p), fcclInvalidArgument);  // twice
        int onStack = 0;
        FCCL_TEST_EXPECT(fcclMemFree(&onStack), fcclInvalidArgument);  // never allocated here
        void* empty = nullptr;
        FCCL_TEST_CALL(fcclMemAlloc(&empty, 0));
        FCCL_TEST_CALL(fcclMemFree(empty));
        return "";
      },
      std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
