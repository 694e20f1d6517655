#include "delivery/detail/session_driver.hpp"

#include <array>
#include <memory>

#include "auth/sasl_client.hpp"
#include "common/errors.hpp"
#include "net/offload.hpp"
#include "proto/smtp/client/mail_commands.hpp"

namespace mailroom::delivery::detail {
namespace {

namespace asio = boost::asio;
namespace sc = smtp::client;
using std::chrono::milliseconds;

// Limits on our own waits that the engine does not time (TLS, shutdown).
constexpr std::chrono::seconds tls_handshake_limit{60};
constexpr std::chrono::seconds shutdown_limit{5};
// A stored message is read and sent this much at a time: memory per
// delivery stays about twice this, whatever the message's size.
constexpr std::size_t content_piece_bytes = 128 * 1024;
// Used only if the engine waits for input without a timeout (it should not).
constexpr std::chrono::minutes fallback_reply_limit{5};

// Splits bytes into CRLF lines for the trace (a partial last line too).
void trace_lines(const transfer_options& opt, std::string_view dir, std::string_view bytes) {
    if (!opt.trace) return;
    while (!bytes.empty()) {
        auto eol = bytes.find('\n');
        auto line = bytes.substr(0, eol);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        opt.trace(dir, line);
        if (eol == std::string_view::npos) break;
        bytes.remove_prefix(eol + 1);
    }
}

// "AUTH PLAIN <secret>" keeps its verb and mechanism; anything else
// sensitive is masked whole.
std::string masked_line(std::string_view bytes) {
    if (bytes.size() > 5 && (bytes.substr(0, 5) == "AUTH " || bytes.substr(0, 5) == "auth ")) {
        const auto mech_end = bytes.find_first_of(" \r\n", 5);
        return std::string(bytes.substr(0, mech_end)) +
               (mech_end != std::string_view::npos && bytes[mech_end] == ' ' ? " " + std::string(secret::masked) : "");
    }
    return std::string(secret::masked);
}

class driver {
public:
    driver(net::byte_stream& s, const transfer_options& o, const smtp_destination& d, transfer_report& r,
           const message_done_handler& on_done)
        : stream_(s), opt_(o), dest_(d), report_(r), on_done_(on_done), engine_(make_config(o, d)) {}

    asio::awaitable<void> run(const std::vector<sc::outgoing_message>& messages) {
        for (const auto& m : messages) engine_.add_message(m);
        engine_.no_more_messages();
        if (dest_.tls == sc::tls_policy::implicit) {
            // RFC 8314 §3: TLS before any SMTP byte.
            const bool ok = co_await handshake();
            if (!ok) {
                override_ = {sc::close_reason::tls_failed, "implicit TLS handshake failed"};
                engine_.feed_eof();  // every message gets its temporary outcome
            }
        }
        std::array<char, 4096> buf{};
        for (;;) {
            while (auto act = engine_.next_action()) {
                const bool go_on = co_await perform(*act);
                if (!go_on) break;
            }
            if (closed_) break;
            const auto wait = engine_.reply_timeout().value_or(fallback_reply_limit);
            auto [status, n] = co_await stream_.read_some(asio::buffer(buf), milliseconds(wait));
            if (status == net::read_status::data) {
                const std::string_view got(buf.data(), n);
                trace_lines(opt_, "S", got);
                engine_.feed(got);
                check_server_proof();
            } else if (status == net::read_status::timeout) {
                engine_.timed_out();
            } else {
                engine_.feed_eof();
            }
        }
        if (override_) {
            report_.why = override_->first;
            report_.detail = override_->second;
        }
        co_await stream_.shutdown(milliseconds(shutdown_limit));
    }

private:
    static sc::client_config make_config(const transfer_options& o, const smtp_destination& d) {
        sc::client_config cfg;
        if (!o.helo_name.empty()) cfg.helo_name = o.helo_name;
        cfg.tls = d.tls;
        cfg.authenticate = d.auth.has_value();
        cfg.sasl_mechanisms = d.sasl_mechanisms;
        cfg.plaintext_auth = d.plaintext_auth;
        return cfg;
    }

    asio::awaitable<bool> handshake() {
        if (!opt_.tls_client) co_return false;
        const bool ok = co_await stream_.start_tls_client(*opt_.tls_client, dest_.host, dest_.verify_certificate,
                                                          milliseconds(tls_handshake_limit));
        if (ok) {
            report_.tls = stream_.tls_description() + (dest_.verify_certificate ? " verified=yes" : " verified=no");
            if (opt_.trace) opt_.trace("*", "TLS " + report_.tls);
        } else if (opt_.trace) {
            opt_.trace("*", dest_.verify_certificate ? "TLS handshake failed (certificate verification on)"
                                                     : "TLS handshake failed");
        }
        co_return ok;
    }

    // A SCRAM server must prove it knows our keys (RFC 5802 §5.1 "v=")
    // before we trust its 235: else we abandon the session.
    void check_server_proof() {
        if (!sasl_ || !engine_.authenticated() || sasl_->complete() || override_) return;
        override_ = {sc::close_reason::failed,
                     "server accepted AUTH " + sasl_->mechanism() + " without proving it knows the credentials"};
        abandoned_ = true;
        engine_.feed_eof();
    }

