#include "server/pop3_connection.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>
#include <span>
#include <utility>
#include <variant>

#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "net/offload.hpp"
#include "proto/pop3/server_session.hpp"
#include "server/connection_driver.hpp"
#include "server/connection_steps.hpp"
#include "server/login_check.hpp"
#include "server/pop3_maildrop.hpp"
#include "server/sasl_runner.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

pop3::listener_policy policy_for(const config::listener& lc, const pop3_services& svc, const auth_offer& offer) {
    pop3::listener_policy p;
    p.tls_active = lc.tls == config::tls_mode::implicit;
    p.stls_offered = lc.tls == config::tls_mode::starttls;
    p.plaintext_auth = lc.plaintext_auth;
    p.apop = lc.apop && offer.legacy_possible;
    p.sasl_mechanisms = offer.mechanisms;
    p.hostname = svc.hostname;
    return p;
}

pop3::limits limits_for(const config::listener& lc) {
    pop3::limits l;
    l.max_bad_commands = lc.max_bad_commands;
    l.max_bad_commands_after_login = lc.max_bad_commands_after_login;
    l.max_auth_failures = lc.max_auth_failures;
    l.auth_failure_delay = lc.auth_failure_delay;
    l.max_auth_failure_delay = lc.max_auth_failure_delay;
    l.autologout = lc.idle_timeout;  // the listener's override of RFC 1939 §3's 10 minutes
    return l;
}

// POP3's own actions (login, maildrop, messages, deletes); the shared ones
// are connection_driver's. One per connection, lives in serve_pop3's frame.
class pop3_protocol {
public:
    pop3_protocol(net::byte_stream& peer, const pop3_services& svc, const std::string& id, pop3::server_session& engine)
        : peer_(peer), svc_(svc), id_(id), engine_(engine) {}

    asio::awaitable<bool> on(pop3::verify_login& a) {
        auto verdict = co_await net::offload(svc_.pool, [&] { return check_pop3_login(svc_.login, a.cred); });
        const bool apop = std::holds_alternative<pop3::apop_login>(a.cred);
        std::visit([&](const auto& c) { attempted_user_ = c.user; }, a.cred);
        log_login(verdict.status, verdict.user, apop ? "APOP" : "USER");
        engine_.login_done(std::move(verdict));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::open_maildrop& a) {
        auto listing = co_await net::offload(svc_.pool, [&] { return maildrop_.open(svc_.mail_root, a.user); });
        if (listing) {
            svc_.pop_before_smtp.record(peer_.peer_address(), svc_.clk.now());
            spdlog::info("{} maildrop user={} messages={}", id_, log_field(a.user), listing->size());
        } else if (listing.error() == errc::in_use) {
            spdlog::info("{} maildrop in-use user={}", id_, log_field(a.user));
        } else {
            spdlog::error("{} maildrop failed user={} error=\"{}\"", id_, log_field(a.user), listing.error().message());
        }
        engine_.maildrop_opened(std::move(listing));
        co_return true;
    }

    // One range of a RETR/TOP. The file stays open across ranges; what the
    // kernel has cached is read right here (no disk wait: openat2
    // RESOLVE_CACHED, preadv2 RWF_NOWAIT), the rest on the worker pool. The
    // next range is asked for only once this one's reply is written
    // (run_engine sends it before taking the next action): one range of
    // memory per connection, whatever the message size.
    asio::awaitable<bool> on(pop3::read_message& a) {
        if (reader_ && (reader_index_ != a.index || reader_->position() != a.offset)) reader_.reset();
        if (!reader_) {
            auto opened = maildrop_.open_message(a.index, store::read_mode::cached_only);
            if (!opened)
                opened = co_await net::offload(svc_.pool, [&] {
                    return maildrop_.open_message(a.index, store::read_mode::may_block);
                });
            if (!opened) {
                fail_read(a.index, opened.error());
                co_return true;
            }
            reader_ = std::move(*opened);
            reader_index_ = a.index;
        }
        if (buffer_size_ != a.max_bytes) {
            buffer_ = std::make_unique_for_overwrite<char[]>(a.max_bytes);
            buffer_size_ = a.max_bytes;
        }
        const std::span<char> range(buffer_.get(), a.max_bytes);
        auto got = read_range(range);
        if (got && got->second)  // not all cached: the rest where waiting is allowed
            got = co_await net::offload(svc_.pool, [&]() -> result<std::pair<std::size_t, bool>> {
                auto more = reader_->read(range.subspan(got->first));
                if (!more) return more.error();
                return std::pair{got->first + *more, false};
            });
        if (!got) {
            fail_read(a.index, got.error());
            co_return true;
        }
        const std::size_t n = got->first;
        if (n < a.max_bytes) close_reader();  // the end of the message
        engine_.message_data(std::string_view(buffer_.get(), n));
        if (!reader_) free_buffer();  // an idle session keeps no buffer
        co_return true;
    }

