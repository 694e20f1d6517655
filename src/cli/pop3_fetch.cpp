// mailroom pop3 fetch --to maildir:DIR|mbox:FILE|local:ADDRESS [--delete]:
// downloads the messages whose UIDL the journal (fetch::uid_state, next to
// the destination) has not recorded as stored. Per message: journal "begun"
// → RETR streamed into the sink → sink commit (durable) → journal "stored"
// → DELE (with --delete) — so a message is deleted on the server only once
// it is safely stored, and an interrupted run resumes without loss or
// duplicate (a begun message is resolved by the sink's recover()).
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/pop3_options.hpp"
#include "durable/file_system.hpp"
#include "fetch/local_sink.hpp"
#include "fetch/progress.hpp"
#include "fetch/sink.hpp"
#include "fetch/uid_state.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;

struct fetch_options {
    std::string to;
    bool keep = false;
    bool remove = false;
    common_options common;  // for local:
};

struct listed {
    std::string number;
    std::string uid;
    std::uint64_t size = 0;
};

// Parses "n token" lines of a UIDL or LIST listing (RFC 1939 §5, §7).
std::map<std::string, std::string> parse_listing(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto eol = body.find('\n', pos);
        if (eol == std::string::npos) eol = body.size();
        std::string line = body.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
}

// A multi-line command whose body is collected (listings are bounded by
// the engine's max_listing_bytes).
asio::awaitable<std::optional<client::pop3_reply>> listing(client::pop3_connection& c, const p3::command& cmd,
                                                           std::string& body) {
    const client::pop3_connection::body_handler collect = [&body](std::string_view piece) {
        body.append(piece);
        return true;
    };
    co_return co_await c.command(cmd, collect);
}

class fetcher {
public:
    fetcher(const fetch_options& fo, fetch::sink& sink, fetch::uid_state& state)
        : fo_(fo), sink_(sink), state_(state) {}

    asio::awaitable<int> run(client::pop3_connection& c) {
        std::string uidl_body, list_body;
        const p3::command uidl{"UIDL", true, false}, list{"LIST", true, false};
        auto r = co_await listing(c, uidl, uidl_body);
        if (!r) co_return report_failure(c);
        if (!r->ok) {
            std::cerr << "mailroom pop3: fetch needs UIDL, and the server refused it: -ERR " << r->text << "\n";
            (void)co_await c.quit();
            co_return pop3_exit::command;
        }
        r = co_await listing(c, list, list_body);
        if (!r) co_return report_failure(c);
        const auto uids = parse_listing(uidl_body);
        const auto sizes = r->ok ? parse_listing(list_body) : std::map<std::string, std::string>{};
        std::vector<listed> messages;
        std::set<std::string> present;
        for (const auto& [n, uid] : uids) {
            if (!fetch::valid_uid(uid)) {
                std::cerr << "mailroom pop3: the server sent a malformed UIDL for message " << n << "\n";
                co_await c.abort();
                co_return pop3_exit::protocol;
            }
            listed m{n, uid, 0};
            if (auto s = sizes.find(n); s != sizes.end()) m.size = std::strtoull(s->second.c_str(), nullptr, 10);
            messages.push_back(m);
            present.insert(uid);
        }
        std::sort(messages.begin(), messages.end(),
                  [](const listed& a, const listed& b) { return std::stoull(a.number) < std::stoull(b.number); });

        if (auto code = resolve_pending(); code != pop3_exit::ok) {
            co_await c.abort();
            co_return code;
        }
        bool stale = false;
        if (state_.stored_count() > 0) {
            std::size_t kept = 0;
            for (const auto& uid : present) kept += state_.stored(uid) ? 1 : 0;
            stale = kept != state_.stored_count();
        }
        if (stale)
            if (auto ec = state_.compact(present, state_.validity()))
                co_return co_await store_error(c, "the UID journal", ec);

        std::size_t todo = 0;
        std::uint64_t todo_bytes = 0;
        for (const auto& m : messages)
            if (!state_.stored(m.uid)) {
                ++todo;
                todo_bytes += m.size;
            }
        fetch::progress shown(std::cerr, ::isatty(STDERR_FILENO) == 1, todo, todo_bytes);
        int code = pop3_exit::ok;
        for (const auto& m : messages) {
            if (!state_.stored(m.uid)) {
                const int got = co_await fetch_one(c, m, shown);
                if (got == pop3_exit::command) {
                    code = got;
                    continue;
                }
                if (got != pop3_exit::ok) co_return got;
            } else {
                ++already_;
            }
            if (fo_.remove) {
                const p3::command dele{"DELE " + m.number, false, false};
                auto d = co_await c.command(dele);
                if (!d) co_return report_failure(c);
                if (d->ok) ++deleted_;
                else std::cerr << "mailroom pop3: DELE " << m.number << ": -ERR " << d->text << "\n";
            }
        }
        const bool quit_ok = co_await c.quit();
        shown.finish(fmt_summary(quit_ok));
        if (!quit_ok) co_return report_failure(c);
        co_return code;
    }

private:
    asio::awaitable<int> fetch_one(client::pop3_connection& c, const listed& m, fetch::progress& shown) {
        if (auto ec = sink_.begin()) co_return co_await store_error(c, sink_.description(), ec);
        if (auto ec = state_.begin(m.uid, sink_.recovery_token())) {
            sink_.abort();
            co_return co_await store_error(c, "the UID journal", ec);
        }
        std::error_code write_error;
        std::uint64_t bytes = 0;
        const client::pop3_connection::body_handler into = [&](std::string_view piece) {
            write_error = sink_.write(piece);
            bytes += piece.size();
            shown.add_bytes(piece.size());
            return !write_error;
        };
        const p3::command retr{"RETR " + m.number, true, true};
        auto r = co_await c.command(retr, into);
        if (!r) {
            sink_.abort();
            if (write_error) co_return co_await store_error(c, sink_.description(), write_error);
            co_return report_failure(c);
        }
        if (!r->ok) {
            sink_.abort();
            (void)state_.drop(m.uid);
            std::cerr << "mailroom pop3: RETR " << m.number << ": -ERR " << r->text << "\n";
            co_return pop3_exit::command;
        }
        if (auto ec = sink_.commit()) co_return co_await store_error(c, sink_.description(), ec);
        if (auto ec = state_.mark_stored(m.uid)) co_return co_await store_error(c, "the UID journal", ec);
        ++fetched_;
        fetched_bytes_ += bytes;
        shown.message_done("message " + m.number + " (UIDL " + m.uid + ")");
        co_return pop3_exit::ok;
    }

