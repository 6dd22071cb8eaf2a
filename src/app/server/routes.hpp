#pragma once
// What each path answers, once a whole request is read: the admission reviews, /healthz and
// /readyz. The session owns the transport (deadlines, keep-alive, writing); this owns meaning.

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/server_impl.hpp"

namespace injector {

/// An answer before the transport adds version, keep-alive and Content-Length.
struct HttpReply {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;        // the Allow header of a 405, "" otherwise
  std::string retry_after;  // the Retry-After header (seconds) of a 429, "" otherwise
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// The answer to a complete request.
HttpReply route(Server::Impl& server, const HttpRequest& request);

/// The answer to a request whose body was over the limit: a 413 review. `prefix` is what was kept
/// of the body.
HttpReply oversize_reply(Server::Impl& server, const HttpRequest& request, std::string_view prefix);

}  // namespace injector
