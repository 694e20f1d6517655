#include "queue/inspect.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "queue/detail/layout.hpp"
#include "queue/detail/queue_id.hpp"
#include "queue/detail/record.hpp"

namespace mailroom::queue {
namespace {

// The parsed record of id (not yet checked against its message file).
result<detail::record> read_record(durable::file_system& fs, const detail::layout& where, std::string_view id) {
    auto text = fs.read_file(where.envelope(id));
    if (!text) return text.error();
    auto rec = detail::parse_record(*text);
    if (!rec || rec->env.id != id) return make_error_code(errc::corrupt_data);
    return std::move(*rec);
}

}  // namespace

result<std::vector<queued_message>> list_queued(const std::filesystem::path& dir, durable::file_system& fs) {
    const detail::layout where(dir);
    auto names = fs.list_directory(where.queue);
    if (!names) return names.error();
    std::vector<queued_message> out;
    for (const auto& name : *names) {
        if (!name.ends_with(detail::envelope_suffix)) continue;
        const auto id = std::string_view(name).substr(0, name.size() - detail::envelope_suffix.size());
        if (!detail::is_queue_id(id)) continue;
        auto rec = read_record(fs, where, id);
        if (!rec) continue;  // removed meanwhile, or damaged: recover() deals with it
        out.push_back({std::move(rec->env), rec->message.size});
    }
    std::sort(out.begin(), out.end(), [](const queued_message& a, const queued_message& b) {
        return a.env.arrived != b.env.arrived ? a.env.arrived < b.env.arrived : a.env.id < b.env.id;
    });
    return out;
}

result<queued_content> read_queued(const std::filesystem::path& dir, std::string_view id, durable::file_system& fs) {
    if (!detail::is_queue_id(id)) return make_error_code(errc::not_found);
    const detail::layout where(dir);
    auto rec = read_record(fs, where, id);
    if (!rec) return rec.error();
    auto message = fs.read_file(where.message(id));
    if (!message) return message.error();
    if (detail::digest_of(*message) != rec->message) return make_error_code(errc::corrupt_data);
    return queued_content{{std::move(rec->env), rec->message.size}, std::move(*message)};
}

}  // namespace mailroom::queue
