#include "mpi_moe.h"

#include <climits>
#include <cstring>

#include "mpi_control.h"

namespace fccl::perf {
namespace {

Outcome toInt(size_t bytes, int& out) {
  if (bytes > static_cast<size_t>(INT_MAX)) return {"moe block of " + std::to_string(bytes) + " bytes exceeds MPI's int"};
  out = static_cast<int>(bytes);
  return {};
}

}  // namespace

std::string MpiMoeRunner::title() const { return "mpi-perf (" + mpiLibraryName() + ")"; }

void MpiMoeRunner::reorder(const MoeBuffers& b, char* bySource, char* byExpert, bool toExperts) const {
  const size_t rowBytes = b.rowBytes(), experts = static_cast<size_t>(b.experts);
  size_t at = 0;  // rows into the experts' layout
  for (size_t e = 0; e < experts; ++e) {
    if (b.expertToRank[e] != b.rank) continue;
    for (int src = 0; src < b.nranks; ++src) {
      // Within a source's block, the rows of this rank's experts before e come first.
      size_t before = 0;
      for (size_t f = 0; f < e; ++f)
        if (b.expertToRank[f] == b.rank) before += counts_[static_cast<size_t>(src) * experts + f];
      const size_t rows = counts_[static_cast<size_t>(src) * experts + e];
      char* source = bySource + static_cast<size_t>(recvDispls_[static_cast<size_t>(src)]) + before * rowBytes;
      char* expert = byExpert + at * rowBytes;
      if (toExperts) std::memcpy(expert, source, rows * rowBytes);
      else std::memcpy(source, expert, rows * rowBytes);
      at += rows;
    }
  }
}

Outcome MpiMoeRunner::dispatch(MoeBuffers& b) {
  const size_t n = static_cast<size_t>(b.nranks), experts = static_cast<size_t>(b.experts), rowBytes = b.rowBytes();
  packing_ = moePacking(b);
  counts_.resize(n * experts);
  if (MPI_Allgather(packing_.rowsPerExpert.data(), b.experts, MPI_UINT64_T, counts_.data(), b.experts, MPI_UINT64_T,
                    comm_) != MPI_SUCCESS)
    return {"MPI_Allgather of the counts failed"};
  packed_.resize(b.ids.size() * rowBytes);
  for (size_t i = 0; i < b.ids.size(); ++i)
    std::memcpy(packed_.data() + static_cast<size_t>(packing_.sendRow[i]) * rowBytes,
                b.input.data() + i / static_cast<size_t>(b.topk) * rowBytes, rowBytes);
  sendBytes_.assign(n, 0);
  sendDispls_.assign(n, 0);
  recvBytes_.assign(n, 0);
  recvDispls_.assign(n, 0);
  size_t sent = 0, received = 0;
  for (size_t peer = 0; peer < n; ++peer) {
    size_t rows = 0;
    for (size_t e = 0; e < experts; ++e)
      if (b.expertToRank[e] == b.rank) rows += counts_[peer * experts + e];
    FCCL_PERF_TRY(toInt(packing_.rowsTo[peer] * rowBytes, sendBytes_[peer]));
    FCCL_PERF_TRY(toInt(sent, sendDispls_[peer]));
    FCCL_PERF_TRY(toInt(rows * rowBytes, recvBytes_[peer]));
    FCCL_PERF_TRY(toInt(received, recvDispls_[peer]));
    sent += packing_.rowsTo[peer] * rowBytes;
    received += rows * rowBytes;
  }
  if (received > b.capacity * rowBytes) return {"more rows arrive than the benchmark's buffer holds"};
  bySource_.resize(received);
  if (MPI_Alltoallv(packed_.data(), sendBytes_.data(), sendDispls_.data(), MPI_BYTE, bySource_.data(), recvBytes_.data(),
                    recvDispls_.data(), MPI_BYTE, comm_) != MPI_SUCCESS)
    return {"MPI_Alltoallv of the rows failed"};
  reorder(b, bySource_.data(), b.received.data(), true);
  b.expertCounts.clear();
  for (size_t e = 0; e < experts; ++e) {
    if (b.expertToRank[e] != b.rank) continue;
    size_t rows = 0;
    for (size_t src = 0; src < n; ++src) rows += counts_[src * experts + e];
    b.expertCounts.push_back(rows);
  }
  return {};
}

Outcome MpiMoeRunner::combine(MoeBuffers& b) {
  reorder(b, bySource_.data(), b.received.data(), false);
  if (MPI_Alltoallv(bySource_.data(), recvBytes_.data(), recvDispls_.data(), MPI_BYTE, packed_.data(), sendBytes_.data(),
                    sendDispls_.data(), MPI_BYTE, comm_) != MPI_SUCCESS)
    return {"MPI_Alltoallv of the expert outputs failed"};
  moeWeightedSum(b, packing_.sendRow, packed_.data());
  return {};
}

}  // namespace fccl::perf
