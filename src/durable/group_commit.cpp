#include "durable/group_commit.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "common/errors.hpp"

namespace mailroom::durable {
namespace {

// The directories whose entries c changes: where its files are renamed to
// and where its unlinks happen.
void add_directories(const commit& c, std::set<std::filesystem::path>& dirs) {
    for (const auto& f : c.files) dirs.insert(f.final_name.parent_path());
    for (const auto& u : c.unlinks) dirs.insert(u.parent_path());
}

}  // namespace

std::error_code group_commit::run(commit& c) {
    std::unique_lock lock(mutex_);
    c.sequence = ++next_sequence_;
    waiting_.push_back(&c);
    while (durable_sequence_ < c.sequence) {
        if (c.sync_requested && !c.synced) {  // our leader hands us our part of its flush
            lock.unlock();
            const auto ec = sync_files(c);
            lock.lock();
            c.sync_error = ec;
            c.synced = true;
            wake_leader_.notify_one();  // only a leader ever waits there
        } else if (flushing_) {
            wake_callers_.wait(lock);
        } else {
            lead(lock, c);
        }
    }
    return c.error;
}

void group_commit::lead(std::unique_lock<std::mutex>& lock, commit& own) {
    // Everything that joined so far is one batch, in sequence order.
    flushing_ = true;
    const std::vector<commit*> batch = std::exchange(waiting_, {});
    for (commit* c : batch) c->sync_requested = c != &own;
    if (batch.size() > 1) wake_callers_.notify_all();
    lock.unlock();
    const auto own_error = sync_files(own);
    lock.lock();
    own.sync_error = own_error;
    own.synced = true;
    wake_leader_.wait(lock, [&batch] {
        return std::all_of(batch.begin(), batch.end(), [](const commit* c) { return c->synced; });
    });
    lock.unlock();
    finish(batch);
    lock.lock();
    durable_sequence_ = batch.back()->sequence;
    commits_ += batch.size();
    ++batches_;
    flushing_ = false;
    wake_callers_.notify_all();  // the batch's callers return; one of the rest leads next
}

std::error_code group_commit::sync_files(commit& c) noexcept {
    for (auto& f : c.files) {
        ++fsyncs_;
        if (auto ec = f.file->sync_data()) return ec;
    }
    return {};
}

result<staged_file> stage_file(file_system& fs, const std::filesystem::path& tmp,
                               const std::filesystem::path& final_name, std::string_view content) {
    auto file = fs.create_exclusive(tmp);
    if (!file) return file.error();
    if (auto ec = (*file)->write_all(content)) {
        fs.unlink(tmp);
        return ec;
    }
    return staged_file{std::move(*file), tmp, final_name};
}

std::error_code group_commit::run_and_clean_up(commit& c, bool undo_renames) {
    const auto ec = run(c);
    if (!ec) return {};
    // Newest first, so a spool enqueue loses its .env (the commit point)
    // before its .msg.
    for (auto f = c.files.rbegin(); f != c.files.rend(); ++f) {
        if (!f->renamed) fs_.unlink(f->tmp);
        else if (undo_renames) fs_.unlink(f->final_name);
    }
    return ec;
}

group_commit::stats group_commit::counters() const {
    std::lock_guard lock(mutex_);
    return {commits_, batches_, fsyncs_.load()};
}

void group_commit::finish(const std::vector<commit*>& batch) noexcept {
    try {
        // 1. Data first: no name may point at bytes that are not on disk, and
        // one failed sync fails the batch.
        for (commit* c : batch) {
            if (c->sync_error) {
                for (commit* each : batch) each->error = c->sync_error;
                return;
            }
        }
        // 2. Names: each commit on its own; one failing does not stop the rest.
        bool any_applied = false;
        for (commit* c : batch) {
            apply(*c);
            any_applied = any_applied || !c->error;
        }
        if (!any_applied) return;  // the callers undo their partial renames
        // 3. One fsync per directory makes every rename and unlink above
        // durable. A failure fails only the commits that touched it.
        std::set<std::filesystem::path> dirs;
        for (commit* c : batch)
            if (!c->error) add_directories(*c, dirs);
        for (const auto& dir : dirs) {
            ++fsyncs_;
            const auto ec = fs_.sync_directory(dir);
            if (!ec) continue;
            for (commit* c : batch) {
                if (c->error) continue;
                std::set<std::filesystem::path> own;
                add_directories(*c, own);
                if (own.count(dir)) c->error = ec;
            }
        }
    } catch (...) {  // allocation failure: fail the batch rather than wedge every caller
        for (commit* c : batch)
            if (!c->error) c->error = make_error_code(errc::storage_failure);
    }
}

void group_commit::apply(commit& c) {
    for (auto& f : c.files) {
        if (auto ec = fs_.rename(f.tmp, f.final_name)) {
            c.error = ec;
            return;
        }
        f.renamed = true;
    }
    for (std::size_t i = 0; i < c.unlinks.size(); ++i) {
        auto ec = fs_.unlink(c.unlinks[i]);
        if (ec && (i == 0 || ec != errc::not_found)) {
            c.error = ec;
            return;
        }
    }
}

}  // namespace mailroom::durable
