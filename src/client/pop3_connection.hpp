// client::pop3_connection: the Asio driver of the sans-I/O POP3 client
// engine (proto/pop3/client): connect, plain / STLS / implicit TLS with the
// certificate verified, login (secrets: the password, auth::apop_digest,
// auth::sasl_client), then one command at a time, QUIT. A coroutine, so many
// can run in one io_context (the proxy); `mailroom pop3` runs one in its own.
// After open() the proxy may take the stream and relay bytes itself.
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

#include "common/secret.hpp"
#include "net/byte_stream.hpp"
#include "proto/pop3/client/client_session.hpp"

namespace mailroom::auth {
class sasl_client_context;
class sasl_client_exchange;
}  // namespace mailroom::auth

namespace mailroom::client {

// Why a session failed; the exit codes of `mailroom pop3` follow these.
enum class pop3_failure {
    none,
    refused,     // -ERR greeting
    tls,         // STLS missing or refused, handshake or certificate failed
    login,       // login refused, no acceptable method, SCRAM server unproven
    protocol,    // malformed, oversized or out-of-turn replies
    connection,  // resolve/connect failed, connection lost, timeout
    local,       // our body handler gave up (e.g. the destination's disk)
};

struct pop3_options {
    std::string host;  // for connecting, SNI and the certificate's name check
    std::uint16_t port = 110;
    pop3::client::tls_mode tls = pop3::client::tls_mode::starttls;
    std::shared_ptr<boost::asio::ssl::context> tls_context;  // client_tls.hpp; needed unless tls none
    bool verify = true;                                      // chain + host name (off: --insecure)
    std::string user;                                        // empty: no login (CAPA only)
    secret password;
    std::vector<pop3::client::auth_method> allowed;  // strongest first
    bool allow_plaintext = false;                    // USER/PLAIN/LOGIN without TLS
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds reply_timeout{std::chrono::seconds(60)};  // each read, write, handshake
    pop3::client::reply_limits limits;
    // Dialogue trace: "C" (us), "S" (server), "*" (driver notes); secrets masked.
    std::function<void(std::string_view direction, std::string_view line)> trace;
};

struct pop3_reply {
    bool ok = false;
    std::string text;  // the status line's text after +OK / -ERR
};

class pop3_connection {
public:
    explicit pop3_connection(pop3_options opt);
    ~pop3_connection();
    pop3_connection(const pop3_connection&) = delete;
    pop3_connection& operator=(const pop3_connection&) = delete;

    // Connect, TLS, greeting, CAPA, login (when a user is given). False:
    // failure() and detail() say why, and the connection is closed.
    boost::asio::awaitable<bool> open();

    // One command after open(). Body pieces of a multi-line reply go to
    // on_body (dot-unstuffed, exact bytes); it returns false to give up, and
    // then the connection is dropped without QUIT (nothing is deleted:
    // RFC 1939 §6). on_body must outlive the call (await it at once).
    // nullopt: the session is over, see failure(). g++ 12 mishandles a
    // braced temporary inside a co_await expression: pass named objects.
    using body_handler = std::function<bool(std::string_view piece)>;
    boost::asio::awaitable<std::optional<pop3_reply>> command(const pop3::client::command& c,
                                                              const body_handler& on_body = {});

    // QUIT (the server then removes what DELE marked, RFC 1939 §6) and
    // close. True when the server answered +OK.
    boost::asio::awaitable<bool> quit();
    // Close without QUIT: no deletion takes effect.
    boost::asio::awaitable<void> abort();

    // For the proxy, after open() returned true: the logged-in stream. The
    // engine read nothing ahead (a server that speaks before the next
    // command is a protocol error, so open() would have failed); this object
    // is then finished with.
    std::unique_ptr<net::byte_stream> release_stream();

    pop3_failure failure() const noexcept { return failure_; }
    const std::string& detail() const noexcept { return detail_; }  // names the server's reply
    const std::vector<std::string>& capabilities() const noexcept { return engine_.capabilities(); }
    const std::string& peer() const noexcept { return peer_; }      // "host[address]:port"
    const std::string& tls() const noexcept { return tls_; }        // "TLSv1.3 ... verified=yes", "" without
    const std::string& method() const noexcept { return method_; }  // login method used, "" before
    const std::string& greeting() const noexcept { return greeting_; }

private:
    boost::asio::awaitable<bool> pump(const std::function<bool()>& done);
    boost::asio::awaitable<bool> perform(pop3::client::action& act);
    boost::asio::awaitable<bool> handshake();
    void sasl_start(const std::string& mechanism);
    void fail(pop3_failure f, std::string detail);

    pop3_options opt_;
    pop3::client::client_session engine_;
    std::unique_ptr<net::byte_stream> stream_;
    std::unique_ptr<auth::sasl_client_context> sasl_ctx_;
    std::unique_ptr<auth::sasl_client_exchange> sasl_;
    std::string peer_, tls_, method_, greeting_, detail_;
    pop3_failure failure_ = pop3_failure::none;
    bool closed_ = false;
    std::size_t next_index_ = 0;
    std::optional<pop3::client::command_done> done_;
    const body_handler* on_body_ = nullptr;
    std::uint64_t body_bytes_ = 0;
};

}  // namespace mailroom::client
