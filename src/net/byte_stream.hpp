// net::byte_stream: one client connection, plain TCP or TLS, with the
// switch from one to the other in the middle (STLS/STARTTLS). Engines never
// see it; run loops in src/server/ and src/delivery/ read and write through it. Every read
// and every stretch of a write without progress is bounded by a deadline. A timer
// wait may stay pending until shutdown() or destruction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

enum class read_status { data, eof, timeout, error };

class byte_stream {
public:
    explicit byte_stream(tcp::socket socket);
    ~byte_stream();
    byte_stream(const byte_stream&) = delete;
    byte_stream& operator=(const byte_stream&) = delete;

    // Reads at most buf.size() bytes; gives up after `limit`.
    asio::awaitable<std::pair<read_status, std::size_t>> read_some(asio::mutable_buffer buf,
                                                                   std::chrono::milliseconds limit);
    // Writes everything, or fails (false) once `limit` passes with no byte
    // sent: the limit bounds progress, so a slow but steady reader is served.
    asio::awaitable<bool> write_all(std::string_view bytes, std::chrono::milliseconds limit);
    // Server side TLS handshake; from now on reads and writes are encrypted.
    asio::awaitable<bool> start_tls(asio::ssl::context& ctx, std::chrono::milliseconds limit);
    // Client side TLS handshake (outbound SMTP): SNI `host`; with `verify`
    // the chain must verify against ctx's CAs and name `host` (RFC 6125 via
    // OpenSSL's hostname check), else any certificate is accepted.
    asio::awaitable<bool> start_tls_client(asio::ssl::context& ctx, const std::string& host, bool verify,
                                           std::chrono::milliseconds limit);
    // Sends close_notify when TLS is on (bounded), then closes.
    asio::awaitable<void> shutdown(std::chrono::milliseconds limit);

    bool tls_active() const noexcept { return tls_.has_value(); }
    std::string tls_description() const;  // "TLSv1.3 TLS_AES_256_GCM_SHA384" or "none"
    const std::string& peer_address() const noexcept { return peer_address_; }

private:
    void arm(std::chrono::milliseconds limit);
    void disarm();
    void wait_until(std::chrono::steady_clock::time_point end);
    void stop_waiting();

    tcp::socket socket_;
    std::optional<asio::ssl::stream<tcp::socket&>> tls_;
    asio::steady_timer deadline_;
    // Shared with the timer's handler: a handler of a replaced wait must do
    // nothing (generation), nor may any touch a destroyed stream (alive).
    // The wait pending ends at wait_end; the operation under way (active)
    // must end by deadline, which may be later (see arm()).
    struct deadline_state {
        bool alive = true;
        bool expired = false;
        bool active = false;
        bool waiting = false;
        unsigned generation = 0;
        std::chrono::steady_clock::time_point deadline{}, wait_end{};
    };
    std::shared_ptr<deadline_state> dl_ = std::make_shared<deadline_state>();
    std::string peer_address_;
};

}  // namespace mailroom::net
