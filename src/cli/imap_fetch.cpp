// mailroom imap fetch --to maildir:DIR|mbox:FILE|local:ADDRESS [--folder F]...
// [--keep|--delete]: downloads, folder by folder, the messages whose UID the
// journal (fetch::uid_state keyed by server, user and folder, with the
// folder's UIDVALIDITY) has not recorded as stored. Per message: journal
// "begun" → UID FETCH BODY.PEEK[] streamed into the sink → sink commit
// (durable) → journal "stored". With --delete, only stored UIDs get
// \Deleted, then UID EXPUNGE (RFC 4315 §2.1) of exactly those; without
// UIDPLUS they stay marked, since a plain EXPUNGE would also remove other
// clients' deletions. A changed UIDVALIDITY (RFC 9051 §2.3.1.1) means the
// old UIDs name nothing: the journal starts over and the folder is refetched.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include "cli/imap_options.hpp"
#include "cli/options.hpp"
#include "durable/file_system.hpp"
#include "fetch/local_sink.hpp"
#include "fetch/progress.hpp"
#include "fetch/sink.hpp"
#include "fetch/uid_state.hpp"
#include "proto/imap/client/responses.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace ic = imap::client;

// UIDs per UID STORE / UID EXPUNGE: keeps the command line well under the
// 8192 octets RFC 7162 §4 asks servers to accept.
constexpr std::size_t uids_per_command = 500;

struct fetch_options {
    std::string to;
    std::vector<std::string> folders;
    bool keep = false;
    bool remove = false;
    common_options common;  // for local:
};

struct message {
    std::uint64_t uid = 0;
    std::uint64_t size = 0;
};

// "1:3,7" for sorted UIDs.
std::string uid_set(const std::vector<std::uint64_t>& uids) {
    std::string out;
    for (std::size_t i = 0; i < uids.size();) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
        out += (out.empty() ? "" : ",") + std::to_string(uids[i]);
        if (j > i) out += ":" + std::to_string(uids[j]);
        i = j + 1;
    }
    return out;
}

class fetcher {
public:
    fetcher(const fetch_options& fo, fetch::sink& sink, const client::imap_options& opt)
        : fo_(fo), sink_(sink), host_(opt.host), port_(opt.port), user_(opt.user) {}

