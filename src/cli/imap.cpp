// `mailroom imap`: the IMAP client (issue #13) - capabilities, list, status,
// search, append here; fetch in imap_fetch.cpp. Each subcommand is one
// session of client::imap_connection run by run_imap() (imap_options.hpp).
#include <CLI/CLI.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "cli/commands.hpp"
#include "cli/imap_options.hpp"
#include "cli/options.hpp"
#include "proto/imap/client/responses.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace ic = imap::client;

// A message file as IMAP wants it: bare LF line ends become CRLF (RFC 5322
// §2.3; RFC 9051 §6.3.12 sends the message as a literal of exact size).
class crlf_file {
public:
    explicit crlf_file(const std::string& path) : path_(path) {
        open();
        char c = 0;
        char prev = 0;
        while (in_.get(c)) {
            size_ += (c == '\n' && prev != '\r') ? 2 : 1;
            prev = c;
        }
        open();
    }
    std::uint64_t size() const noexcept { return size_; }
    std::size_t read(char* buf, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            if (pending_lf_) {
                buf[got++] = '\n';
                pending_lf_ = false;
                prev_ = '\n';
                continue;
            }
            const int c = in_.get();
            if (c == std::char_traits<char>::eof()) break;
            if (c == '\n' && prev_ != '\r') {
                buf[got++] = '\r';
                pending_lf_ = true;
                prev_ = '\r';
                continue;
            }
            buf[got++] = static_cast<char>(c);
            prev_ = static_cast<char>(c);
        }
        return got;
    }

private:
    void open() {
        in_.close();
        in_.clear();
        in_.open(path_, std::ios::binary);
        if (!in_) throw cli_error("cannot read " + path_);
    }
    std::string path_;
    std::ifstream in_;
    std::uint64_t size_ = 0;
    bool pending_lf_ = false;
    char prev_ = 0;
};

// A search word from the command line: an atom as it is, anything else quoted.
bool atom_like(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u >= 0x7f || c == '"' || c == '\\' || c == '{' || c == '%') return false;
    }
    return true;
}

asio::awaitable<int> do_capabilities(client::imap_connection& c) {
    for (const auto& cap : c.capabilities()) std::cout << cap << "\n";
    co_return imap_exit::ok;
}

asio::awaitable<int> do_list(client::imap_connection& c, std::string pattern) {
    ic::command cmd("LIST \"\" ");
    cmd.string(folder_to_wire(pattern));
    std::vector<ic::list_entry> found;
    client::imap_handlers h;
    h.on_untagged = [&found](const ic::response& r) {
        if (auto e = ic::parse_list(r)) found.push_back(std::move(*e));
        return true;
    };
    auto done = co_await c.command(cmd, h);
    if (!done) co_return imap_exit::protocol;
    if (done->state != ic::status::ok) co_return report_refusal("LIST", *done);
    for (const auto& e : found) {
        std::string attrs;
        for (const auto& a : e.attributes) attrs += (attrs.empty() ? "" : " ") + a;
        std::cout << folder_from_wire(e.name) << "  (" << attrs << ")\n";
    }
    co_return imap_exit::ok;
}

asio::awaitable<int> do_status(client::imap_connection& c, std::string folder) {
    ic::command cmd("STATUS ");
    cmd.string(folder_to_wire(folder)).text(" (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)");
    std::optional<ic::status_entry> got;
    client::imap_handlers h;
    h.on_untagged = [&got](const ic::response& r) {
        if (auto e = ic::parse_status(r)) got = std::move(*e);
        return true;
    };
    auto done = co_await c.command(cmd, h);
    if (!done) co_return imap_exit::protocol;
    if (done->state != ic::status::ok) co_return report_refusal("STATUS", *done);
    if (!got) {
        std::cerr << "mailroom imap: the server answered STATUS without its data\n";
        co_return imap_exit::protocol;
    }
    for (const auto& [name, n] : got->items) std::cout << name << " " << n << "\n";
    co_return imap_exit::ok;
}

asio::awaitable<int> do_search(client::imap_connection& c, std::string folder, std::vector<std::string> criteria) {
    ic::command examine("EXAMINE ");
    examine.string(folder_to_wire(folder));
    const client::imap_handlers none;
    auto opened = co_await c.command(examine, none);
    if (!opened) co_return imap_exit::protocol;
    if (opened->state != ic::status::ok) co_return report_refusal("EXAMINE " + folder, *opened);
    ic::command search("UID SEARCH");
    for (const auto& w : criteria) {
        search.text(" ");
        if (atom_like(w)) search.text(w);
        else search.string(w);
    }
    std::set<std::uint64_t> uids;
    bool malformed = false;
    client::imap_handlers h;
    h.on_untagged = [&](const ic::response& r) {
        if (auto s = ic::parse_search(r)) uids.insert(s->begin(), s->end());
        else if (auto e = ic::parse_esearch(r)) {
            auto all = e->all.empty() ? std::vector<std::uint64_t>{}
                                      : ic::expand_set(e->all, 10'000'000).value_or(std::vector<std::uint64_t>{});
            if (!e->all.empty() && all.empty()) malformed = true;
            uids.insert(all.begin(), all.end());
        }
        return true;
    };
    auto done = co_await c.command(search, h);
    if (!done) co_return imap_exit::protocol;
    if (done->state != ic::status::ok) co_return report_refusal("SEARCH", *done);
    if (malformed) {
        std::cerr << "mailroom imap: the server's ESEARCH result is not a usable set\n";
        co_return imap_exit::protocol;
    }
    for (auto u : uids) std::cout << u << "\n";
    co_return imap_exit::ok;
}

