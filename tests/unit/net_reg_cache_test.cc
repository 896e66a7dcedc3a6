// RegCache: one registration per (address, size), shared by reference count.
#include "transports/scaleout/reg_cache.h"

#include <catch2/catch.hpp>
#include <memory>

namespace {

// Stands for a fabric registration: counts how many are alive.
struct FakeReg {
  explicit FakeReg(int* alive) : alive(alive) { ++*alive; }
  ~FakeReg() { --*alive; }
  int* alive;
};

}  // namespace

TEST_CASE("reg cache gives the same registration for the same range and counts its users", "[unit][net]") {
  int alive = 0;
  fccl::RegCache<FakeReg> cache;
  char buffer[256];
  REQUIRE(cache.acquire(buffer, 128) == nullptr);
  auto inserted = cache.insert(buffer, 128, std::make_unique<FakeReg>(&alive));
  REQUIRE(inserted.isOk());
  FakeReg* reg = *inserted;
  REQUIRE(cache.acquire(buffer, 128) == reg);
  REQUIRE(cache.users(buffer, 128) == 2);
  REQUIRE(alive == 1);

  auto first = cache.release(reg);
  REQUIRE(first.isOk());
  REQUIRE(*first == nullptr);  // one user left: nothing to deregister yet
  REQUIRE(alive == 1);
  auto last = cache.release(reg);
  REQUIRE(last.isOk());
  REQUIRE(*last != nullptr);  // the last user gets the registration to destroy
  last->reset();
  REQUIRE(alive == 0);
  REQUIRE(cache.size() == 0);
}

TEST_CASE("reg cache keys by address and size together", "[unit][net]") {
  int alive = 0;
  fccl::RegCache<FakeReg> cache;
  char buffer[256];
  REQUIRE(cache.insert(buffer, 128, std::make_unique<FakeReg>(&alive)).isOk());
  REQUIRE(cache.acquire(buffer, 64) == nullptr);       // same address, other size
  REQUIRE(cache.acquire(buffer + 1, 128) == nullptr);  // other address, same size
  REQUIRE(cache.insert(buffer, 64, std::make_unique<FakeReg>(&alive)).isOk());
  REQUIRE(cache.size() == 2);
  REQUIRE(alive == 2);
}

TEST_CASE("reg cache rejects a handle it never gave out and a second insert of a range", "[unit][net]") {
  int alive = 0;
  fccl::RegCache<FakeReg> cache;
  char buffer[64];
  FakeReg stranger(&alive);
  auto released = cache.release(&stranger);
  REQUIRE_FALSE(released.isOk());
  REQUIRE(released.status().code() == fccl::Code::kInvalidArgument);

  auto reg = cache.insert(buffer, 64, std::make_unique<FakeReg>(&alive));
  REQUIRE(reg.isOk());
  auto again = cache.insert(buffer, 64, std::make_unique<FakeReg>(&alive));
  REQUIRE_FALSE(again.isOk());
  REQUIRE(again.status().code() == fccl::Code::kInternal);
  REQUIRE(alive == 2);  // the stranger and the cached one; the refused one was destroyed

  auto last = cache.release(*reg);
  REQUIRE(last.isOk());
  last->reset();
  auto twice = cache.release(*reg);  // released by every user already
  REQUIRE_FALSE(twice.isOk());
}
