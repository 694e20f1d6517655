// client::imap_connection: the Asio driver of the sans-I/O IMAP client
// engine (proto/imap/client): connect, plain / STARTTLS / implicit TLS with
// the certificate verified, login (the password, auth::sasl_client), then
// one command at a time with its untagged responses and streamed message
// bodies handed to the caller, LOGOUT. A coroutine, as pop3_connection;
// `mailroom imap` runs one in its own io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/failure.hpp"
#include "common/secret.hpp"
#include "net/byte_stream.hpp"
#include "proto/imap/client/client_session.hpp"

namespace mailroom::auth {
class sasl_client_context;
class sasl_client_exchange;
}  // namespace mailroom::auth

namespace mailroom::client {

// Why a session failed; the exit codes of `mailroom imap` follow these.
using imap_failure = failure;  // client/failure.hpp

struct imap_options {
    std::string host;  // for connecting, SNI and the certificate's name check
    std::uint16_t port = 143;
    imap::client::tls_mode tls = imap::client::tls_mode::starttls;
    std::shared_ptr<boost::asio::ssl::context> tls_context;  // client_tls.hpp; needed unless tls none
    bool verify = true;
    std::string user;  // empty: no login
    secret password;
    std::vector<imap::client::auth_method> allowed;  // strongest first
    bool allow_plaintext = false;
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds reply_timeout{std::chrono::seconds(60)};  // each read, write, handshake
    imap::client::response_limits limits;
    // Dialogue trace: "C" (us), "S" (server), "*" (driver notes); secrets masked.
    std::function<void(std::string_view direction, std::string_view line)> trace;
};

// What one command meets on its way; each returns false to give up (the
// connection is then dropped without LOGOUT). Handlers must outlive the call.
struct imap_handlers {
    std::function<bool(const imap::client::response&)> on_untagged;
    std::function<bool(std::uint64_t size, const std::string& item)> on_body_begin;
    std::function<bool(std::string_view piece)> on_body_data;
    std::function<bool()> on_body_end;
    // For a command with a driver literal (APPEND): fills buf, returns the
    // bytes put there (0: the source failed).
    std::function<std::size_t(char* buf, std::size_t size)> read_literal;
};

class imap_connection {
public:
    explicit imap_connection(imap_options opt);
    ~imap_connection();
    imap_connection(const imap_connection&) = delete;
    imap_connection& operator=(const imap_connection&) = delete;

    // Connect, TLS, greeting, capabilities, login (when a user is given).
    // False: failure() and detail() say why, and the connection is closed.
    boost::asio::awaitable<bool> open();

    // One command after open(); nullopt when the session is over (failure()).
    // g++ 12: pass named objects, not braced temporaries, in co_await expressions.
    boost::asio::awaitable<std::optional<imap::client::command_done>> command(const imap::client::command& c,
                                                                              const imap_handlers& h);
    // LOGOUT and close; true when the server answered OK.
    boost::asio::awaitable<bool> logout();
    // Close without LOGOUT.
    boost::asio::awaitable<void> abort();

    imap_failure failure() const noexcept { return failure_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::vector<std::string>& capabilities() const noexcept { return engine_.capabilities(); }
    bool has_capability(std::string_view c) const noexcept { return engine_.has_capability(c); }
    const std::string& peer() const noexcept { return peer_; }      // "host[address]:port"
    const std::string& tls() const noexcept { return tls_; }        // "TLSv1.3 ... verified=yes", "" without
    const std::string& method() const noexcept { return method_; }  // "LOGIN", "SCRAM-SHA-256", "PREAUTH"

private:
    enum class until { ready, command_done, closed };
    boost::asio::awaitable<bool> pump(until goal);
    boost::asio::awaitable<bool> perform(imap::client::action& act);
    boost::asio::awaitable<bool> write_literal(std::uint64_t size);
    boost::asio::awaitable<bool> handshake();
    bool handle(bool ok, const char* what);
    void sasl_start(const std::string& mechanism);
    void fail(imap_failure f, std::string detail);

    imap_options opt_;
    imap::client::client_session engine_;
    std::unique_ptr<net::byte_stream> stream_;
    std::unique_ptr<auth::sasl_client_context> sasl_ctx_;
    std::unique_ptr<auth::sasl_client_exchange> sasl_;
    std::string peer_, tls_, method_, detail_;
    imap_failure failure_ = imap_failure::none;
    bool closed_ = false;
    bool ready_ = false;  // logged in (or no user) and idle
    std::size_t next_index_ = 0, awaited_index_ = 0;
    std::optional<imap::client::command_done> done_;
    const imap_handlers* handlers_ = nullptr;
    std::uint64_t body_bytes_ = 0;
};

}  // namespace mailroom::client
