#include "server/imap_connection.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "net/offload.hpp"
#include "net/run_engine.hpp"
#include "proto/imap/session.hpp"
#include "server/connection_driver.hpp"
#include "server/connection_steps.hpp"
#include "server/imap_idle_wait.hpp"
#include "server/imap_mailboxes.hpp"
#include "server/imap_quota.hpp"
#include "server/imap_search/run.hpp"
#include "server/login_check.hpp"
#include "server/sasl_runner.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

imap::listener_policy policy_for(const config::listener& lc, const auth_offer& offer) {
    imap::listener_policy p;
    p.tls_active = lc.tls == config::tls_mode::implicit;
    p.starttls_offered = lc.tls == config::tls_mode::starttls;
    p.plaintext_auth = lc.plaintext_auth;
    p.sasl_mechanisms = offer.mechanisms;
    return p;
}

imap::limits limits_for(const config::listener& lc) {
    imap::limits l;
    l.max_bad_commands = lc.max_bad_commands;
    l.autologout = lc.idle_timeout;  // the listener's override of RFC 9051 §5.4's 30 minutes
    return l;
}

imap::session_limits session_limits_for(const config::listener& lc) {
    imap::session_limits l;
    l.max_auth_failures = lc.max_auth_failures;
    l.auth_failure_delay = lc.auth_failure_delay;
    l.max_auth_failure_delay = lc.max_auth_failure_delay;
    return l;
}

// IMAP's own actions (login, folders, the selected mailbox); the shared
// ones are connection_driver's. One per connection, in serve_imap's frame.
class imap_protocol {
public:
    imap_protocol(net::byte_stream& peer, const imap_services& svc, const std::string& id, imap::session& engine,
                  mailbox_wake& wake)
        : peer_(peer), svc_(svc), id_(id), engine_(engine), wake_(wake) {}

    asio::awaitable<bool> on(imap::verify_login& a) {
        // The POP3 password check is the one for every protocol: the same
        // cost for unknown users, never which part was wrong.
        pop3::login_credentials cred = pop3::password_login{a.user, std::move(a.password)};
        auto verdict = co_await net::offload(svc_.login.pool, [&] { return check_pop3_login(svc_.login, cred); });
        attempted_user_ = a.user;
        log_login(verdict.status, verdict.user, "LOGIN");
        engine_.login_done({verdict.status, std::move(verdict.user)});
        co_return true;
    }

    asio::awaitable<bool> on(imap::list_folders& a) {
        auto folders = co_await storage([&] { return boxes_.list(a.subscriptions); });
        if (!folders) spdlog::error("{} list failed error=\"{}\"", id_, folders.error().message());
        engine_.folders_listed(std::move(folders));
        co_return true;
    }

    asio::awaitable<bool> on(imap::change_folder& a) {
        auto ec = co_await storage([&] { return boxes_.change(a); });
        constexpr const char* ops[] = {"create", "delete", "rename", "subscribe", "unsubscribe"};
        const char* op = ops[static_cast<int>(a.op)];
        if (!ec) spdlog::info("{} {} mailbox={}", id_, op, log_field(a.name));
        engine_.folder_changed(ec);
        co_return true;
    }

    asio::awaitable<bool> on(imap::mailbox_status& a) {
        auto info = co_await storage([&] { return boxes_.status(a.name); });
        engine_.status_ready(std::move(info));
        co_return true;
    }

    asio::awaitable<bool> on(imap::open_mailbox& a) {
        wake_.stop();
        auto info = co_await storage([&] { return boxes_.select(a.name, a.claim_recent); });
        if (info) {
            spdlog::info("{} select mailbox={} messages={} read_only={}", id_, log_field(a.name), info->messages,
                         a.read_only ? "yes" : "no");
            if (svc_.mailbox_events) wake_.follow(*svc_.mailbox_events, boxes_.event_key());
            watched_ = boxes_.watched();
        } else if (info.error() != errc::not_found && info.error() != errc::invalid_argument) {
            spdlog::error("{} select failed mailbox={} error=\"{}\"", id_, log_field(a.name), info.error().message());
        }
        engine_.mailbox_opened(std::move(info));
        co_return true;
    }

