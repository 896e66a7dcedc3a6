// The table keeps nccl-tests' layout, so scripts written for nccl-tests read fccl-perf.
#include "perf_report.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

using namespace fccl::perf;

namespace {

// Everything written to a FILE*, as a string (open_memstream is POSIX 2008).
class Capture {
 public:
  Capture() : file_(open_memstream(&data_, &size_)) {}
  ~Capture() {
    if (file_) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

}  // namespace

TEST_CASE("times print with nccl-tests' precision", "[unit][perf]") {
  CHECK(formatTimeUs(10.584) == "  10.58");
  CHECK(formatTimeUs(123.44) == "  123.4");
  CHECK(formatTimeUs(12345.6) == "  12346");
}

TEST_CASE("the report prints nccl-tests' header, rows and closing lines", "[unit][perf]") {
  Capture out, csv;
  Options o;
  o.minBytes = 8;
  o.maxBytes = 64 << 20;
  o.stepFactor = 4;
  Report report(out.file(), csv.file(), Collective::kAllReduce, 4);
  report.header("fccl-perf", o, {RankRecord{0, 42, "hostA"}, RankRecord{1, 43, "hostB"}});
  report.row(Row{1048576, 262144, fcclFloat32, "sum", {0.001, 0}, {0.0005, 0}});
  report.row(Row{8, 2, fcclFloat32, "sum", {0.00001, 3}, {0.00001, -1}});
  report.footer();
  const std::string text = out.text();
  INFO(text);
  CHECK(
      text.starts_with("# fccl-perf: collective allreduce, nranks 4, minBytes 8 maxBytes 67108864 step: 4(factor) "
                       "warmup iters: 5 iters: 20 validation: 1 average: 1\n"));
  CHECK(text.find("#  Rank  1 Pid     43 on      hostB\n") != std::string::npos);
  CHECK(text.find("#       size         count      type   redop    root     time   algbw   busbw #wrong     time   "
                  "algbw   busbw #wrong\n") != std::string::npos);
  CHECK(text.find("#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  "
                  "(GB/s)  (GB/s)       \n") != std::string::npos);
  CHECK(text.find("     1048576        262144     float     sum      -1   1000.0    1.05    1.57      0    500.0    "
                  "2.10    3.15      0\n") != std::string::npos);
  CHECK(text.find("           8             2     float     sum      -1    10.00    0.00    0.00      3    10.00    "
                  "0.00    0.00    N/A\n") != std::string::npos);
  CHECK(text.find("# Out of bounds values : 3 FAILED\n") != std::string::npos);
  CHECK(text.find("# Avg bus bandwidth    : 1.18") != std::string::npos);
  CHECK(text.find("skew") == std::string::npos);  // alltoallv's line only
  CHECK(report.totalWrong() == 3);
  const std::string table = csv.text();
  CHECK(
      table.starts_with("collective,nranks,size_bytes,count,type,redop,root,placement,time_us,algbw_GBps,busbw_GBps,"
                        "wrong\n"));
  CHECK(table.find("allreduce,4,1048576,262144,float,sum,-1,in-place,500.000,2.0972,3.1457,0\n") != std::string::npos);
  CHECK(table.find("allreduce,4,8,2,float,sum,-1,in-place,10.000,0.0008,0.0012,\n") != std::string::npos);
}

TEST_CASE("a report without an output only counts", "[unit][perf]") {
  Report report(nullptr, nullptr, Collective::kAllGather, 2);
  report.header("mpi-perf", Options{}, {});
  report.row(Row{8, 1, fcclInt8, "none", {1e-6, 2}, {1e-6, 5}});
  report.footer();
  CHECK(report.totalWrong() == 7);
}

TEST_CASE("broadcast and reduce print their root and a bus bandwidth equal to the algorithm's", "[unit][perf]") {
  Capture out, csv;
  Report report(out.file(), csv.file(), Collective::kReduce, 4);
  report.header("fccl-perf", Options{}, {});
  report.row(Row{1048576, 262144, fcclFloat32, "sum", {0.001, 0}, {0.0005, 0}, 3});
  report.footer();
  const std::string text = out.text();
  INFO(text);
  CHECK(text.find("     1048576        262144     float     sum       3   1000.0    1.05    1.05      0    500.0    "
                  "2.10    2.10      0\n") != std::string::npos);
  CHECK(csv.text().find("reduce,4,1048576,262144,float,sum,3,in-place,500.000,2.0972,2.0972,0\n") !=
        std::string::npos);
}

TEST_CASE("alltoallv's header states the skew; sendrecv's bus bandwidth is its algorithm bandwidth", "[unit][perf]") {
  Capture v;
  Options o;
  o.skew = 1;
  Report skewed(v.file(), nullptr, Collective::kAllToAllv, 4);
  skewed.header("fccl-perf", o, {RankRecord{0, 42, "hostA"}});
  const std::string header = v.text();
  INFO(header);
  CHECK(header.find("collective alltoallv, nranks 4,") != std::string::npos);
  CHECK(header.find("average: 1\n# skew 1: rank i sends rank j count*(1 + 1*((i+j) mod n)/(n-1))/(1 + 1/2) "
                    "elements\n#\n# Using ranks\n") != std::string::npos);
  Capture out;
  Report report(out.file(), nullptr, Collective::kSendRecv, 4);
  report.header("fccl-perf", Options{}, {});
  report.row(Row{1048576, 262144, fcclFloat32, "none", {0.001, 0}, {0.0005, 0}});
  const std::string text = out.text();
  INFO(text);
  CHECK(text.find("     1048576        262144     float    none      -1   1000.0    1.05    1.05      0    500.0    "
                  "2.10    2.10      0\n") != std::string::npos);
}
