// queue::spool: the durable on-disk queue of the SMTP service. enqueue()
// returns only once a message and its envelope are on stable storage, so
// the SMTP session may answer 250; recover() finds the queue again after a
// crash or restart. No scheduling, delivery or bouncing here (the scheduler
// calls read_message/update/remove); no logging (callers log with the id).
//
// Design. Each message is two files in queue/: <id>.msg holds the bytes as
// received and is never rewritten; <id>.env holds the envelope record (the
// message's size and checksum, then the envelope, envelope.hpp). Two files,
// not one, so the frequent envelope rewrites (recipient states, attempts,
// next_attempt) copy a few hundred bytes, not the message (as OpenSMTPD's
// queue_fs; Postfix instead updates records inside one file in place).
// Both are written under tmp/, then renamed into queue/; the .env rename is
// the commit point. A message is queued when both final names exist and the
// queue/ directory has been fsync'd after the renames, its data having been
// fdatasync'd before them. So at any crash instant:
//   - tmp/ holds nothing anyone was promised; recover() empties it;
//   - .msg without .env, or .env without .msg (renames reordered by the file
//     system), was never acknowledged (the directory fsync comes after both
//     renames); recover() deletes it;
//   - .msg and .env whose record does not verify (bad syntax, id, size or
//     checksum) cannot come from this protocol short of media damage;
//     recover() moves the pair to corrupt/ rather than silently dropping
//     mail that may have been acknowledged.
// A message recovered without ever being acknowledged (crash between the
// fsync and the 250) is delivered once more: a duplicate, never a loss,
// as RFC 5321 §6.1 accepts.
//
// remove() unlinks the .env first, so a crash midway leaves a lone .msg.
// recover() reads every queued message once, in pieces, to check its size
// and checksum.
//
// Group commit (durable/group_commit.hpp): each caller writes its files
// without syncing, then joins the current batch. The leader, whichever
// caller finds no flush running, has every file of the batch fdatasync'd
// (in parallel, by the batch's own waiting callers: the file system merges
// concurrent syncs into one journal commit), does the renames, and fsyncs
// queue/ once; the others wait on a condition variable until a finished
// batch covers their sequence number. A lone caller pays exactly one batch
// of one. Any failed sync fails every caller of the batch: their enqueue
// returns the error and their files are removed. update() and remove()
// commit through the same batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "durable/group_commit.hpp"
#include "queue/detail/layout.hpp"
#include "queue/detail/queue_id.hpp"
#include "queue/envelope.hpp"
#include "queue/message_source.hpp"
#include "queue/stored_message.hpp"

namespace mailroom::queue {

class spool {
public:
    // Creates dir and missing parents (mode 0700) with tmp/, queue/ and corrupt/,
    // fsyncing what it creates, and locks it: errc::in_use if another spool
    // (in this or another process) has it open. fs must outlive the spool.
    static result<std::unique_ptr<spool>> open(std::filesystem::path dir,
                                               durable::file_system& fs = durable::real_file_system());

    // Assigns env.id and queues message with env; returns the id once both are
    // durable. errc::invalid_argument without recipients. On error nothing of
    // the message stays in the queue. Blocking; thread-safe.
    result<std::string> enqueue(envelope env, std::string_view message);
    // The same, the message copied from `message` piece by piece (bounded
    // memory whatever its size).
    result<std::string> enqueue(envelope env, const message_source& message);

    // Where callers stage data on its way into the queue (an SMTP body
    // being received): tmp/, emptied by recover() at every start.
    const std::filesystem::path& staging_directory() const noexcept { return where_.tmp; }

    // Every complete queued message, sorted by id; cleans up leftovers as
    // described above. Call at start, before handing the spool to others:
    // it waits for running enqueue/update/remove calls and blocks new ones.
    result<std::vector<envelope>> recover();

    // The message bytes; errc::not_found if id is not queued.
    result<std::string> read_message(std::string_view id) const;
    // The same message read in pieces when used (bounded memory whatever
    // its size); errc::not_found if id is not queued.
    result<stored_message> open_message(std::string_view id) const;

    // Durably replaces the envelope of env.id (recipient states, attempts,
    // next_attempt). errc::not_found if not queued. On error the stored
    // envelope is the old or the new one. One caller per id at a time.
    std::error_code update(const envelope& env);

    // Durably removes a message (after final delivery or bounce);
    // errc::not_found if it was not queued.
    std::error_code remove(std::string_view id);

    struct stats {
        std::uint64_t commits;        // enqueue/update/remove commits flushed
        std::uint64_t flush_batches;  // batches they were flushed in
        std::uint64_t fsyncs;         // fdatasync + directory fsync calls
    };
    stats counters() const;

    spool(const spool&) = delete;
    spool& operator=(const spool&) = delete;
    ~spool();

private:
    spool(detail::layout where, durable::file_system& fs, std::unique_ptr<durable::directory_lock> lock,
          std::uint32_t id_start);

    result<std::optional<envelope>> recover_one(std::string_view id, bool has_message, bool has_envelope);
    void quarantine(std::string_view id);

    const detail::layout where_;
    durable::file_system& fs_;
    std::unique_ptr<durable::directory_lock> lock_;
    detail::id_generator ids_;
    durable::group_commit committer_;
    std::shared_mutex recovering_;  // shared: enqueue/update/remove; exclusive: recover
};

}  // namespace mailroom::queue