    asio::awaitable<bool> on(imap::close_mailbox& a) {
        wake_.stop();
        watched_ = false;
        auto ec = co_await storage([&] { return boxes_.close(a.expunge); });
        if (ec) spdlog::error("{} close failed error=\"{}\"", id_, ec.message());
        engine_.mailbox_closed(ec);
        co_return true;
    }

    asio::awaitable<bool> on(imap::sync_mailbox&) {
        auto info = co_await storage([&] { return boxes_.sync(); });
        engine_.mailbox_synced(std::move(info));
        co_return true;
    }

    // SEARCH, SORT, THREAD (H2): evaluated over the request's view on the storage pool.
    asio::awaitable<bool> on(imap::search_messages& a) {
        auto found = co_await storage([&]() -> result<imap::search_outcome> {
            auto* box = boxes_.selected_box();
            if (!box) return make_error_code(errc::not_found);
            imap_search::store_source source(*box);
            return imap_search::run_search(a, source);
        });
        if (!found) spdlog::error("{} search failed error=\"{}\"", id_, found.error().message());
        engine_.messages_searched(std::move(found));
        co_return true;
    }

    // ---- the selected state (H1) ----
    asio::awaitable<bool> on(imap::fetch_message& a) {
        auto m = co_await storage([&] { return boxes_.fetch(a); });
        if (!m && m.error() != errc::not_found)
            spdlog::error("{} fetch failed uid={} error=\"{}\"", id_, a.uid, m.error().message());
        literal_left_.clear();
        if (m)
            for (const auto& v : m->values) literal_left_.push_back(v.size);
        engine_.message_fetched(std::move(m));
        co_return true;
    }

    // The literal's bytes by chunks read on the storage pool; exactly the
    // announced size, or the connection is closed (its framing is lost).
    asio::awaitable<bool> on(imap::stream_body& a) {
        constexpr std::size_t chunk = 64 * 1024;
        const std::uint64_t announced = a.item < literal_left_.size() ? literal_left_[a.item] : 0;
        std::uint64_t sent = 0;
        while (sent < announced) {  // not one more trip to the pool to learn that the end was reached
            auto bytes = co_await storage([&] { return boxes_.body_chunk(a.item, chunk); });
            if (!bytes) {
                spdlog::error("{} fetch read failed error=\"{}\"", id_, bytes.error().message());
                co_return false;
            }
            if (bytes->empty()) break;
            sent += bytes->size();
            const bool written = co_await peer_.write_all(*bytes, engine_.idle_timeout());  // own statement: g++ 12
            if (!written) co_return false;
        }
        if (sent != announced) {
            spdlog::error("{} fetch literal short sent={} announced={}", id_, sent, announced);
            co_return false;
        }
        co_return true;
    }

    asio::awaitable<bool> on(imap::store_flags& a) {
        auto r = co_await storage([&] { return boxes_.store(a); });
        if (!r) spdlog::error("{} store failed error=\"{}\"", id_, r.error().message());
        engine_.flags_stored(std::move(r));
        co_return true;
    }

    // QRESYNC (RFC 7162 §3.2.5.2): the store's expunge history.
    asio::awaitable<bool> on(imap::list_vanished& a) {
        auto r = co_await storage([&] { return boxes_.vanished(a.modseq); });
        engine_.vanished_listed(std::move(r));
        co_return true;
    }

    asio::awaitable<bool> on(imap::expunge_messages& a) {
        std::sort(a.uids.begin(), a.uids.end());
        auto r = co_await storage([&] { return boxes_.expunge(a.uids); });
        if (!r) spdlog::error("{} expunge failed error=\"{}\"", id_, r.error().message());
        engine_.messages_expunged(std::move(r));
        co_return true;
    }

    // ---- APPEND, COPY, MOVE (H3) ----
    asio::awaitable<bool> on(imap::append_messages& a) {
        auto r = co_await storage([&]() -> result<imap::append_outcome> {
            if (auto ec = check_append_quota(svc_.login.users, svc_.quotas, engine_user_, a)) {
                boxes_.drop_streams();  // the staged literals are not kept
                return ec;              // NO [OVERQUOTA]
            }
            return boxes_.append(a, svc_.mailbox_commits);
        });
        if (r) spdlog::info("{} append mailbox={} messages={}", id_, log_field(a.mailbox), r->uids.size());
        else if (r.error() != errc::not_found && r.error() != errc::invalid_argument)
            spdlog::error("{} append failed mailbox={} error=\"{}\"", id_, log_field(a.mailbox), r.error().message());
        engine_.messages_appended(std::move(r));
        co_return true;
    }

