// Memory registrations shared by range. Registering costs a system call and pins pages, and
// callers register the same buffers over and over (a communicator's staging buffers, a user
// buffer reused every iteration), so a device keeps one registration per (address, size) and
// counts its users. `Reg` is whatever the fabric's registration is (it frees itself when
// destroyed); the cache only decides when that happens.
//
// Not thread-safe: the owner (a device) holds its lock around every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/expected.h"

namespace fccl {

template <class Reg>
class RegCache {
 public:
  // The registration of exactly [addr, addr + bytes), with one more user; nullptr when the
  // range is not registered (then create one and insert() it).
  Reg* acquire(const void* addr, size_t bytes) {
    auto it = entries_.find(Key{reinterpret_cast<uintptr_t>(addr), bytes});
    if (it == entries_.end()) return nullptr;
    ++it->second.users;
    return it->second.reg.get();
  }

  // Adds a new registration with one user. A range already cached is an internal error: the
  // caller should have acquired it.
  Expected<Reg*> insert(const void* addr, size_t bytes, std::unique_ptr<Reg> reg) {
    Reg* raw = reg.get();
    auto [it, added] = entries_.try_emplace(Key{reinterpret_cast<uintptr_t>(addr), bytes}, Entry{std::move(reg), 1});
    if (!added) return Status(Code::kInternal, "registration of " + describe(addr, bytes) + " is already cached");
    byReg_.emplace(raw, it->first);
    return raw;
  }

  // Drops one user of `reg`. Returns the registration when that was its last user (destroy it
  // to deregister), nullptr while others still use it, and an error for a handle the cache
  // never gave out (or one already released by every user).
  Expected<std::unique_ptr<Reg>> release(Reg* reg) {
    auto key = byReg_.find(reg);
    if (key == byReg_.end()) return Status(Code::kInvalidArgument, "unknown memory registration handle");
    auto it = entries_.find(key->second);
    if (--it->second.users > 0) return std::unique_ptr<Reg>();
    std::unique_ptr<Reg> last = std::move(it->second.reg);
    entries_.erase(it);
    byReg_.erase(key);
    return last;
  }

  size_t size() const { return entries_.size(); }
  // Users of the registration of exactly this range; 0 when not cached.
  uint32_t users(const void* addr, size_t bytes) const {
    auto it = entries_.find(Key{reinterpret_cast<uintptr_t>(addr), bytes});
    return it == entries_.end() ? 0 : it->second.users;
  }

 private:
  struct Key {
    uintptr_t addr;
    size_t bytes;
    bool operator<(const Key& o) const { return addr != o.addr ? addr < o.addr : bytes < o.bytes; }
  };
  struct Entry {
    std::unique_ptr<Reg> reg;
    uint32_t users;
  };
  static std::string describe(const void* addr, size_t bytes) {
    char text[64];
    std::snprintf(text, sizeof(text), "%p+%zu", addr, bytes);
    return text;
  }

  std::map<Key, Entry> entries_;
  std::map<Reg*, Key> byReg_;
};

}  // namespace fccl
