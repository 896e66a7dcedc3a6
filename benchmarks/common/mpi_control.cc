#include "mpi_control.h"

#include <cstdio>

namespace fccl::perf {
namespace {

// MPI's default error handler aborts the job, so these only see success; checking keeps a
// communicator switched to MPI_ERRORS_RETURN honest.
Outcome check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return {};
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return {std::string(what) + ": " + std::string(text, static_cast<size_t>(length))};
}

}  // namespace

MpiControl::MpiControl(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &nranks_);
}

Outcome MpiControl::barrier() { return check(MPI_Barrier(comm_), "MPI_Barrier"); }

Outcome MpiControl::sumInt64(int64_t& value) {
  return check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, comm_), "MPI_Allreduce");
}

Outcome MpiControl::combine(double& value, Combine how) {
  MPI_Op op = how == Combine::kSum ? MPI_SUM : how == Combine::kMin ? MPI_MIN : MPI_MAX;
  return check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, op, comm_), "MPI_Allreduce");
}

Outcome MpiControl::gatherRanks(const RankRecord& mine, std::vector<RankRecord>& all) {
  all.resize(static_cast<size_t>(nranks_));
  return check(MPI_Allgather(&mine, sizeof(RankRecord), MPI_BYTE, all.data(), sizeof(RankRecord), MPI_BYTE, comm_),
               "MPI_Allgather");
}

std::optional<MPI_Datatype> mpiType(fcclDataType_t t) {
  switch (t) {
    case fcclInt8:
      return MPI_INT8_T;
    case fcclUint8:
      return MPI_UINT8_T;
    case fcclInt32:
      return MPI_INT32_T;
    case fcclUint32:
      return MPI_UINT32_T;
    case fcclInt64:
      return MPI_INT64_T;
    case fcclUint64:
      return MPI_UINT64_T;
    case fcclFloat32:
      return MPI_FLOAT;
    case fcclFloat64:
      return MPI_DOUBLE;
    default:
      return std::nullopt;
  }
}

std::string mpiLibraryName() {
#if defined(OMPI_MAJOR_VERSION)
  char text[64];
  std::snprintf(text, sizeof(text), "Open MPI %d.%d.%d", OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION);
  return text;
#else
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string name(text, static_cast<size_t>(length));
  return name.substr(0, name.find_first_of(",\n"));
#endif
}

}  // namespace fccl::perf
