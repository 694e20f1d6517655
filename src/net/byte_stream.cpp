#include "net/byte_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mailroom::net {
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

byte_stream::byte_stream(tcp::socket socket) : socket_(std::move(socket)), deadline_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_address_ = ec ? "unknown" : ep.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);  // read_now() must never block the loop
}

byte_stream::~byte_stream() {
    dl_->alive = false;
    if (tap_) {
        try {
            tap_->ended();
        } catch (...) {  // a recording that failed (out of memory) must not end the process
        }
    }
}

// The deadline cancels whatever is pending on the socket; the operation
// then completes with an error and `expired` tells it was time.
//
// It is kept lazily: one timer wait stays armed across operations and is
// moved only when an operation must end sooner than the wait would; a wait
// that ends while the deadline has moved on waits again for the rest.
// Re-arming per read and write cost a timer reprogram (timerfd_settime) and
// a cancelled handler each, a dozen per SMTP message.
void byte_stream::arm(std::chrono::milliseconds limit) {
    dl_->expired = false;
    dl_->active = true;
    dl_->deadline = std::chrono::steady_clock::now() + limit;
    if (!dl_->waiting || dl_->deadline < dl_->wait_end) wait_until(dl_->deadline);
}

void byte_stream::disarm() { dl_->active = false; }

void byte_stream::wait_until(std::chrono::steady_clock::time_point end) {
    dl_->waiting = true;
    dl_->wait_end = end;
    const unsigned generation = ++dl_->generation;
    deadline_.expires_at(end);  // a wait already pending ends with operation_aborted
    deadline_.async_wait([this, st = dl_, generation](boost::system::error_code ec) {
        // Destroyed (alive: `this` is gone), or replaced by a newer wait.
        if (!st->alive || st->generation != generation) return;
        st->waiting = false;
        // Cancelled, or no operation to bound: the next arm() waits again.
        if (ec || !st->active) return;
        if (std::chrono::steady_clock::now() < st->deadline) return wait_until(st->deadline);
        st->expired = true;
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    });
}

void byte_stream::stop_waiting() {
    disarm();
    dl_->waiting = false;
    ++dl_->generation;
    deadline_.cancel();
}

template <class Op>
asio::awaitable<int> byte_stream::tls_call(Op op) {
    for (;;) {
        ERR_clear_error();  // SSL_get_error() reads this thread's queue
        const int r = op();
        if (r > 0) co_return SSL_ERROR_NONE;
        const int err = SSL_get_error(tls_.get(), r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            const bool eof = err == SSL_ERROR_SSL &&
                             ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
            ERR_clear_error();
            co_return eof ? SSL_ERROR_ZERO_RETURN : err;
        }
        // The deadline's cancel() ends this wait with operation_aborted.
        auto [ec] = co_await socket_.async_wait(err == SSL_ERROR_WANT_READ ? tcp::socket::wait_read
                                                                           : tcp::socket::wait_write,
                                                use_tuple);
        if (ec) co_return SSL_ERROR_SYSCALL;
    }
}

asio::awaitable<std::pair<read_status, std::size_t>> byte_stream::read_some(asio::mutable_buffer buf,
                                                                            std::chrono::milliseconds limit) {
    arm(limit);
    std::size_t n = 0;
    bool eof = false;
    in_read_ = true;
    if (tls_) {
        const int err = co_await tls_call([&] { return SSL_read_ex(tls_.get(), buf.data(), buf.size(), &n); });
        eof = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && !dl_->expired);
    } else {
        auto [ec, got] = co_await socket_.async_read_some(buf, use_tuple);
        n = got;
        eof = ec == asio::error::eof;
    }
    in_read_ = false;
    bool expired = dl_->expired;
    disarm();
    if (n > 0 && tap_) tap_->received({static_cast<const char*>(buf.data()), n});
    if (n > 0) co_return std::pair{read_status::data, n};
    if (expired) co_return std::pair{read_status::timeout, std::size_t{0}};
    if (eof) co_return std::pair{read_status::eof, std::size_t{0}};
    co_return std::pair{read_status::error, std::size_t{0}};
}

