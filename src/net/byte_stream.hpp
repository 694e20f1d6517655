// net::byte_stream: one client connection, plain TCP or TLS, with the
// switch from one to the other in the middle (STLS/STARTTLS). Engines never
// see it; run loops in src/server/ and src/delivery/ read and write through it. Every read
// and every stretch of a write without progress is bounded by a deadline. A timer
// wait may stay pending until shutdown() or destruction. TLS is OpenSSL on
// the socket's descriptor itself (no BIO pair, no Asio record buffers), with
// SSL_MODE_RELEASE_BUFFERS: an idle TLS connection holds no record buffer.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/stream_tap.hpp"

namespace mailroom::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// would_block: only from read_now(), nothing has arrived yet.
enum class read_status { data, eof, timeout, error, would_block };

class byte_stream {
public:
    explicit byte_stream(tcp::socket socket);
    ~byte_stream();
    byte_stream(const byte_stream&) = delete;
    byte_stream& operator=(const byte_stream&) = delete;

    // Reads at most buf.size() bytes; gives up after `limit`.
    asio::awaitable<std::pair<read_status, std::size_t>> read_some(asio::mutable_buffer buf,
                                                                   std::chrono::milliseconds limit);
    // The two halves of read_some for a connection that is idle most of its
    // life (net::run_engine): read_now() takes what has arrived, without
    // waiting, into a buffer the caller holds only for that call (so an idle
    // connection holds none); after would_block, wait_readable() waits with
    // no buffer until the socket is ready (for TLS: as OpenSSL asked), or
    // `limit` passes (timeout), then read_now() again.
    std::pair<read_status, std::size_t> read_now(asio::mutable_buffer buf);
    asio::awaitable<read_status> wait_readable(std::chrono::milliseconds limit);
    // Writes everything, or fails (false) once `limit` passes with no byte
    // sent: the limit bounds progress, so a slow but steady reader is served.
    // With a tap, it writes what the tap's plan says instead (see stream_tap.hpp).
    asio::awaitable<bool> write_all(std::string_view bytes, std::chrono::milliseconds limit) {
        if (tap_) [[unlikely]]
            return write_tapped(bytes, limit);
        return write_raw(bytes, limit);
    }
    // Server side TLS handshake; from now on reads and writes are encrypted.
    asio::awaitable<bool> start_tls(asio::ssl::context& ctx, std::chrono::milliseconds limit);
    // Client side TLS handshake (outbound SMTP): SNI `host`; with `verify`
    // the chain must verify against ctx's CAs and name `host` (RFC 6125 via
    // OpenSSL's hostname check), else any certificate is accepted.
    asio::awaitable<bool> start_tls_client(asio::ssl::context& ctx, const std::string& host, bool verify,
                                           std::chrono::milliseconds limit);
    // Sends close_notify when TLS is on (bounded), then closes.
    asio::awaitable<void> shutdown(std::chrono::milliseconds limit);

    // The deadline of the server-side handshake in start_tls callers that
    // use the listener's setting (server::upgrade_to_tls); set at accept.
    void set_handshake_limit(std::chrono::milliseconds limit) noexcept { handshake_limit_ = limit; }
    std::chrono::milliseconds handshake_limit() const noexcept { return handshake_limit_; }
    // The last operation ended because its deadline passed.
    bool timed_out() const noexcept { return dl_->expired; }
    // The server is stopping (server::listener_set): a read_some() or
    // wait_readable() under way ends now as a timeout, and stop_requested() tells run_engine
    // to ask the engine to close instead of waiting for the next command.
    void request_stop();
    bool stop_requested() const noexcept { return stop_requested_; }

    // `mailroom dev`: every read, write and server-side handshake goes
    // through the tap from now on; ended() is called at destruction.
    void set_tap(std::shared_ptr<stream_tap> tap) { tap_ = std::move(tap); }

    bool tls_active() const noexcept { return tls_ != nullptr; }
    std::string tls_description() const;  // "TLSv1.3 TLS_AES_256_GCM_SHA384" or "none"
    const std::string& peer_address() const noexcept { return peer_address_; }

private:
    void arm(std::chrono::milliseconds limit);
    void disarm();
    void wait_until(std::chrono::steady_clock::time_point end);
    void stop_waiting();
    asio::awaitable<bool> tls_begin(bool server, std::chrono::milliseconds limit);
    asio::awaitable<bool> write_raw(std::string_view bytes, std::chrono::milliseconds limit);
    asio::awaitable<bool> write_tapped(std::string_view bytes, std::chrono::milliseconds limit);
    void drop();  // closes the socket at once (a tap's close_after or refused handshake)
    // Repeats one OpenSSL call (op() > 0 is success) until it completes,
    // waiting for the socket as OpenSSL asks; SSL_ERROR_NONE or the error.
    template <class Op>
    asio::awaitable<int> tls_call(Op op);

    struct ssl_free {
        void operator()(SSL* s) const noexcept { SSL_free(s); }
    };

    tcp::socket socket_;
    std::unique_ptr<SSL, ssl_free> tls_;  // on socket_'s descriptor (SSL_set_fd)
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
    bool tls_wants_write_ = false;  // read_now's SSL_read asked for the socket to be writable
    bool in_read_ = false;          // in read_some() or wait_readable(): request_stop() ends it
    bool stop_requested_ = false;
    std::chrono::milliseconds handshake_limit_{std::chrono::seconds(10)};
    std::shared_ptr<stream_tap> tap_;  // nullptr but under `mailroom dev`
};

}  // namespace mailroom::net
