// RAII for libfabric objects: each fid closes once, in the reverse order of its owner's members
// (an endpoint before its CQ and AV, those before the domain, the domain before the fabric).
#pragma once

#include <rdma/fabric.h>

#include <memory>

namespace fccl {

template <class Fid>
struct FiClose {
  void operator()(Fid* f) const {
    if (f) fi_close(&f->fid);
  }
};
template <class Fid>
using FiPtr = std::unique_ptr<Fid, FiClose<Fid>>;

struct FiInfoFree {
  void operator()(fi_info* info) const {
    if (info) fi_freeinfo(info);
  }
};
using FiInfoPtr = std::unique_ptr<fi_info, FiInfoFree>;

}  // namespace fccl
