// delivery::scheduler: owns every queued message until it is delivered or
// bounced (issue #4). It keeps the envelopes of the queue in memory, indexed
// by due time (scheduler_index.hpp: a wake looks only at what is due, and
// due lanes get rounds round robin); a message is due when its next_attempt has come. Due
// messages whose only pending domain is the same share a round (one
// connection carries them all, up to max_messages_per_connection); any
// other due message has a round of its own. In a round each pending
// recipient domain is routed (router.hpp) and sent to (transfer.hpp), or
// delivered locally when the domain is ours (DSNs to local senders); the
// outcomes are recorded
// (outcome_recording.hpp), the round decided (outcome_decision.hpp), DSNs
// queued like any mail, and the envelope updated or removed - in the order
// outcome_decision.hpp gives for crash safety.
//
// Runs on the server's io_context (one thread): the state below is touched
// only there. Blocking work (spool reads and writes, SQLite, Maildir) goes
// to the storage pool. Parallel rounds are bounded by max_parallel_rounds
// and by max_per_domain for one recipient domain.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "common/clock.hpp"
#include "delivery/plan_grouping.hpp"
#include "delivery/router.hpp"
#include "delivery/scheduler_index.hpp"
#include "delivery/transfer.hpp"
#include "dns/resolver.hpp"
#include "mail/dsn.hpp"
#include "queue/envelope.hpp"
#include "queue/retry_schedule.hpp"
#include "queue/spool.hpp"

namespace mailroom::metrics {
class registry;
}

namespace mailroom::delivery {

struct scheduler_config {
    std::string hostname;  // Reporting-MTA and the DSN's From; our EHLO name
    routing_config routing;
    queue::retry_policy retry;
    std::size_t max_parallel_rounds = 20;  // rounds (one message, or a batch for one domain) at once
    std::size_t max_per_domain = 5;        // of those, for one recipient domain
    // Due messages for one domain share a round and its connection.
    std::size_t max_messages_per_connection = 20;
};

// What the scheduler needs from the rest of the server. The two functions
// block and are called on the storage pool.
struct scheduler_services {
    queue::spool& spool;
    boost::asio::thread_pool& storage_pool;
    dns::resolver& resolver;
    random_source& random;
    transfer_options transfer;
    // Whether mail for this (lower-case) domain is delivered here.
    std::function<bool(const std::string& domain)> is_local_domain;
    // Final delivery of `content` to recipient `recipient` (an index) of
    // `env`, in a local domain: success, errc::not_found (no such user or
    // alias: bounce) or another error (retried). One recipient at a time, so
    // each gets its own outcome; the envelope, so its DSN options survive.
    // `content` is read piece by piece (a queued file of any size).
    std::function<std::error_code(const queue::envelope& env, std::size_t recipient,
                                  const queue::message_source& content)>
        deliver_local;
    // Each round's outcomes are counted here (/metrics); nullptr: not.
    metrics::registry* metrics = nullptr;
};

// What an administrator's `mailroom queue delete|bounce` came to.
enum class admin_outcome {
    done,         // deleted; or bounced: failure DSN queued (NOTIFY permitting), message removed
    after_round,  // in a delivery round right now: done when the round ends
    not_queued,   // no such message
    failed,       // the spool could not be changed now (logged); the message stays
};

class scheduler {
public:
    scheduler(boost::asio::any_io_executor io, scheduler_config cfg, scheduler_services svc);

    // Takes the queue as recover() returned it and starts working.
    void start(std::vector<queue::envelope> queued);
    // A message just queued (from SMTP or a DSN): attempted at once.
    void add(queue::envelope env);
    // Every queued message becomes due now (`mailroom queue flush`).
    void flush_all();
    // Stops starting rounds; rounds under way finish on their own.
    void stop();
    // Messages in a delivery round now (a graceful stop waits for none).
    // On the scheduler's executor only.
    std::size_t rounds_in_flight() const noexcept { return in_round_.size(); }

    // A reload's [delivery] (server/outbound.cpp): limits, retry policy and
    // hostname count from now on; rounds that start from now on route with
    // cfg.routing and send through `resolver` and `transfer`, while rounds
    // under way finish with what they began with. `owner` keeps the
    // resolver and transfer.tls_client alive as long as a round uses them.
    // On the scheduler's executor.
    void reconfigure(scheduler_config cfg, dns::resolver& resolver, transfer_options transfer,
                     std::shared_ptr<const void> owner);

    // Administration through the control socket (scheduler_admin.cpp).
    // Each runs on the scheduler's executor whatever the caller's.
    //
    // Makes `id`, or every queued message, due now (`postqueue -i` / `-f`);
    // returns how many messages are now due or already in a round: 0 with
    // an id means it is not queued.
    boost::asio::awaitable<std::size_t> flush(std::optional<std::string> id);
    // Deletes the message from memory and spool without any DSN
    // (`postsuper -d`). In a round now: deleted when the round ends, and
    // that round's results are not written back.
    boost::asio::awaitable<admin_outcome> remove(std::string id);
    // Fails every pending recipient with the administrator's reason
    // (record_administrative_bounce), then finishes like a round: failure
    // DSN as NOTIFY asks, never to the null sender, then removal. In a round
    // now: applied when the round ends, to what is still pending then.
    boost::asio::awaitable<admin_outcome> bounce(std::string id);

