#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app/logging.h"

namespace privstack::app {
namespace {

TEST(JsonLog, OneEscapedObjectPerLine) {
  // 2026-01-02T03:04:05.678Z
  const auto time = std::chrono::system_clock::time_point{} + std::chrono::seconds(1767323045) +
                    std::chrono::milliseconds(678);
  const std::string line = format_json_log_line(time, spdlog::level::warn, "privstack-relay",
                                                "a \"quoted\"\nmulti-line\tmessage");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // the payload's newline is escaped
  const auto value = boost::json::parse(line);
  const auto& object = value.as_object();
  EXPECT_EQ(object.at("ts").as_string(), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(object.at("level").as_string(), "warning");
  EXPECT_EQ(object.at("logger").as_string(), "privstack-relay");
  EXPECT_EQ(object.at("msg").as_string(), "a \"quoted\"\nmulti-line\tmessage");
}

TEST(JsonLog, ParsesTheFlagValues) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::text);
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  EXPECT_FALSE(parse_log_format("JSON"));
  EXPECT_FALSE(parse_log_format(""));
}

}  // namespace
}  // namespace privstack::app