    asio::awaitable<bool> on(pop3::close_message&) {
        close_reader();
        free_buffer();
        co_return true;
    }

    asio::awaitable<bool> on(pop3::apply_deletes& a) {
        auto ec = co_await net::offload(svc_.storage_pool, [&] { return maildrop_.apply_deletes(a.uids); });
        if (ec) spdlog::error("{} delete failed error=\"{}\"", id_, ec.message());
        engine_.deletes_applied(ec);
        co_return true;
    }

    // A SASL login (the user name is known only once it succeeded).
    void log_auth(pop3::login_status status, const std::string& user, const std::string& mech) {
        attempted_user_.clear();
        log_login(status, user, mech);
    }

    std::string summary() const {
        const auto& s = engine_.summary();
        return fmt::format("user={} retrieved={} bytes={} deleted={} auth_failures={}",
                           s.user.empty() ? "-" : log_field(s.user), s.retrieved, s.retrieved_bytes, s.deleted,
                           s.auth_failures);
    }

private:
    // (bytes read, more to read elsewhere): the cached part of the range.
    result<std::pair<std::size_t, bool>> read_range(std::span<char> into) {
        auto part = reader_->read_cached(into);
        if (!part) return part.error();
        return std::pair{part->bytes, part->bytes < into.size() && !part->at_end};
    }

    void close_reader() { reader_.reset(); }
    void free_buffer() {
        buffer_.reset();
        buffer_size_ = 0;
    }

    void fail_read(std::size_t index, std::error_code ec) {
        spdlog::error("{} read failed index={} error=\"{}\"", id_, index, ec.message());
        close_reader();
        free_buffer();
        engine_.message_data(ec);
    }

    void log_login(pop3::login_status status, const std::string& user, const std::string& mech) {
        const char* what = status == pop3::login_status::ok                  ? "login"
                           : status == pop3::login_status::temporary_failure ? "login tempfail"
                                                                             : "login failed";
        spdlog::log(level_of(status), "{} {} user={} mech={} tls={} ip={}", id_, what,
                    log_field(status == pop3::login_status::ok ? user : attempted_user_), mech,
                    peer_.tls_active() ? "yes" : "no", peer_.peer_address());
        if (svc_.login.metrics) svc_.login.metrics->login("pop3", mech, login_result_of(status));
    }

    net::byte_stream& peer_;
    const pop3_services& svc_;
    const std::string& id_;
    pop3::server_session& engine_;
    std::string attempted_user_;
    pop3_maildrop maildrop_{svc_.mailbox_events};
    std::unique_ptr<store::message_reader> reader_;  // of the RETR/TOP under way
    std::size_t reader_index_ = 0;
    std::unique_ptr<char[]> buffer_;  // one range (pop3::limits::message_range_bytes)
    std::size_t buffer_size_ = 0;
};

}  // namespace

asio::awaitable<void> serve_pop3(net::byte_stream& peer, const config::listener& lc, pop3_services svc,
                                 const std::string& id) {
    const auto offer = co_await auth_offer_for(lc, svc.login);
    pop3::server_session engine(policy_for(lc, svc, offer), limits_for(lc),
                                pop3::session_env{svc.clk, svc.rnd, static_cast<std::uint32_t>(::getpid())});
    sasl_runner sasl(svc.login);
    pop3_protocol protocol(peer, svc, id, engine);
    connection_driver driver(session_io{peer, id, svc.tls, sasl, svc.logins}, engine, protocol);
    co_await driver.run();
}

}  // namespace mailroom::server
