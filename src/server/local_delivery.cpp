#include "server/local_delivery.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>

#include "storage/maildir.hpp"

namespace mailroom::server {

std::error_code deliver_locally(const std::filesystem::path& mail_root, durable::group_commit& commits,
                                std::string_view header, const std::vector<std::string>& recipients,
                                std::string_view message) {
    if (recipients.empty()) return {};
    std::string full;
    full.reserve(header.size() + message.size());
    full += header;
    full += message;
    // One commit for all mailboxes of the message, flushed together with
    // whatever other sessions commit at the same time.
    auto& fs = durable::real_file_system();
    durable::commit c;
    for (const auto& r : recipients) {
        storage::maildir box(storage::mailbox_path(mail_root, r));
        auto staged = box.stage(full, fs);
        if (!staged) {
            for (const auto& f : c.files) fs.unlink(f.tmp);
            return staged.error();
        }
        c.files.push_back(std::move(*staged));
    }
    // On failure no mailbox keeps the message: the client is told to try
    // again, and a copy left behind would be delivered twice.
    return commits.run_and_clean_up(c, true);
}

std::string new_queue_id(services& svc) {
    static std::atomic<std::uint32_t> counter{0};
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(svc.clk.now().time_since_epoch()).count();
    const auto mix = static_cast<std::uint32_t>(svc.rnd.next_u64()) ^ (counter.fetch_add(1) * 0x9e3779b9u);
    return fmt::format("{:08x}{:08x}", static_cast<std::uint32_t>(secs), mix);
}

}  // namespace mailroom::server
