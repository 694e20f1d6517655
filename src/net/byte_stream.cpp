#include "net/byte_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace mailroom::net {
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

byte_stream::byte_stream(tcp::socket socket)
    : socket_(std::move(socket)), deadline_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_address_ = ec ? "unknown" : ep.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
}

byte_stream::~byte_stream() { dl_->alive = false; }

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

asio::awaitable<std::pair<read_status, std::size_t>> byte_stream::read_some(
    asio::mutable_buffer buf, std::chrono::milliseconds limit) {
    arm(limit);
    auto [ec, n] = tls_ ? co_await tls_->async_read_some(buf, use_tuple)
                        : co_await socket_.async_read_some(buf, use_tuple);
    bool expired = dl_->expired;
    disarm();
    if (n > 0) co_return std::pair{read_status::data, n};
    if (expired) co_return std::pair{read_status::timeout, std::size_t{0}};
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
        co_return std::pair{read_status::eof, std::size_t{0}};
    co_return std::pair{read_status::error, std::size_t{0}};
}

// `limit` bounds progress, not the whole write (RFC 5321 §4.5.3.2: per TCP
// send): each write_some that moves bytes moves the deadline on. With the
// lazy timer that is a clock read per send, no timer reprogram.
asio::awaitable<bool> byte_stream::write_all(std::string_view bytes, std::chrono::milliseconds limit) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        arm(limit);
        auto buf = asio::buffer(bytes.data() + done, bytes.size() - done);
        auto [ec, n] = tls_ ? co_await tls_->async_write_some(buf, use_tuple)
                            : co_await socket_.async_write_some(buf, use_tuple);
        done += n;
        if (ec || n == 0) break;
    }
    disarm();
    co_return done == bytes.size();
}

asio::awaitable<bool> byte_stream::start_tls(asio::ssl::context& ctx, std::chrono::milliseconds limit) {
    tls_.emplace(socket_, ctx);
    arm(limit);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_tuple);
    disarm();
    co_return !ec;
}

asio::awaitable<bool> byte_stream::start_tls_client(asio::ssl::context& ctx, const std::string& host, bool verify,
                                                    std::chrono::milliseconds limit) {
    tls_.emplace(socket_, ctx);
    // SNI takes names only, never an address literal (RFC 6066 §3).
    boost::system::error_code not_address;
    (void)asio::ip::make_address(host, not_address);
    if (!host.empty() && not_address) {
        // SSL_set_tlsext_host_name() is a macro with a C cast; this is its body.
        SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str()));
    }
    if (verify) {
        tls_->set_verify_mode(asio::ssl::verify_peer);
        tls_->set_verify_callback(asio::ssl::host_name_verification(host));
    } else {
        tls_->set_verify_mode(asio::ssl::verify_none);
    }
    arm(limit);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    disarm();
    co_return !ec;
}

asio::awaitable<void> byte_stream::shutdown(std::chrono::milliseconds limit) {
    if (tls_ && socket_.is_open()) {
        arm(limit);
        co_await tls_->async_shutdown(use_tuple);
        disarm();
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    stop_waiting();  // nothing left to bound: no timer keeps the loop busy
}

std::string byte_stream::tls_description() const {
    if (!tls_) return "none";
    auto* ssl = const_cast<asio::ssl::stream<tcp::socket&>&>(*tls_).native_handle();
    std::string out = SSL_get_version(ssl);
    if (const char* cipher = SSL_get_cipher_name(ssl)) out += std::string(" ") + cipher;
    return out;
}

}  // namespace mailroom::net