    std::size_t queued() const noexcept { return envelopes_.size(); }
    // When the oldest queued message arrived; nullopt when none is queued.
    // On the scheduler's executor only (like queued()).
    std::optional<std::chrono::system_clock::time_point> oldest_arrival() const;

private:
    // One message being attempted: its envelope as the round changes it.
    struct round_item {
        queue::envelope env;
        std::shared_ptr<const queued_content> content;  // the queued file, read when used
        std::size_t domains = 0;                        // pending recipient domains in this round
        bool finished = false;                          // finish_round already ran for it
    };
    // The recipients of one item in one domain.
    struct round_part {
        round_item* item;
        std::vector<std::size_t> indexes;
        bool recorded = false;  // this round's outcome is in item->env
    };
    // The parts one SMTP connection carries, in the order of its messages.
    struct connection_batch {
        const smtp_destination* dest;
        std::vector<round_part*> parts;
    };

    boost::asio::awaitable<void> run();
    // Starts a round for these due messages (all for one domain when more
    // than one) unless the parallel limits say wait; true if it started.
    bool start_round(std::vector<std::string> ids);
    // Puts `id` in index_ as envelopes_ and in_round_ say: indexed while
    // queued and not in a round. Called after every change to either.
    void reindex(const std::string& id);
    boost::asio::awaitable<void> attempt(std::vector<std::string> ids, std::set<std::string> domains);
    // Every part for this domain: delivered here, or routed once and sent
    // over one connection per destination tried.
    // How a round routes and sends: replaced whole by reconfigure(), held by
    // each round for its whole length.
    struct sending_setup {
        routing_config routing;
        dns::resolver* resolver;
        transfer_options transfer;
        std::shared_ptr<const void> owner;
    };
    boost::asio::awaitable<void> attempt_domain(const std::string& domain, std::vector<round_part>& parts,
                                                const sending_setup& sending);
    boost::asio::awaitable<void> deliver_here(round_part& part);
    // transfer()'s message_done_handler: a message's outcome recorded and,
    // when it was the message's only domain, written back at once, so a
    // crash later in the connection does not send it again.
    boost::asio::awaitable<void> message_done(connection_batch* batch, std::size_t index,
                                              smtp::client::message_done done, std::string relay, std::string tls);
    void record_outcome(round_part& part, const smtp::client::message_done& done, const std::string& relay,
                        const std::string& tls, const std::string& remote_mta);
    boost::asio::awaitable<void> finish_round(queue::envelope env, const queue::message_source& content);
    // This round's outcomes for /metrics: env against envelopes_'s copy
    // from before the round (scheduler_metrics.cpp).
    void count_outcomes(const queue::envelope& env, std::chrono::system_clock::time_point now) const;
    // Composes and durably queues one DSN; false if it could not be queued.
    boost::asio::awaitable<bool> queue_notification(const queue::envelope& env, const queue::message_source& content,
                                                    mail::dsn_kind kind, const std::vector<std::size_t>& who,
                                                    std::chrono::system_clock::time_point now);
    // Admin helpers (scheduler_admin.cpp); the id is in in_round_ meanwhile.
    enum class admin_request { remove, bounce };
    boost::asio::awaitable<std::size_t> do_flush(std::optional<std::string> id);
    boost::asio::awaitable<admin_outcome> do_admin(std::string id, admin_request request);
    boost::asio::awaitable<admin_outcome> carry_out(std::string id, admin_request request);
    boost::asio::awaitable<admin_outcome> remove_stored(std::string id);
    boost::asio::awaitable<admin_outcome> bounce_stored(std::string id);
    // Carries out requests that came while `id` was in a round (or in
    // another admin operation); called before the id leaves in_round_.
    boost::asio::awaitable<void> settle_admin_requests(std::string id);
    std::optional<admin_request> take_admin_request(const std::string& id);

    void wake();

    boost::asio::any_io_executor io_;
    scheduler_config cfg_;
    scheduler_services svc_;
    boost::asio::steady_timer timer_;
    std::map<std::string, queue::envelope> envelopes_;  // id -> the queued envelope
    std::set<std::string> in_round_;                    // ids being attempted
    // Flushed while in a round: due again as soon as the round ends (its
    // write-back would otherwise set the next attempt and lose the flush).
    std::set<std::string> flush_after_round_;
    due_index index_;                                      // the queued ids not in in_round_, by due time
    std::shared_ptr<const sending_setup> sending_;         // what new rounds use
    std::size_t rounds_ = 0;                               // rounds under way
    std::map<std::string, std::size_t> domain_load_;       // recipient domain -> rounds touching it
    std::map<std::string, admin_request> admin_requests_;  // for ids in in_round_: applied at its end
    bool running_ = false;
};

}  // namespace mailroom::delivery
