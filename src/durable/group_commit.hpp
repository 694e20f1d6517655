// durable::group_commit: callers that commit at the same time share one
// flush. Used by the queue spool and by Maildir delivery. Leader/follower, no thread of its own. A caller adds its commit
// (files written but not synced) to the waiting list; if no flush is
// running it becomes the leader and takes the whole list as one batch,
// otherwise it waits on a condition variable until a finished batch covers
// its sequence number. The leader flushes the batch: every file is
// fdatasync'd, then each is renamed to its final name, then each directory
// the batch renamed into or unlinked from is fsync'd once for all (one
// queue/ for the spool; one new/ per mailbox for Maildir deliveries). A lone caller leads a batch of one at
// once: no timers, no sleeps, no added latency. Callers arriving during a
// flush form the next batch, led by one of them when the flush ends.
//
// The fdatasyncs of a batch run in parallel: the leader asks each waiting
// caller of its batch to sync its own files and waits for all of them.
// ext4/xfs merge concurrent syncs into one journal commit while sequential
// ones pay a commit each (32 files here: ~70 ms one after another, ~13 ms at
// once). A failed sync fails every commit of its batch: nobody is told
// "durable" about data that may not be.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"

namespace mailroom::durable {

// A file written (not yet synced) under a temporary name.
struct staged_file {
    std::unique_ptr<writable_file> file;
    std::filesystem::path tmp, final_name;
    bool renamed = false;  // set by the leader once final_name points at it
};

// One caller's unit of durability: filled by the caller, flushed by a batch.
struct commit {
    std::vector<staged_file> files;              // synced, then renamed in order
    std::vector<std::filesystem::path> unlinks;  // after the renames, in order; only
                                                 // the first must exist (errc::not_found)
    std::error_code error;                       // the outcome

    // Bookkeeping of group_commit, under its mutex.
    std::uint64_t sequence = 0;
    bool sync_requested = false, synced = false;
    std::error_code sync_error;
};

// Creates tmp exclusively and writes content into it, unsynced, to be
// renamed to final_name by a commit; on error nothing is left behind.
result<staged_file> stage_file(file_system& fs, const std::filesystem::path& tmp,
                               const std::filesystem::path& final_name, std::string_view content);

class group_commit {
public:
    explicit group_commit(file_system& fs) : fs_(fs) {}

    // Blocks until c is durable (returns {}) or has failed (returns the error;
    // files the batch renamed stay renamed, marked so, for the caller to
    // undo). Thread-safe; c must stay put until it returns.
    std::error_code run(commit& c);

    // run(), and on failure removes what c left behind, newest file first:
    // temporary files always, final names too if undo_renames (a rename
    // that replaced an older file cannot be undone: pass false for those).
    std::error_code run_and_clean_up(commit& c, bool undo_renames);

    struct stats {
        std::uint64_t commits = 0, batches = 0, fsyncs = 0;
    };
    stats counters() const;

private:
    void lead(std::unique_lock<std::mutex>& lock, commit& own);
    std::error_code sync_files(commit& c) noexcept;           // any thread, without the lock
    void finish(const std::vector<commit*>& batch) noexcept;  // renames, unlinks, directory fsync
    void apply(commit& c);

    file_system& fs_;

    mutable std::mutex mutex_;
    std::condition_variable wake_callers_;  // a batch finished, or syncs were handed out
    std::condition_variable wake_leader_;   // a caller finished its sync
    std::vector<commit*> waiting_;          // joined, not yet taken by a leader
    std::uint64_t next_sequence_ = 0;       // last sequence handed out
    std::uint64_t durable_sequence_ = 0;    // every commit <= this has its outcome
    bool flushing_ = false;                 // a leader is running a batch
    std::uint64_t commits_ = 0, batches_ = 0;
    std::atomic<std::uint64_t> fsyncs_{0};
};

}  // namespace mailroom::durable