    asio::awaitable<int> run(client::imap_connection& c) {
        int code = imap_exit::ok;
        for (const auto& folder : fo_.folders) {
            const int got = co_await one_folder(c, folder);
            if (got == imap_exit::command) {
                code = got;
                continue;
            }
            if (got != imap_exit::ok) co_return got;
        }
        std::cerr << "mailroom imap: " << fetched_ << " fetched (" << fetch::human_bytes(fetched_bytes_) << ") into "
                  << sink_.description() << ", " << already_ << " stored before";
        if (fo_.remove) std::cerr << ", " << deleted_ << " deleted on the server";
        std::cerr << "\n";
        co_return code;
    }

private:
    asio::awaitable<int> one_folder(client::imap_connection& c, const std::string& folder) {
        // SELECT only to delete; EXAMINE cannot change the folder (RFC 9051 §6.3.3).
        ic::command open(fo_.remove ? "SELECT " : "EXAMINE ");
        open.string(folder_to_wire(folder));
        std::string validity;
        std::uint64_t exists = 0;
        client::imap_handlers on_open;
        on_open.on_untagged = [&](const ic::response& r) {
            if (auto v = ic::code_number(r.code, r.code_args, "UIDVALIDITY")) validity = std::to_string(*v);
            if (r.data.size() == 2 && r.data[0].what == ic::value::kind::number && r.data[1].is_atom("EXISTS"))
                exists = r.data[0].number;
            return true;
        };
        auto opened = co_await c.command(open, on_open);
        if (!opened) co_return report_failure(c);
        if (opened->state != ic::status::ok) co_return report_refusal("opening " + folder, *opened);
        if (validity.empty()) {
            std::cerr << "mailroom imap: " << folder << " has no UIDVALIDITY: cannot remember what was fetched\n";
            co_return imap_exit::protocol;
        }

        auto& fs = durable::real_file_system();
        const fetch::state_key key{"imap", host_, port_, user_, folder};
        auto opened_state = fetch::uid_state::open(fs, sink_.state_directory() / fetch::state_file_name(key));
        if (!opened_state && opened_state.error() == errc::in_use) {
            std::cerr << "mailroom imap: another fetch of " << folder << " into " << sink_.description()
                      << " is running\n";
            co_return imap_exit::usage;
        }
        if (!opened_state) co_return report_store("the UID journal", opened_state.error());
        auto& state = **opened_state;
        if (auto bad = resolve_pending(state)) co_return bad;
        if (!state.validity().empty() && state.validity() != validity) {
            std::cerr << "mailroom imap: the UIDVALIDITY of " << folder << " changed (" << state.validity() << " -> "
                      << validity << "): the UIDs fetched before name nothing now; fetching the whole folder again\n";
            if (auto ec = state.compact({}, validity)) co_return report_store("the UID journal", ec);
        } else if (state.validity().empty()) {
            if (auto ec = state.compact({}, validity)) co_return report_store("the UID journal", ec);
        }

        std::vector<message> messages;
        if (exists > 0) {
            ic::command list("UID FETCH 1:* (UID RFC822.SIZE)");
            client::imap_handlers on_list;
            on_list.on_untagged = [&messages](const ic::response& r) {
                if (auto f = ic::parse_fetch(r); f && f->uid) messages.push_back({*f->uid, f->size.value_or(0)});
                return true;
            };
            auto listed = co_await c.command(list, on_list);
            if (!listed) co_return report_failure(c);
            if (listed->state != ic::status::ok) co_return report_refusal("UID FETCH in " + folder, *listed);
        }
        std::sort(messages.begin(), messages.end(), [](auto& a, auto& b) { return a.uid < b.uid; });
        messages.erase(std::unique(messages.begin(), messages.end(), [](auto& a, auto& b) { return a.uid == b.uid; }),
                       messages.end());
        std::set<std::string> present;
        for (const auto& m : messages) present.insert(std::to_string(m.uid));
        std::size_t kept = 0;
        for (const auto& uid : present) kept += state.stored(uid) ? 1 : 0;
        if (kept != state.stored_count())  // expunged on the server since: forget them
            if (auto ec = state.compact(present, validity)) co_return report_store("the UID journal", ec);

        std::size_t todo = 0;
        std::uint64_t todo_bytes = 0;
        for (const auto& m : messages)
            if (!state.stored(std::to_string(m.uid))) {
                ++todo;
                todo_bytes += m.size;
            }
        fetch::progress shown(std::cerr, ::isatty(STDERR_FILENO) == 1, todo, todo_bytes);
        int code = imap_exit::ok;
        std::vector<std::uint64_t> stored_uids;
        for (const auto& m : messages) {
            const std::string uid = std::to_string(m.uid);
            if (!state.stored(uid)) {
                const int got = co_await fetch_one(c, state, folder, m, shown);
                if (got == imap_exit::command) {
                    code = got;
                    continue;
                }
                if (got != imap_exit::ok) co_return got;
            } else {
                ++already_;
            }
            if (state.stored(uid)) stored_uids.push_back(m.uid);
        }
        shown.finish(folder + ": " + std::to_string(todo) + " to fetch");
        if (fo_.remove && !stored_uids.empty()) {
            const int got = co_await remove(c, folder, stored_uids);
            if (got != imap_exit::ok) co_return got;
        }
        co_return code;
    }

    asio::awaitable<int> fetch_one(client::imap_connection& c, fetch::uid_state& state, const std::string& folder,
                                   const message& m, fetch::progress& shown) {
        const std::string uid = std::to_string(m.uid);
        if (auto ec = sink_.begin()) co_return co_await store_error(c, sink_.description(), ec);
        if (auto ec = state.begin(uid, sink_.recovery_token())) {
            sink_.abort();
            co_return co_await store_error(c, "the UID journal", ec);
        }
        std::error_code write_error;
        std::uint64_t bytes = 0;
        int bodies = 0;
        bool for_this_uid = false;
        client::imap_handlers into;
        into.on_body_begin = [&](std::uint64_t, const std::string& item) {
            ++bodies;
            return bodies == 1 && item == "BODY[]";  // one message, whole
        };
        into.on_body_data = [&](std::string_view piece) {
            write_error = sink_.write(piece);
            bytes += piece.size();
            shown.add_bytes(piece.size());
            return !write_error;
        };
        into.on_untagged = [&](const ic::response& r) {
            if (auto f = ic::parse_fetch(r); f && f->has_body) for_this_uid = f->uid == m.uid;
            return true;
        };
        ic::command fetch("UID FETCH " + uid + " (UID BODY.PEEK[])");
        auto r = co_await c.command(fetch, into);
        if (!r) {
            sink_.abort();
            if (write_error) co_return co_await store_error(c, sink_.description(), write_error);
            co_return report_failure(c);
        }
        if (r->state != ic::status::ok || bodies == 0 || !for_this_uid) {
            sink_.abort();
            (void)state.drop(uid);
            if (r->state != ic::status::ok) co_return report_refusal("UID FETCH " + uid + " in " + folder, *r);
            if (bodies != 0) {
                std::cerr << "mailroom imap: the server sent a message for another UID than " << uid << "\n";
                co_await c.abort();
                co_return imap_exit::protocol;
            }
            co_return imap_exit::ok;  // expunged meanwhile: nothing to store
        }
        if (auto ec = sink_.commit()) co_return co_await store_error(c, sink_.description(), ec);
        if (auto ec = state.mark_stored(uid)) co_return co_await store_error(c, "the UID journal", ec);
        ++fetched_;
        fetched_bytes_ += bytes;
        shown.message_done(folder + " UID " + uid);
        co_return imap_exit::ok;
    }

