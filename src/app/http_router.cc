#include "app/http_router.h"

#include <fmt/format.h>

namespace privstack::app {

namespace {

std::string_view path_of(std::string_view target) {
  auto query = target.find_first_of("?#");
  return query == std::string_view::npos ? target : target.substr(0, query);
}

}  // namespace

void HttpRouter::get(std::string path, Handler handler) {
  get_routes_.emplace(std::move(path), std::move(handler));
}

HttpResponse HttpRouter::route(const HttpRequest& request) const {
  auto found = get_routes_.find(path_of(request.target()));
  if (found == get_routes_.end())
    return make_error_response(http::status::not_found, request.version());

  const auto method = request.method();
  if (method != http::verb::get && method != http::verb::head) {
    auto response = make_error_response(http::status::method_not_allowed, request.version());
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  HttpResponse response = found->second(request);
  response.version(request.version());
  response.prepare_payload();
  if (method == http::verb::head) {
    // HEAD carries the GET's headers, including its Content-Length, and no body.
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

HttpResponse make_json_response(http::status status, std::string body, unsigned version) {
  HttpResponse response{status, version};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

HttpResponse make_error_response(http::status status, unsigned version) {
  return make_json_response(
      status, fmt::format(R"({{"error":"{}"}})", std::string_view(http::obsolete_reason(status))),
      version);
}

}  // namespace privstack::app