std::pair<read_status, std::size_t> byte_stream::read_now(asio::mutable_buffer buf) {
    if (tls_) {
        ERR_clear_error();  // SSL_get_error() reads this thread's queue
        std::size_t n = 0;
        const int r = SSL_read_ex(tls_.get(), buf.data(), buf.size(), &n);
        if (r > 0) {
            if (tap_) tap_->received({static_cast<const char*>(buf.data()), n});
            return {read_status::data, n};
        }
        const int err = SSL_get_error(tls_.get(), r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            tls_wants_write_ = err == SSL_ERROR_WANT_WRITE;
            return {read_status::would_block, 0};
        }
        const bool eof = err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL ||
                         (err == SSL_ERROR_SSL &&
                          ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
        ERR_clear_error();
        return {eof ? read_status::eof : read_status::error, 0};
    }
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(buf, ec);  // non-blocking (constructor)
    if (!ec) {
        if (tap_) tap_->received({static_cast<const char*>(buf.data()), n});
        return {read_status::data, n};
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) return {read_status::would_block, 0};
    if (ec == asio::error::eof) return {read_status::eof, 0};
    return {read_status::error, 0};
}

// Called only after read_now() said would_block: the socket (or OpenSSL)
// has just seen EAGAIN, so the reactor's next readiness edge is this one's.
void byte_stream::request_stop() {
    stop_requested_ = true;
    if (!in_read_) return;  // busy with a command: run_engine checks before its next wait
    dl_->expired = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
}

asio::awaitable<read_status> byte_stream::wait_readable(std::chrono::milliseconds limit) {
    arm(limit);
    const auto what = tls_ && tls_wants_write_ ? tcp::socket::wait_write : tcp::socket::wait_read;
    in_read_ = true;
    auto [ec] = co_await socket_.async_wait(what, use_tuple);
    in_read_ = false;
    const bool expired = dl_->expired;
    disarm();
    if (expired) co_return read_status::timeout;
    co_return ec ? read_status::error : read_status::data;
}

// `limit` bounds progress, not the whole write (RFC 5321 §4.5.3.2: per TCP
// send): each send that moves bytes moves the deadline on. With the lazy
// timer that is a clock read per send, no timer reprogram.
asio::awaitable<bool> byte_stream::write_raw(std::string_view bytes, std::chrono::milliseconds limit) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        arm(limit);
        const char* from = bytes.data() + done;
        const std::size_t left = bytes.size() - done;
        std::size_t n = 0;
        bool failed = false;
        if (tls_) {  // partial writes on: one call sends at least a record
            failed = co_await tls_call([&] { return SSL_write_ex(tls_.get(), from, left, &n); }) != SSL_ERROR_NONE;
        } else {
            auto [ec, sent] = co_await socket_.async_write_some(asio::buffer(from, left), use_tuple);
            n = sent;
            failed = !!ec;
        }
        done += n;
        if (failed || n == 0) break;
    }
    disarm();
    co_return done == bytes.size();
}

void byte_stream::drop() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

// The tap's plan: other bytes, a wait first, a paced drip (a piece every
// 100 ms at most, of at least one byte), a close after.
asio::awaitable<bool> byte_stream::write_tapped(std::string_view original, std::chrono::milliseconds limit) {
    const write_plan plan = tap_->before_write(original);
    asio::steady_timer pause(socket_.get_executor());
    if (plan.delay.count() > 0) {
        pause.expires_after(plan.delay);
        co_await pause.async_wait(use_tuple);
    }
    std::string_view bytes = plan.bytes;
    bool ok = true;
    if (plan.drip_bytes_per_s == 0) {
        ok = co_await write_raw(bytes, limit);
    } else {
        const std::size_t piece = std::max<std::size_t>(1, plan.drip_bytes_per_s / 10);
        const auto every = std::chrono::milliseconds(piece * 1000 / plan.drip_bytes_per_s);
        while (ok && !bytes.empty()) {
            const auto now = bytes.substr(0, piece);
            bytes.remove_prefix(now.size());
            ok = co_await write_raw(now, limit);
            if (!ok || bytes.empty()) break;
            pause.expires_after(every);
            co_await pause.async_wait(use_tuple);
        }
    }
    if (plan.close_after) {
        drop();
        co_return false;
    }
    co_return ok;
}

asio::awaitable<bool> byte_stream::tls_begin(bool server, std::chrono::milliseconds limit) {
    boost::system::error_code ec;
    socket_.native_non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
    if (ec || !tls_ || SSL_set_fd(tls_.get(), socket_.native_handle()) != 1) co_return false;
    SSL_set_mode(tls_.get(),
                 SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (server) SSL_set_accept_state(tls_.get());
    else SSL_set_connect_state(tls_.get());
    arm(limit);
    const int err = co_await tls_call([&] { return SSL_do_handshake(tls_.get()); });
    disarm();
    co_return err == SSL_ERROR_NONE;
}

asio::awaitable<bool> byte_stream::start_tls(asio::ssl::context& ctx, std::chrono::milliseconds limit) {
    if (tap_ && !tap_->before_tls()) {  // a fault: the client's handshake meets a closed connection
        drop();
        co_return false;
    }
    tls_.reset(SSL_new(ctx.native_handle()));
    const bool ok = co_await tls_begin(true, limit);
    if (ok && tap_) tap_->tls_started(tls_description());
    co_return ok;
}

asio::awaitable<bool> byte_stream::start_tls_client(asio::ssl::context& ctx, const std::string& host, bool verify,
                                                    std::chrono::milliseconds limit) {
    tls_.reset(SSL_new(ctx.native_handle()));
    if (!tls_) co_return false;
    SSL* ssl = tls_.get();
    // SNI takes names only, never an address literal (RFC 6066 §3).
    boost::system::error_code not_address;
    (void)asio::ip::make_address(host, not_address);
    if (!host.empty() && not_address) {
        // SSL_set_tlsext_host_name() is a macro with a C cast; this is its body.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    }
    if (verify) {
        // The chain against ctx's CAs, and the name (or address) in it.
        const bool named = not_address ? SSL_set1_host(ssl, host.c_str()) == 1
                                       : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
        if (!named) co_return false;
        SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    } else {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    }
    co_return co_await tls_begin(false, limit);
}

asio::awaitable<void> byte_stream::shutdown(std::chrono::milliseconds limit) {
    if (tls_ && socket_.is_open()) {
        // Our close_notify only (0 from SSL_shutdown: sent); the peer's is not awaited.
        arm(limit);
        (void)co_await tls_call([&] {
            const int r = SSL_shutdown(tls_.get());
            return r == 0 ? 1 : r;
        });
        disarm();
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    stop_waiting();  // nothing left to bound: no timer keeps the loop busy
}

std::string byte_stream::tls_description() const {
    if (!tls_) return "none";
    std::string out = SSL_get_version(tls_.get());
    if (const char* cipher = SSL_get_cipher_name(tls_.get())) out += std::string(" ") + cipher;
    return out;
}

}  // namespace mailroom::net