asio::awaitable<int> do_append(client::imap_connection& c, std::string folder, std::shared_ptr<crlf_file> file,
                               std::vector<std::string> flags) {
    ic::command cmd("APPEND ");
    cmd.string(folder_to_wire(folder));
    if (!flags.empty()) {
        std::string list;
        for (const auto& f : flags) {
            if (!atom_like(f)) throw cli_error("bad flag " + f);
            list += (list.empty() ? "" : " ") + f;
        }
        cmd.text(" (" + list + ")");
    }
    cmd.text(" ").literal(file->size());
    client::imap_handlers h;
    h.read_literal = [file](char* buf, std::size_t n) { return file->read(buf, n); };
    auto done = co_await c.command(cmd, h);
    if (!done) co_return imap_exit::protocol;
    if (done->state != ic::status::ok) co_return report_refusal("APPEND", *done);
    if (auto uid = ic::parse_appenduid(done->code, done->code_args))
        std::cout << "appended to " << folder << ": UIDVALIDITY " << uid->uidvalidity << " UID " << uid->uid << "\n";
    else std::cout << "appended to " << folder << " (the server did not say its UID: no UIDPLUS)\n";
    co_return imap_exit::ok;
}

}  // namespace

void add_imap(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("imap",
                           "IMAP client: capabilities, list, status, search, append, fetch into a Maildir, mbox "
                           "or mailroom mailbox (exit codes: 0 ok, 1 usage, 2 NO/BAD to a command, 3 login, "
                           "4 TLS, 5 protocol, 74 storing, 75 connection)");
    cmd->require_subcommand(1);
    auto o = std::make_shared<imap_cli_options>();
    add_imap_options(*cmd, *o);

    auto* caps = cmd->add_subcommand("capabilities", "Show the server's capabilities (after login with --user)");
    caps->callback([o] { exit_with(run_imap(*o, [](client::imap_connection& c) { return do_capabilities(c); })); });

    auto pattern = std::make_shared<std::string>("*");
    auto* list = cmd->add_subcommand("list", "List the folders matching PATTERN (default *)");
    list->add_option("pattern", *pattern, "LIST pattern: * all, % one level");
    list->callback([o, pattern] {
        exit_with(run_imap(*o, [pattern](client::imap_connection& c) { return do_list(c, *pattern); }));
    });

    auto folder = std::make_shared<std::string>();
    auto* status = cmd->add_subcommand("status", "Show a folder's MESSAGES, UNSEEN, UIDNEXT and UIDVALIDITY");
    status->add_option("folder", *folder, "Folder name (UTF-8)")->required();
    status->callback([o, folder] {
        exit_with(run_imap(*o, [folder](client::imap_connection& c) { return do_status(c, *folder); }));
    });

    auto criteria = std::make_shared<std::vector<std::string>>();
    auto* search = cmd->add_subcommand("search", "Print the UIDs in FOLDER matching CRITERIA (RFC 9051 §6.4.4)");
    search->add_option("folder", *folder, "Folder name (UTF-8)")->required();
    search->add_option("criteria", *criteria, "Search keys, e.g. UNSEEN, FROM bob, SINCE 1-Dec-2026 (default ALL)");
    search->callback([o, folder, criteria] {
        if (criteria->empty()) criteria->push_back("ALL");
        exit_with(
            run_imap(*o, [folder, criteria](client::imap_connection& c) { return do_search(c, *folder, *criteria); }));
    });

    auto file = std::make_shared<std::string>();
    auto flags = std::make_shared<std::vector<std::string>>();
    auto* append = cmd->add_subcommand("append", "Store FILE (an RFC 5322 message) in FOLDER; shows its UID");
    append->add_option("folder", *folder, "Folder name (UTF-8)")->required();
    append->add_option("file", *file, "Message file; LF line ends are sent as CRLF")->required();
    append->add_option("--flag", *flags, "A flag to set, e.g. \\Seen (repeatable)");
    append->callback([o, folder, file, flags] {
        auto f = std::make_shared<crlf_file>(*file);
        exit_with(
            run_imap(*o, [folder, f, flags](client::imap_connection& c) { return do_append(c, *folder, f, *flags); }));
    });

    add_imap_fetch(*cmd, o);
}

}  // namespace mailroom::cli