    // APPEND streamed: each piece is written on the storage pool before the
    // engine reads more input, so the socket waits for the disk.
    asio::awaitable<bool> on(imap::append_open& a) {
        auto ec = co_await storage([&] { return boxes_.open_stream(a.mailbox); });
        if (ec && ec != errc::not_found && ec != errc::invalid_argument)
            spdlog::error("{} append failed mailbox={} error=\"{}\"", id_, log_field(a.mailbox), ec.message());
        engine_.append_opened(ec);
        co_return true;
    }

    asio::awaitable<bool> on(imap::append_write& a) {
        auto ec = co_await storage([&] { return boxes_.write_stream(a.bytes); });
        if (ec) spdlog::error("{} append write failed error=\"{}\"", id_, ec.message());
        std::string().swap(a.bytes);
        engine_.append_written(ec);
        co_return true;
    }

    asio::awaitable<bool> on(imap::append_discard&) {
        co_await storage([&] {
            boxes_.drop_streams();
            return std::error_code{};
        });
        co_return true;
    }

    asio::awaitable<bool> on(imap::copy_to_mailbox& a) {
        auto r = co_await storage([&]() -> result<imap::copy_outcome> {
            if (auto ec = check_copy_quota(svc_.login.users, svc_.quotas, engine_user_, a))
                return ec;  // NO [OVERQUOTA]
            return boxes_.copy(a, svc_.mailbox_commits);
        });
        const char* what = a.move ? "move" : "copy";
        if (r) spdlog::info("{} {} mailbox={} messages={}", id_, what, log_field(a.mailbox), r->uids.size());
        else if (r.error() != errc::not_found && r.error() != errc::invalid_argument)
            spdlog::error("{} {} failed mailbox={} error=\"{}\"", id_, what, log_field(a.mailbox), r.error().message());
        engine_.messages_copied(std::move(r));
        co_return true;
    }

    // QUOTA, RFC 9208 (imap_quota.hpp).
    asio::awaitable<bool> on(imap::get_quota& a) {
        auto r = co_await storage([&] { return imap_quota(svc_.login.users, svc_.quotas, boxes_, engine_user_, a); });
        engine_.quota_ready(std::move(r));
        co_return true;
    }

    // A SASL login (the user name is known only once it succeeded).
    void log_auth(imap::login_status status, const std::string& user, const std::string& mech) {
        attempted_user_.clear();
        log_login(status, user, mech);
    }

    std::string summary() const {
        const auto& s = engine_.summary();
        return fmt::format("user={} selects={} commands={} auth_failures={}", s.user.empty() ? "-" : log_field(s.user),
                           s.selects, s.commands, s.auth_failures);
    }

    // Whether the selected mailbox has changed (on the bus) since the last call.
    bool take_change() { return wake_.take(); }
    // Other programs' changes reach the bus through the store's inotify watch;
    // without one (no inotify, out of watches) IDLE must poll.
    bool watched() const { return watched_; }

    // Changes made by other processes (`mailroom inject`, another MDA) when
    // the mailbox is not watched: while idling, the store is asked once a second.
    asio::awaitable<bool> changed_elsewhere() {
        if (!store_open_) co_return false;
        co_return co_await net::offload(svc_.storage_pool, [this] { return boxes_.changed_since_sync(); });
    }

private:
    // Store calls on the storage pool; the store is made on the first one.
    template <class F>
    asio::awaitable<std::invoke_result_t<F&>> storage(F f) {
        return net::offload(svc_.storage_pool, [this, f = std::move(f)]() mutable -> std::invoke_result_t<F&> {
            if (!store_open_) {
                if (auto ec = boxes_.open_store(svc_.mail_root, engine_user_)) return ec;
                store_open_ = true;
            }
            return f();
        });
    }

    void log_login(imap::login_status status, const std::string& user, const std::string& mech) {
        const char* what = status == imap::login_status::ok                  ? "login"
                           : status == imap::login_status::temporary_failure ? "login tempfail"
                                                                             : "login failed";
        if (status == imap::login_status::ok) engine_user_ = user;
        spdlog::log(level_of(status), "{} {} user={} mech={} tls={} ip={}", id_, what,
                    log_field(status == imap::login_status::ok ? user : attempted_user_), mech,
                    peer_.tls_active() ? "yes" : "no", peer_.peer_address());
        if (svc_.login.metrics) svc_.login.metrics->login("imap", mech, login_result_of(status));
    }

