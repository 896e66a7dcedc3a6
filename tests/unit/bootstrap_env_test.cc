#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "bootstrap/unique_id.h"

using fccl::Code;
using fccl::Status;

namespace {

// Sets (or, with nullopt, unsets) a variable for one scope and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

constexpr const char* kSecret = "00112233445566778899aabbccddeeff";

fccl::Status fromEnv(std::optional<std::string> commId, std::optional<std::string> secret) {
  ScopedEnv id("FCCL_COMM_ID", std::move(commId));
  ScopedEnv key("FCCL_COMM_SECRET", std::move(secret));
  auto result = fccl::uniqueIdFromEnv(1, 1000);  // rank 1 starts no root
  return result.isOk() ? fccl::Status::ok() : result.status();
}

}  // namespace

TEST_CASE("uniqueIdFromEnv builds the id from FCCL_COMM_ID and FCCL_COMM_SECRET", "[unit][bootstrap]") {
  ScopedEnv id("FCCL_COMM_ID", "127.0.0.1:29500");
  ScopedEnv key("FCCL_COMM_SECRET", "00112233445566778899AABBCCDDEEFF");
  auto made = fccl::uniqueIdFromEnv(3, 1000);
  REQUIRE(made.isOk());
  auto data = fccl::decodeUniqueId(*made);
  REQUIRE(data.isOk());
  CHECK(data->root.toString() == "127.0.0.1:29500");
  CHECK(data->secret[0] == std::byte{0x00});
  CHECK(data->secret[15] == std::byte{0xff});
}

TEST_CASE("uniqueIdFromEnv refuses a missing or malformed FCCL_COMM_SECRET without echoing it", "[unit][bootstrap]") {
  const Status missing = fromEnv("127.0.0.1:29500", std::nullopt);
  CHECK(missing.code() == Code::kInvalidArgument);
  CHECK_THAT(missing.message(), Catch::Contains("FCCL_COMM_SECRET is not set"));

  for (std::string bad : {std::string(kSecret).substr(1), std::string(kSecret) + "0",
                          std::string("zz") + std::string(kSecret).substr(2), std::string("secret")}) {
    INFO(bad);
    const Status s = fromEnv("127.0.0.1:29500", bad);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("FCCL_COMM_SECRET must be"));
    CHECK_THAT(s.message(), !Catch::Contains(bad));
  }
}

TEST_CASE("uniqueIdFromEnv refuses a missing or malformed FCCL_COMM_ID", "[unit][bootstrap]") {
  const Status missing = fromEnv(std::nullopt, kSecret);
  CHECK(missing.code() == Code::kInvalidArgument);
  CHECK_THAT(missing.message(), Catch::Contains("FCCL_COMM_ID is not set"));
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "::1:29500", "[::1]"}) {
    INFO(bad);
    const Status s = fromEnv(bad, kSecret);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(std::string("FCCL_COMM_ID=") + bad));
  }
}