    asio::awaitable<int> remove(client::imap_connection& c, const std::string& folder,
                                const std::vector<std::uint64_t>& uids) {
        const bool uidplus = c.has_capability("UIDPLUS");
        const client::imap_handlers none;
        for (std::size_t i = 0; i < uids.size(); i += uids_per_command) {
            const std::vector<std::uint64_t> part(uids.begin() + static_cast<std::ptrdiff_t>(i),
                                                  uids.begin() + static_cast<std::ptrdiff_t>(
                                                                     std::min(uids.size(), i + uids_per_command)));
            const std::string set = uid_set(part);
            ic::command mark("UID STORE " + set + " +FLAGS.SILENT (\\Deleted)");
            auto r = co_await c.command(mark, none);
            if (!r) co_return report_failure(c);
            if (r->state != ic::status::ok) co_return report_refusal("marking \\Deleted in " + folder, *r);
            if (!uidplus) continue;
            ic::command expunge("UID EXPUNGE " + set);
            r = co_await c.command(expunge, none);
            if (!r) co_return report_failure(c);
            if (r->state != ic::status::ok) co_return report_refusal("UID EXPUNGE in " + folder, *r);
            deleted_ += part.size();
        }
        if (!uidplus)
            std::cerr << "mailroom imap: " << folder << ": the server has no UIDPLUS, so " << uids.size()
                      << " stored messages are marked \\Deleted but not expunged (EXPUNGE would also remove other "
                         "clients' deletions)\n";
        co_return imap_exit::ok;
    }

    // Messages begun by an interrupted run: stored whole, or gone (and fetched again).
    int resolve_pending(fetch::uid_state& state) {
        const auto pending = state.pending();  // a copy: the calls below change it
        for (const auto& [uid, token] : pending) {
            auto whole = sink_.recover(token);
            if (!whole) return report_store(sink_.description(), whole.error());
            const auto ec = *whole ? state.mark_stored(uid) : state.drop(uid);
            if (ec) return report_store("the UID journal", ec);
        }
        return imap_exit::ok;
    }

    static int report_store(const std::string& what, std::error_code ec) {
        std::cerr << "mailroom imap: cannot store into " << what << ": " << ec.message() << "\n";
        return imap_exit::store;
    }
    // Drops the session without LOGOUT: nothing is expunged.
    asio::awaitable<int> store_error(client::imap_connection& c, std::string what, std::error_code ec) {
        co_await c.abort();
        co_return report_store(what, ec);
    }

    const fetch_options& fo_;
    fetch::sink& sink_;
    std::string host_;
    std::uint16_t port_;
    std::string user_;
    std::size_t fetched_ = 0, already_ = 0, deleted_ = 0;
    std::uint64_t fetched_bytes_ = 0;
};

void run_fetch(const imap_cli_options& o, fetch_options& fo) {
    if (o.user.empty()) throw cli_error("fetch needs --user");
    if (fo.keep && fo.remove) throw cli_error("--keep and --delete exclude each other");
    if (fo.folders.empty()) fo.folders.push_back("INBOX");
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
    auto opt = make_imap_options(o);
    fetcher f(fo, *sink, opt);
    exit_with(run_imap(std::move(opt), [&f](client::imap_connection& c) { return f.run(c); }));
}

}  // namespace

void add_imap_fetch(CLI::App& imap, const std::shared_ptr<imap_cli_options>& o) {
    auto fo = std::make_shared<fetch_options>();
    auto* cmd = imap.add_subcommand(
        "fetch",
        "Download the messages not fetched before (by UIDVALIDITY and UID, remembered next to the destination) and "
        "store each durably; with --delete, delete on the server only what is stored");
    cmd->add_option("--to", fo->to, "maildir:DIR | mbox:FILE (mboxrd) | local:ADDRESS (a mailroom mailbox)")
        ->required();
    cmd->add_option("--folder", fo->folders, "Folder to fetch (repeatable; default INBOX)");
    cmd->add_flag("--keep", fo->keep, "Leave the messages on the server (the default)");
    cmd->add_flag("--delete", fo->remove,
                  "Delete each stored message on the server (UID STORE \\Deleted + UID EXPUNGE with UIDPLUS)");
    add_common_options(*cmd, fo->common);
    cmd->callback([o, fo] { run_fetch(*o, *fo); });
}

}  // namespace mailroom::cli
