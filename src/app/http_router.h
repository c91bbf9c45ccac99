// Maps (method, path) to handlers. Pure: takes a parsed request, returns a response, so every
// routing rule (404, 405 + Allow, HEAD, query strings) is unit-tested without sockets.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <boost/beast/http.hpp>

namespace privstack::app {

namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

class HttpRouter {
 public:
  /// Produces the body and content type of a GET; HEAD is answered from the same handler.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  void get(std::string path, Handler handler);

  /// Never throws; unknown paths give 404, other methods on a known path 405 with an Allow header.
  HttpResponse route(const HttpRequest& request) const;

 private:
  std::map<std::string, Handler, std::less<>> get_routes_;
};

/// A response with the given status and a small JSON error body, as the rest of the API answers.
HttpResponse make_json_response(http::status status, std::string body, unsigned version = 11);
HttpResponse make_error_response(http::status status, unsigned version = 11);

}  // namespace privstack::app
