// mailroom queue list|show|flush|delete|bounce (issue #4). list and show
// only read DATA/queue (queue::inspect): they take no lock, so they work
// while the server runs. flush, delete and bounce ask the running server
// (queue_control.cpp). Every value from the envelope was chosen by a peer
// (addresses, HELO, replies) and is printed through log_field, so nothing
// reaches the administrator's terminal raw.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/queue_control.hpp"
#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "queue/inspect.hpp"

namespace mailroom::cli {
namespace {

using clock_type = std::chrono::system_clock;

struct queue_opts {
    common_options common;
    std::string id;
    bool body = false;
};

std::string utc(clock_type::time_point t) {
    if (t.time_since_epoch().count() == 0) return "-";
    return fmt::format("{:%Y-%m-%d %H:%M:%S}Z", fmt::gmtime(clock_type::to_time_t(t)));
}

// "42s", "17m", "5h", "3d": how long a message has waited.
std::string age(clock_type::time_point since, clock_type::time_point now) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
    if (s < 120) return fmt::format("{}s", s < 0 ? 0 : s);
    if (s < 2 * 3600) return fmt::format("{}m", s / 60);
    if (s < 2 * 86400) return fmt::format("{}h", s / 3600);
    return fmt::format("{}d", s / 86400);
}

const char* state_name(queue::recipient::status s) {
    switch (s) {
        case queue::recipient::status::pending: return "pending";
        case queue::recipient::status::delivered: return "delivered";
        case queue::recipient::status::failed: return "failed";
    }
    return "?";
}

// "<address>", "<>" for the null sender.
std::string path_text(const std::string& address) { return address.empty() ? "<>" : "<" + log_field(address) + ">"; }
std::string or_dash(const std::string& value) { return value.empty() ? "-" : log_field(value); }

// The queued message for a terminal: text, tabs and line ends as they are
// (UTF-8 too), other control bytes (ESC, BEL, ...) and DEL as \xHH.
std::string terminal_text(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

void print_summary(const queue::queued_message& m, clock_type::time_point now) {
    std::cout << fmt::format("{}  {} ({})  {} bytes  attempts {}  next {}\n", m.env.id, utc(m.env.arrived),
                             age(m.env.arrived, now), m.size, m.env.attempts, utc(m.env.next_attempt));
    std::cout << "  from " << path_text(m.env.sender) << "\n";
    for (const auto& r : m.env.recipients) {
        std::cout << fmt::format("  to   {}  {}", path_text(r.address), state_name(r.state));
        if (!r.last_error.empty()) std::cout << "  (" << log_field(r.last_error) << ")";
        std::cout << "\n";
    }
}

std::filesystem::path spool_dir(const common_options& o) { return load_settings(o).data_dir / "queue"; }

void list(const queue_opts& o) {
    const auto dir = spool_dir(o.common);
    auto all = value_or_throw(queue::list_queued(dir), "cannot read the queue " + dir.string(),
                              {{errc::not_found, "no queue in " + dir.string() + " (the server has not run yet)"}});
    const auto now = clock_type::now();
    std::uint64_t bytes = 0;
    for (const auto& m : all) {
        print_summary(m, now);
        bytes += m.size;
    }
    if (all.empty()) std::cout << "the queue is empty\n";
    else std::cout << fmt::format("{} message{}, {} bytes\n", all.size(), all.size() == 1 ? "" : "s", bytes);
}

void show(const queue_opts& o) {
    const auto dir = spool_dir(o.common);
    auto q = value_or_throw(queue::read_queued(dir, o.id), "cannot read " + o.id,
                            {{errc::not_found, "no message " + o.id + " in the queue"},
                             {errc::corrupt_data, "message " + o.id +
                                                      " is damaged (the server moves it to "
                                                      "queue/corrupt/ at its next start)"}});
    const auto& env = q.info.env;
    print_summary(q.info, clock_type::now());
    const char* ret = env.ret == queue::envelope::ret_kind::full      ? "FULL"
                      : env.ret == queue::envelope::ret_kind::headers ? "HDRS"
                                                                      : "-";
    std::cout << fmt::format("  envid {}  ret {}  smtputf8 {}  8bit {}\n", or_dash(env.envid), ret,
                             env.smtputf8 ? "yes" : "no", env.eight_bit ? "yes" : "no");
    std::cout << fmt::format("  client {}  helo {}  user {}\n", or_dash(env.client_address), or_dash(env.helo),
                             or_dash(env.auth_user));
    for (const auto& r : env.recipients)
        if (!r.orcpt.empty() || r.notify != 0)
            std::cout << fmt::format("  dsn {}  orcpt {}  notify {}\n", path_text(r.address), or_dash(r.orcpt),
                                     r.notify);
    std::cout << "\n";
    // The header section, or everything with --body.
    std::string_view text = q.message;
    if (!o.body) {
        const auto end = text.find("\r\n\r\n");
        if (end != std::string_view::npos) text = text.substr(0, end + 2);
    }
    std::cout << terminal_text(text);
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
}

}  // namespace

void add_queue(CLI::App& app) {
    auto o = std::make_shared<queue_opts>();
    auto* queue = app.add_subcommand("queue", "Look into and act on the outbound queue");
    queue->require_subcommand(1);

    auto* l = queue->add_subcommand("list", "Every queued message: id, age, size, sender, recipients, next attempt");
    add_common_options(*l, o->common);
    l->callback([o] { list(*o); });

    auto* s = queue->add_subcommand("show", "One queued message: its envelope and header section");
    add_common_options(*s, o->common);
    s->add_option("id", o->id, "Queue id, as `queue list` shows it")->required();
    s->add_flag("--body", o->body, "Print the whole message, not only its header section");
    s->callback([o] { show(*o); });

    auto* f = queue->add_subcommand("flush", "Deliver now: every queued message, or one (needs the running server)");
    add_common_options(*f, o->common);
    f->add_option("id", o->id, "Queue id; without it, every message");
    f->callback([o] { queue_flush(o->common, o->id.empty() ? std::nullopt : std::optional<std::string>(o->id)); });

    auto* d = queue->add_subcommand("delete", "Remove one message without notifying anybody");
    add_common_options(*d, o->common);
    d->add_option("id", o->id, "Queue id, as `queue list` shows it")->required();
    d->callback([o] { queue_delete(o->common, o->id); });

    auto* b = queue->add_subcommand(
        "bounce", "Give up on one message: its pending recipients fail and the sender gets a failure notice");
    add_common_options(*b, o->common);
    b->add_option("id", o->id, "Queue id, as `queue list` shows it")->required();
    b->callback([o] { queue_bounce(o->common, o->id); });
}

}  // namespace mailroom::cli
