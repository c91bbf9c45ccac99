// The HTTP request path of the identity API, as src/app/http_server.cc runs it for one connection:
// Beast's request parser with the server's header and body limits over a buffer of the server's
// size, then HttpRouter::route, then the response serialized back, for up to the server's
// requests per connection. The socket is an in-memory stream holding the fuzz input; the router
// has the identity route the app registers. (The server loop itself is a coroutine over a TCP
// socket; this mirrors its steps and limits rather than calling it, see fuzz/README.md.)
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "app/http_router.h"
#include "app/http_server.h"
#include "fuzz/fuzz_util.h"

namespace app = privstack::app;
namespace http = boost::beast::http;

namespace {

app::HttpRouter make_router() {
  app::HttpRouter router;
  // Same shape as make_api_router() in relay_app.cc.
  router.get("/api/v1/identity", [](const app::HttpRequest& request) {
    return app::make_json_response(http::status::ok, R"({"peer_id":"12D3KooW"})",
                                   request.version());
  });
  return router;
}

bool malformed(const boost::system::error_code& ec) {
  const auto& category = make_error_code(http::error::end_of_stream).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const app::HttpRouter router = make_router();
  const app::HttpServerConfig config{};

  boost::asio::io_context ioc;
  boost::beast::test::stream server(ioc);
  boost::beast::test::stream client(ioc);
  server.connect(client);
  if (size > 0) boost::asio::write(client, boost::asio::buffer(data, size));
  client.close();

  boost::beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes);
  for (std::size_t served = 0; served < config.max_requests_per_connection; ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(config.max_body_bytes);
    boost::system::error_code ec;
    http::read(server, buffer, parser, ec);
    std::optional<app::HttpResponse> response;
    bool keep_alive = false;
    if (!ec) {
      const app::HttpRequest& request = parser.get();
      PRIVSTACK_FUZZ_CHECK(request.body().size() <= config.max_body_bytes);
      response = router.route(request);
      keep_alive = request.keep_alive() && served + 1 < config.max_requests_per_connection;
    } else if (ec == http::error::header_limit) {
      response = app::make_error_response(http::status::request_header_fields_too_large);
    } else if (ec == http::error::body_limit) {
      response = app::make_error_response(http::status::payload_too_large);
    } else if (malformed(ec)) {
      response = app::make_error_response(http::status::bad_request);
    } else {
      break;
    }
    response->keep_alive(keep_alive);
    http::write(server, *response, ec);
    PRIVSTACK_FUZZ_CHECK(!ec);
    if (!keep_alive) break;
  }
  return 0;
}
