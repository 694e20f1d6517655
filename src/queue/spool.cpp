#include "queue/spool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>

#include "common/clock.hpp"
#include "common/errors.hpp"
#include "queue/detail/checksum.hpp"
#include "queue/detail/record.hpp"

namespace mailroom::queue {

namespace {

// mkdir -p, each new directory's entry made durable in its parent.
std::error_code make_durable_directory(durable::file_system& fs, const std::filesystem::path& dir) {
    auto made = fs.make_directory(dir);
    const auto parent = dir.has_relative_path() ? dir.parent_path() : dir;
    if (!made && made.error() == errc::not_found && parent != dir && !parent.empty()) {
        if (auto ec = make_durable_directory(fs, parent)) return ec;
        made = fs.make_directory(dir);
    }
    if (!made) return made.error();
    if (*made) return fs.sync_directory(parent.empty() ? std::filesystem::path(".") : parent);
    return {};
}

// The message file written from `message` through a 64 KiB buffer, its
// size and checksum counted on the way; unsynced, as durable::stage_file.
result<durable::staged_file> stage_message(durable::file_system& fs, const std::filesystem::path& tmp,
                                           const std::filesystem::path& final_name, const message_source& message,
                                           detail::message_digest& digest) {
    constexpr std::size_t buffer_bytes = 64 * 1024;
    auto file = fs.create_exclusive(tmp);
    if (!file) return file.error();
    std::string buffer;
    buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(message.size(), buffer_bytes)));
    digest = {0, detail::checksum_start};
    auto ec = message.copy_to([&](std::string_view piece) -> std::error_code {
        digest.size += piece.size();
        digest.checksum = detail::checksum(piece, digest.checksum);
        if (buffer.size() + piece.size() <= buffer_bytes) {
            buffer += piece;
            return {};
        }
        if (!buffer.empty()) {
            if (auto e = (*file)->write_all(buffer)) return e;
            buffer.clear();
        }
        if (piece.size() >= buffer_bytes) return (*file)->write_all(piece);
        buffer += piece;
        return {};
    });
    if (!ec && !buffer.empty()) ec = (*file)->write_all(buffer);
    if (ec) {
        file->reset();
        fs.unlink(tmp);
        return ec;
    }
    return durable::staged_file{std::move(*file), tmp, final_name};
}

}  // namespace

result<std::unique_ptr<spool>> spool::open(std::filesystem::path dir, durable::file_system& fs) {
    if (!dir.has_filename()) dir = dir.parent_path();  // "queue/" names "queue"
    detail::layout where(dir);
    if (auto ec = make_durable_directory(fs, where.root)) return ec;
    auto lock = fs.lock_exclusive(where.lock);
    if (!lock) return lock.error();
    bool any_created = false;
    for (const auto* sub : std::array{&where.tmp, &where.queue, &where.corrupt}) {
        auto made = fs.make_directory(*sub);
        if (!made) return made.error();
        any_created = any_created || *made;
    }
    if (any_created)
        if (auto ec = fs.sync_directory(where.root)) return ec;
    system_random random;
    const auto start = static_cast<std::uint32_t>(random.next_u64());
    return std::unique_ptr<spool>(new spool(std::move(where), fs, std::move(*lock), start));
}

spool::spool(detail::layout where, durable::file_system& fs, std::unique_ptr<durable::directory_lock> lock,
             std::uint32_t id_start)
    : where_(std::move(where)), fs_(fs), lock_(std::move(lock)), ids_(id_start), committer_(fs) {}

spool::~spool() = default;

result<std::string> spool::enqueue(envelope env, std::string_view message) {
    return enqueue(std::move(env), memory_source(message));
}

result<std::string> spool::enqueue(envelope env, const message_source& message) {
    if (env.recipients.empty()) return make_error_code(errc::invalid_argument);
    std::shared_lock gate(recovering_);
    env.id = ids_.next(std::chrono::system_clock::now());
    durable::commit c;
    detail::message_digest digest;
    auto data = stage_message(fs_, where_.tmp / (env.id + ".msg"), where_.message(env.id), message, digest);
    if (!data) return data.error();
    c.files.push_back(std::move(*data));
    auto record = durable::stage_file(fs_, where_.tmp / (env.id + ".env"), where_.envelope(env.id),
                                      detail::serialize_record(env, digest));
    if (!record) {
        c.files.front().file.reset();
        fs_.unlink(c.files.front().tmp);
        return record.error();
    }
    c.files.push_back(std::move(*record));  // after the message: the .env rename is the commit point
    if (auto ec = committer_.run_and_clean_up(c, true)) return ec;
    return env.id;
}

result<std::string> spool::read_message(std::string_view id) const {
    if (!detail::is_queue_id(id)) return make_error_code(errc::not_found);
    return fs_.read_file(where_.message(id));
}

result<stored_message> spool::open_message(std::string_view id) const {
    if (!detail::is_queue_id(id)) return make_error_code(errc::not_found);
    auto info = fs_.stat(where_.message(id));
    if (!info) return info.error();
    return stored_message(fs_, where_.message(id), info->size);
}

std::error_code spool::update(const envelope& env) {
    if (!detail::is_queue_id(env.id)) return errc::not_found;
    std::shared_lock gate(recovering_);
    // The message's size and checksum come from the record being replaced.
    auto old = fs_.read_file(where_.envelope(env.id));
    if (!old) return old.error();
    auto previous = detail::parse_record(*old);
    if (!previous || previous->env.id != env.id) return errc::corrupt_data;
    const auto tmp = where_.tmp / fmt::format("{}.{}.env", env.id, ids_.next(std::chrono::system_clock::now()));
    auto staged = durable::stage_file(fs_, tmp, where_.envelope(env.id),
                                      detail::serialize_record(env, previous->message));
    if (!staged) return staged.error();
    durable::commit c;
    c.files.push_back(std::move(*staged));
    return committer_.run_and_clean_up(c, false);  // a rename over the old record cannot be undone
}

std::error_code spool::remove(std::string_view id) {
    if (!detail::is_queue_id(id)) return errc::not_found;
    std::shared_lock gate(recovering_);
    durable::commit c;
    // The envelope first: without it the message is no longer queued.
    c.unlinks = {where_.envelope(id), where_.message(id)};
    return committer_.run(c);
}

spool::stats spool::counters() const {
    const auto s = committer_.counters();
    return {s.commits, s.batches, s.fsyncs};
}

}  // namespace mailroom::queue
