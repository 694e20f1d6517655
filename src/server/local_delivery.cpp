#include "server/local_delivery.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>

#include "mail/trace_headers.hpp"
#include "storage/maildir.hpp"

namespace mailroom::server {

std::error_code deliver_locally(services& svc, std::string_view sender, const std::vector<std::string>& recipients,
                                std::string_view message) {
    const std::string header = mail::return_path_header(sender);
    std::string full;
    full.reserve(header.size() + message.size());
    full += header;
    full += message;
    for (const auto& r : recipients) {
        storage::maildir box(storage::mailbox_path(svc.mail_root, r));
        auto name = box.deliver(full);
        if (!name) return name.error();
    }
    return {};
}

std::string new_queue_id(services& svc) {
    static std::atomic<std::uint32_t> counter{0};
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(svc.clk.now().time_since_epoch()).count();
    const auto mix = static_cast<std::uint32_t>(svc.rnd.next_u64()) ^ (counter.fetch_add(1) * 0x9e3779b9u);
    return fmt::format("{:08x}{:08x}", static_cast<std::uint32_t>(secs), mix);
}

}  // namespace mailroom::server
