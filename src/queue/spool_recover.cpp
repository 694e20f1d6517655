// spool::recover: rebuilds the queue after a restart (rules in spool.hpp).
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "queue/detail/checksum.hpp"
#include "queue/detail/record.hpp"
#include "queue/spool.hpp"

namespace mailroom::queue {
namespace {

struct halves {
    bool message = false, envelope = false;
};

// "<id>.msg" / "<id>.env" → id and which half; anything else is not ours.
std::optional<std::pair<std::string_view, bool>> split_name(std::string_view name) {
    if (name.size() <= detail::message_suffix.size()) return std::nullopt;
    const auto id = name.substr(0, name.size() - detail::message_suffix.size());
    if (!detail::is_queue_id(id)) return std::nullopt;
    if (name.ends_with(detail::message_suffix)) return std::pair{id, true};
    if (name.ends_with(detail::envelope_suffix)) return std::pair{id, false};
    return std::nullopt;
}

}  // namespace

result<std::vector<envelope>> spool::recover() {
    std::unique_lock gate(recovering_);
    auto leftovers = fs_.list_directory(where_.tmp);
    if (!leftovers) return leftovers.error();
    for (const auto& name : *leftovers) fs_.unlink(where_.tmp / name);  // retried at the next start

    auto names = fs_.list_directory(where_.queue);
    if (!names) return names.error();
    std::map<std::string, halves> found;  // sorted: ids begin with their time
    for (const auto& name : *names) {
        auto parts = split_name(name);
        if (!parts) continue;  // a stranger's file: leave it alone
        auto& h = found[std::string(parts->first)];
        (parts->second ? h.message : h.envelope) = true;
    }

    std::vector<envelope> queued;
    for (const auto& [id, h] : found) {
        auto env = recover_one(id, h.message, h.envelope);
        if (!env) return env.error();
        if (*env) queued.push_back(std::move(**env));
    }
    return queued;
}

result<std::optional<envelope>> spool::recover_one(std::string_view id, bool has_message, bool has_envelope) {
    if (!has_envelope || !has_message) {  // never committed: the crash came before the directory fsync
        fs_.unlink(has_message ? where_.message(id) : where_.envelope(id));
        return std::optional<envelope>();
    }
    // An I/O error is not evidence of corruption: give up and let the
    // operator retry rather than quarantine a good message.
    auto text = fs_.read_file(where_.envelope(id));
    if (!text) return text.error();
    auto rec = detail::parse_record(*text);
    if (!rec || rec->env.id != id) {
        quarantine(id);
        return std::optional<envelope>();
    }
    auto info = fs_.stat(where_.message(id));
    if (!info) return info.error();
    // The message is checked piece by piece: a queue of large messages is
    // recovered in bounded memory.
    std::uint64_t sum = detail::checksum_start;
    const stored_message message(fs_, where_.message(id), info->size);
    if (info->size == rec->message.size)
        if (auto ec = message.copy_to([&](std::string_view piece) {
                sum = detail::checksum(piece, sum);
                return std::error_code{};
            }))
            return ec;
    if (info->size != rec->message.size || sum != rec->message.checksum) {
        quarantine(id);
        return std::optional<envelope>();
    }
    return std::optional<envelope>(std::move(rec->env));
}

void spool::quarantine(std::string_view id) {
    const std::string name(id);
    fs_.rename(where_.envelope(id), where_.corrupt / (name + std::string(detail::envelope_suffix)));
    fs_.rename(where_.message(id), where_.corrupt / (name + std::string(detail::message_suffix)));
}

}  // namespace mailroom::queue
