#include "metrics/listener.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "metrics/metrics.hpp"
#include "server/server.hpp"

namespace injector::metrics {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// One connection: read a request, answer, repeat while keep-alive; 30 s per request at most.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Metrics& metrics) : stream_(std::move(socket)), m_(metrics) {}

  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) {
                         self->answer();
                       }
                     });
  }

 private:
  void answer() {
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    const std::string_view target(request_.target().data(), request_.target().size());
    if (target.substr(0, target.find('?')) != "/metrics") {
      response_.result(http::status::not_found);
      response_.set(http::field::content_type, "text/plain");
      response_.body() = "not found\n";
    } else if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET");
      response_.set(http::field::content_type, "text/plain");
      response_.body() = "method not allowed\n";
    } else {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response_.body() = render(m_);
      if (request_.method() == http::verb::head) {
        response_.prepare_payload();
        response_.body().clear();
      }
    }
    if (request_.method() != http::verb::head) {
      response_.prepare_payload();
    }
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  Metrics& m_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

struct Listener::Impl {
  Impl(std::string l, Metrics& m) : listen(std::move(l)), metrics(m), acceptor(ioc) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        return;
      }
      if (!ec) {
        std::make_shared<Connection>(std::move(socket), metrics)->read();
      }
      accept();
    });
  }

  std::string listen;
  Metrics& metrics;
  net::io_context ioc{1};
  tcp::acceptor acceptor;
  unsigned short port = 0;
  std::thread thread;
};

Listener::Listener(std::string listen, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(listen), metrics)) {}

Listener::~Listener() { stop(); }

Result<void> Listener::start() {
  auto address = parse_listen_address(impl_->listen);
  if (!address) {
    return fail("metrics_listen", "--metrics-listen: " + address.error().message);
  }
  beast::error_code ec;
  const auto ip = net::ip::make_address(address->host, ec);
  if (ec) {
    return fail("metrics_listen", "--metrics-listen \"" + impl_->listen + "\": host \"" +
                                      address->host + "\" is not an IP address");
  }
  const tcp::endpoint endpoint(ip, address->port);
  auto& acceptor = impl_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail("metrics_listen",
                "--metrics-listen \"" + impl_->listen + "\": cannot listen: " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
  return {};
}

unsigned short Listener::port() const { return impl_->port; }

void Listener::stop() {
  if (!impl_->thread.joinable()) {
    return;
  }
  impl_->ioc.stop();
  impl_->thread.join();
}

}  // namespace injector::metrics