    net::byte_stream& peer_;
    const imap_services& svc_;
    const std::string& id_;
    imap::session& engine_;
    std::string attempted_user_;
    std::string engine_user_;  // the logged-in user, for the store
    bool store_open_ = false;
    imap_mailboxes boxes_{svc_.mailbox_events, durable::real_file_system(), svc_.mailbox_watcher};
    mailbox_wake& wake_;
    bool watched_ = false;                     // the selected mailbox has an inotify watch
    std::vector<std::uint64_t> literal_left_;  // H1: sizes of the last fetch_message's values
};

// The read loop of net::run_engine, plus the one input IMAP has that is
// not the peer's: a change of the selected mailbox, told at once in IDLE
// (the wait ends when the change bus says so, issue #11) and otherwise with
// the next command. An IDLE session sleeps until then: no timer, unless its
// mailbox has no inotify watch, when the Maildir is stat'ed once a second
// (changes by other programs are not on the bus otherwise). The autologout
// deadline counts from the last byte received, whatever the wait.
template <class Driver>
asio::awaitable<void> run_imap(net::byte_stream& peer, imap::session& engine, Driver& driver, imap_protocol& protocol,
                               mailbox_wake& wake) {
    auto deadline = std::chrono::steady_clock::now() + engine.idle_timeout();
    auto next_stat = std::chrono::steady_clock::now();  // of changed_elsewhere(), unwatched only
    bool told_to_stop = false;                          // issue #12: the server is stopping
    for (;;) {
        while (auto act = engine.next_action()) {
            const bool go_on = co_await driver(*act);  // not in an if condition: g++ 12
            if (!go_on) co_return;
        }
        if (engine.current_state() == imap::state::closed) co_return;
        if (protocol.take_change()) {
            engine.mailbox_changed();
            continue;
        }
        if (peer.stop_requested() && !told_to_stop) {  // the command under way is done
            told_to_stop = true;
            engine.shutting_down();
            continue;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            engine.timed_out();
            continue;
        }
        // What has arrived, into a stack buffer: a waiting connection holds none.
        if (net::detail::read_and_feed(peer, engine)) {
            deadline = std::chrono::steady_clock::now() + engine.idle_timeout();
            continue;
        }
        const bool idling = engine.idling() && engine.current_state() == imap::state::selected;
        const bool poll = idling && !protocol.watched();
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms;
        if (poll) wait = std::min<std::chrono::milliseconds>(wait, 1s);
        const auto status = co_await wake.wait(peer, wait, idling);  // own statement: g++ 12
        switch (status) {
            case net::read_status::data: break;  // readable: read_and_feed takes it
            case net::read_status::timeout:      // the loop checks the deadline and the changes
                if (poll && std::chrono::steady_clock::now() >= next_stat) {
                    next_stat = std::chrono::steady_clock::now() + 1s;
                    const bool changed = co_await protocol.changed_elsewhere();  // own statement: g++ 12
                    if (changed) engine.mailbox_changed();
                }
                break;
            case net::read_status::would_block: break;  // not from a wait
            case net::read_status::eof:
            case net::read_status::error: engine.feed_eof(); break;
        }
    }
}

}  // namespace

asio::awaitable<void> serve_imap(net::byte_stream& peer, const config::listener& lc, imap_services svc,
                                 const std::string& id) {
    const auto offer = co_await auth_offer_for(lc, svc.login);
    imap::session engine(policy_for(lc, offer), limits_for(lc), session_limits_for(lc));
    sasl_runner sasl(svc.login);
    mailbox_wake wake(co_await asio::this_coro::executor);
    imap_protocol protocol(peer, svc, id, engine, wake);
    connection_driver driver(session_io{peer, id, svc.tls, sasl, svc.logins}, engine, protocol);
    co_await run_imap(peer, engine, driver, protocol, wake);
    spdlog::info("{} disconnect reason={} {}", id, driver.close_reason(), protocol.summary());
    co_await peer.shutdown(std::chrono::seconds(5));
}

}  // namespace mailroom::server
