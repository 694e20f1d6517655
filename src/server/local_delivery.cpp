#include "server/local_delivery.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>

#include "store/maildir/maildir_store.hpp"

namespace mailroom::server {

std::error_code deliver_locally(const std::filesystem::path& mail_root, durable::group_commit& commits,
                                store::change_bus* events, std::string_view header,
                                const std::vector<std::string>& recipients, const queue::message_source& message,
                                const stored_hook* on_stored) {
    if (recipients.empty()) return {};
    // One commit for all mailboxes of the message, flushed together with
    // whatever other sessions commit at the same time; each copy streamed
    // into its tmp/ and given its UID once durable (store::commit_appends).
    auto& fs = durable::real_file_system();
    std::vector<store::pending_append> staged;
    auto discard = [&] {
        for (auto& p : staged) {
            p.file.file.reset();
            fs.unlink(p.file.tmp);
        }
    };
    for (const auto& r : recipients) {
        store::maildir::maildir_store box(fs, store::maildir::mailbox_path(mail_root, r), events);
        auto w = box.begin_append("INBOX");
        std::error_code ec = w ? std::error_code{} : w.error();
        if (!ec) ec = (*w)->write(header);
        if (!ec) ec = message.copy_to([&](std::string_view piece) { return (*w)->write(piece); });
        if (!ec) {
            auto p = (*w)->finish(0);
            if (p) staged.push_back(std::move(*p));
            else ec = p.error();
        }
        if (ec) {
            discard();
            return ec;
        }
    }
    // On failure no mailbox keeps the message: the client is told to try
    // again, and a copy left behind would be delivered twice.
    std::vector<std::filesystem::path> files;
    if (on_stored)
        for (const auto& p : staged) files.push_back(p.file.final_name);
    auto uids = store::commit_appends(commits, std::move(staged), events);
    if (!uids) return uids.error();
    if (on_stored)
        for (std::size_t i = 0; i < recipients.size() && i < files.size(); ++i)
            (*on_stored)(recipients[i], files[i], i < uids->size() ? (*uids)[i] : 0);
    return {};
}

std::string new_queue_id(const clock& clk, random_source& rnd) {
    static std::atomic<std::uint32_t> counter{0};
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(clk.now().time_since_epoch()).count();
    const auto mix = static_cast<std::uint32_t>(rnd.next_u64()) ^ (counter.fetch_add(1) * 0x9e3779b9u);
    return fmt::format("{:08x}{:08x}", static_cast<std::uint32_t>(secs), mix);
}

}  // namespace mailroom::server