    // Returns false when the connection is over.
    asio::awaitable<bool> perform(sc::action& act) {
        if (auto* send = std::get_if<sc::send_bytes>(&act)) {
            if (abandoned_) co_return true;  // drain the engine, send nothing
            if (send->sensitive) {
                if (opt_.trace) opt_.trace("C", masked_line(send->bytes));
            } else {
                trace_lines(opt_, "C", send->bytes);
            }
            const auto& t = engine_timeouts_;
            const auto limit = send->message_body ? t.data_block : t.command;
            const bool ok = co_await stream_.write_all(send->bytes, milliseconds(limit));
            if (!ok) engine_.feed_eof();
            co_return true;
        }
        if (auto* body = std::get_if<sc::send_content>(&act)) {
            if (abandoned_) co_return true;
            co_await send_stored(*body->content);
            co_return true;
        }
        if (std::holds_alternative<sc::start_tls>(act)) {
            const bool ok = co_await handshake();
            if (ok) engine_.tls_started();
            else
                engine_.tls_failed(dest_.verify_certificate ? "certificate not verified for " + dest_.host
                                                            : "handshake error");
            co_return true;
        }
        if (auto* start = std::get_if<sc::sasl_start>(&act)) {
            sasl_start(start->mechanism);
            co_return true;
        }
        if (auto* step = std::get_if<sc::sasl_step>(&act)) {
            auto r = sasl_ ? sasl_->step(step->challenge_b64) : result<secret>(make_error_code(errc::auth_failed));
            if (r) engine_.sasl_response(std::move(*r));
            else engine_.sasl_cancel();
            co_return true;
        }
        if (auto* done = std::get_if<sc::message_done>(&act)) {
            // The engine reports messages in the order they were added.
            const auto index = report_.messages.size();
            report_.messages.push_back(std::move(*done));
            if (on_done_) co_await on_done_(index, report_);
            co_return true;
        }
        if (auto* close = std::get_if<sc::close_connection>(&act)) {
            report_.why = close->why;
            report_.detail = close->detail;
            closed_ = true;
            co_return false;
        }
        co_return true;
    }

    // The body of a stored message, piece by piece, dot-stuffed on the way;
    // each write is bounded by data_block (progress, not the total: RFC
    // 5321 §4.5.3.2). A piece that cannot be read ends the session without
    // the final dot, so the server discards the partial body.
    asio::awaitable<void> send_stored(const sc::stored_content& content) {
        if (opt_.trace) opt_.trace("*", "message body: " + std::to_string(content.size()) + " bytes from the queue");
        sc::dot_stuffer stuffer;
        std::string out;
        const std::uint64_t size = content.size();
        std::uint64_t done = 0;
        do {
            out.clear();
            if (done < size) {
                auto piece = co_await read_piece(content, done);
                if (!piece || piece->empty()) {
                    override_ = {sc::close_reason::connection_lost,
                                 "cannot read the queued message: " +
                                     (piece ? std::string("it is shorter than its size") : piece.error().message())};
                    abandoned_ = true;
                    engine_.feed_eof();
                    co_return;
                }
                done += piece->size();
                stuffer.add(*piece, out);
            }
            if (done >= size) stuffer.finish(out);
            if (!co_await stream_.write_all(out, milliseconds(engine_timeouts_.data_block))) {
                engine_.feed_eof();
                co_return;
            }
        } while (done < size);
    }

    asio::awaitable<result<std::string>> read_piece(const sc::stored_content& content, std::uint64_t offset) {
        if (!opt_.storage) co_return content.read(offset, content_piece_bytes);
        co_return co_await net::offload(*opt_.storage, [&] { return content.read(offset, content_piece_bytes); });
    }

    void sasl_start(const std::string& mechanism) {
        if (!clients_) {
            auto c = auth::sasl_client_context::create();
            if (c) clients_ = std::move(*c);
        }
        if (!clients_ || !dest_.auth) {
            engine_.sasl_cancel();
            return;
        }
        auto ex = clients_->begin(mechanism, dest_.auth->user, dest_.auth->password);
        if (!ex) {
            engine_.sasl_cancel();
            return;
        }
        sasl_ = std::move(*ex);
        auto ir = sasl_->initial();
        if (!ir) engine_.sasl_cancel();
        else engine_.sasl_initial(std::move(*ir));
    }

    net::byte_stream& stream_;
    const transfer_options& opt_;
    const smtp_destination& dest_;
    transfer_report& report_;
    const message_done_handler& on_done_;
    sc::client_session engine_;
    sc::reply_timeouts engine_timeouts_;
    std::unique_ptr<auth::sasl_client_context> clients_;
    std::unique_ptr<auth::sasl_client_exchange> sasl_;
    std::optional<std::pair<sc::close_reason, std::string>> override_;
    bool abandoned_ = false;
    bool closed_ = false;
};

}  // namespace

asio::awaitable<void> drive_session(net::byte_stream& stream, const transfer_options& opt, const smtp_destination& dest,
                                    const std::vector<sc::outgoing_message>& messages, transfer_report& report,
                                    const message_done_handler& on_done) {
    driver d(stream, opt, dest, report, on_done);
    co_await d.run(messages);
}

}  // namespace mailroom::delivery::detail
