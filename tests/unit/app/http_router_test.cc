#include "app/http_router.h"

#include <gtest/gtest.h>

namespace privstack::app {
namespace {

HttpRouter make_router() {
  HttpRouter router;
  router.get("/api/v1/identity", [](const HttpRequest& request) {
    return make_json_response(http::status::ok, R"({"peer_id":"x"})", request.version());
  });
  return router;
}

HttpRequest request(http::verb verb, std::string target) {
  HttpRequest r{verb, target, 11};
  return r;
}

TEST(HttpRouter, ServesGetWithJsonContentType) {
  auto response = make_router().route(request(http::verb::get, "/api/v1/identity"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(), R"({"peer_id":"x"})");
  EXPECT_EQ(response[http::field::content_length], "15");
}

TEST(HttpRouter, IgnoresQueryString) {
  auto response = make_router().route(request(http::verb::get, "/api/v1/identity?pretty=1"));
  EXPECT_EQ(response.result(), http::status::ok);
}

TEST(HttpRouter, HeadHasGetHeadersAndNoBody) {
  auto response = make_router().route(request(http::verb::head, "/api/v1/identity"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_TRUE(response.body().empty());
  EXPECT_EQ(response[http::field::content_length], "15");
  EXPECT_EQ(response[http::field::content_type], "application/json");
}

TEST(HttpRouter, UnknownRouteIs404) {
  for (auto target : {"/", "/api/v1/nonexistent", "/api/v1/identity/", "/API/V1/IDENTITY", ""}) {
    auto response = make_router().route(request(http::verb::get, target));
    EXPECT_EQ(response.result(), http::status::not_found) << target;
    EXPECT_EQ(response[http::field::content_type], "application/json");
  }
}

TEST(HttpRouter, WrongMethodIs405WithAllow) {
  for (auto verb : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
    auto response = make_router().route(request(verb, "/api/v1/identity"));
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(response[http::field::allow], "GET, HEAD");
  }
}

TEST(HttpRouter, AnswersInTheRequestsHttpVersion) {
  auto r = request(http::verb::get, "/api/v1/identity");
  r.version(10);
  EXPECT_EQ(make_router().route(r).version(), 10U);
}

}  // namespace
}  // namespace privstack::app
