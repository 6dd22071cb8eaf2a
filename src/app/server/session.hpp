#pragma once
// One TLS connection: handshake, then HTTP/1.1 requests one after another (keep-alive,
// pipelining) under header, body, idle and write deadlines. What a request means is routes.cpp's.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "server/body_budget.hpp"
#include "server/routes.hpp"
#include "server/server_impl.hpp"

namespace injector {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, boost::asio::ip::tcp::socket socket);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();

  /// Closes the connection if it is still waiting for a request (eviction, stop); one that
  /// started a request in the meantime finishes it (stop answers it with Connection: close).
  void close_if_idle();

  // Guarded by Server::Impl::mu.
  bool in_idle = false;
  std::list<std::weak_ptr<Session>>::iterator idle_it;

 private:
  enum class State { kHandshake, kIdle, kBusy, kClosed };
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  const ServerOptions& options() const { return server_.options; }
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

  void on_start();
  void on_handshake(boost::beast::error_code ec);
  void wait_request(std::chrono::milliseconds deadline);
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t);
  void on_read_error(boost::beast::error_code ec);
  void reject_oversize(std::uint64_t length, bool expects_continue);
  void reject_busy(bool expects_continue);
  void drain();
  void drained();
  void answer_oversize(std::string_view prefix);
  void respond(HttpReply reply);
  void on_write(boost::beast::error_code ec, std::size_t);
  void shutdown();
  void close();

  Server::Impl& server_;
  // The context this connection's handshake used; held so that it outlives the SSL object (a
  // rotation swaps the server's, this connection keeps its own).
  std::shared_ptr<boost::asio::ssl::context> context_;
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  State state_ = State::kHandshake;
  bool keep_alive_ = true;
  // The body being drained is answered 413 (oversize) or 429 (the buffer cap was reached).
  enum class Drain { kOversize, kBusy };
  Drain drain_for_ = Drain::kOversize;
  std::uint64_t drain_left_ = 0;
  std::string oversize_prefix_;
  BodyReservation body_;  // this request's share of Server::Impl::bodies
};

}  // namespace injector