    // Messages begun by an interrupted run: stored whole, or gone (and fetched again).
    int resolve_pending() {
        const auto pending = state_.pending();  // a copy: the calls below change it
        for (const auto& [uid, token] : pending) {
            auto whole = sink_.recover(token);
            if (!whole) return report_store(sink_.description(), whole.error());
            const auto ec = *whole ? state_.mark_stored(uid) : state_.drop(uid);
            if (ec) return report_store("the UID journal", ec);
        }
        return pop3_exit::ok;
    }

    static int report_store(const std::string& what, std::error_code ec) {
        std::cerr << "mailroom pop3: cannot store into " << what << ": " << ec.message() << "\n";
        return pop3_exit::store;
    }
    // Drops the session without QUIT: nothing is deleted on the server.
    asio::awaitable<int> store_error(client::pop3_connection& c, const std::string& what, std::error_code ec) {
        co_await c.abort();
        co_return report_store(what, ec);
    }

    std::string fmt_summary(bool quit_ok) const {
        std::string s = std::to_string(fetched_) + " fetched (" + fetch::human_bytes(fetched_bytes_) + ") into " +
                        sink_.description() + ", " + std::to_string(already_) + " stored before";
        if (fo_.remove)
            s += ", " + std::to_string(deleted_) + (quit_ok ? " deleted on the server" : " marked but not deleted");
        return s;
    }

    const fetch_options& fo_;
    fetch::sink& sink_;
    fetch::uid_state& state_;
    std::size_t fetched_ = 0, already_ = 0, deleted_ = 0;
    std::uint64_t fetched_bytes_ = 0;
};

void run_fetch(const pop3_cli_options& o, const fetch_options& fo) {
    if (o.user.empty()) throw cli_error("fetch needs --user");
    if (fo.keep && fo.remove) throw cli_error("--keep and --delete exclude each other");
    const fetch::local_sink_factory local = [&fo](const std::string& address) {
        auto cfg = load_settings(fo.common);
        become_service_user(cfg);
        return fetch::make_local_sink(cfg, open_userdb(cfg), address);
    };
    std::unique_ptr<fetch::sink> sink;
    try {
        sink = fetch::open_sink(fo.to, local);
    } catch (const std::runtime_error& e) {
        throw cli_error(e.what());
    }
    auto opt = make_pop3_options(o);
    const fetch::state_key key{"pop3", opt.host, opt.port, opt.user, ""};
    auto& fs = durable::real_file_system();
    auto state = fetch::uid_state::open(fs, sink->state_directory() / fetch::state_file_name(key));
    if (!state && state.error() == errc::in_use)
        throw cli_error("another fetch for " + opt.user + "@" + opt.host + " into " + sink->description() +
                        " is running");
    if (!state)
        throw cli_error("cannot open the UID journal in " + sink->state_directory().string() + ": " +
                        state.error().message());
    fetcher f(fo, *sink, **state);
    const int code = run_pop3(std::move(opt), [&f](client::pop3_connection& c) { return f.run(c); });
    if (code != pop3_exit::ok) throw CLI::RuntimeError(code);
}

}  // namespace

void add_pop3_fetch(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o) {
    auto fo = std::make_shared<fetch_options>();
    auto* cmd = pop3.add_subcommand(
        "fetch",
        "Download the messages not fetched before (by UIDL, remembered next to the destination) and store each "
        "durably; with --delete, delete on the server only what is stored");
    cmd->add_option("--to", fo->to, "maildir:DIR | mbox:FILE (mboxrd) | local:ADDRESS (a mailroom mailbox)")
        ->required();
    cmd->add_flag("--keep", fo->keep, "Leave the messages on the server (the default)");
    cmd->add_flag("--delete", fo->remove, "Delete each message on the server once it is stored");
    add_common_options(*cmd, fo->common);
    cmd->callback([o, fo] { run_fetch(*o, *fo); });
}

}  // namespace mailroom::cli
