// mailroom inject [--sender S] ADDRESS < message: local delivery of one
// message from standard input, durably (exit 0 = on disk), through the same
// acceptance transaction as SMTP (server/acceptance.hpp). Aliases are
// honoured when they lead to local mailboxes only; one with a remote target
// is refused (the CLI has no queue runner: send it through SMTP). With
// --sender the copies get Return-Path: <S>; without, they are stored as given.
// Standard input is staged as SMTP bodies are (server/staged_body.hpp): in
// memory while small, then in the queue's tmp/, so memory stays bounded.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "common/errors.hpp"
#include "durable/file_system.hpp"
#include "server/acceptance.hpp"
#include "server/server.hpp"
#include "server/staged_body.hpp"

namespace mailroom::cli {
namespace {

constexpr std::size_t max_inject_bytes = 64u << 20;  // far above any SIZE we advertise

// Where the body is staged: the queue's tmp/ (emptied by `serve` at start),
// made private if this is the first use of the data directory.
std::filesystem::path staging_directory(const config::settings& cfg) {
    const auto dir = cfg.data_dir / "queue" / "tmp";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) throw cli_error("cannot create " + dir.string() + ": " + ec.message());
        for (const auto& d : {dir.parent_path(), dir})
            std::filesystem::permissions(d, std::filesystem::perms::owner_all, ec);
    }
    return dir;
}

void stage_stdin(server::staged_body& body) {
    std::string buf(64 * 1024, '\0');
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw cli_error(std::string("cannot read standard input: ") + std::strerror(errno));
        }
        if (body.size() + static_cast<std::size_t>(n) > max_inject_bytes) throw cli_error("message larger than 64 MiB");
        if (auto ec = body.append(std::string_view(buf.data(), static_cast<std::size_t>(n))))
            throw cli_error("cannot stage the message: " + ec.message());
    }
}

}  // namespace

void add_inject(CLI::App& app) {
    struct opts_t {
        common_options common;
        std::string address;
        std::optional<std::string> sender;
    };
    auto o = std::make_shared<opts_t>();
    auto* cmd = app.add_subcommand("inject", "Deliver a message from standard input to a local user or alias");
    add_common_options(*cmd, o->common);
    cmd->add_option("address", o->address, "Recipient (a user, or an alias to local users)")->required();
    cmd->add_option("--sender", o->sender, "Envelope sender, written as Return-Path: (\"\" for <>)");
    cmd->callback([o] {
        auto cfg = load_settings(o->common);
        auto db = open_userdb(cfg);
        auto address = storage::canonical_address(o->address);
        if (!address) throw cli_error("not a valid address: " + o->address);
        std::string sender;
        if (o->sender && !o->sender->empty()) {
            auto s = storage::canonical_address(*o->sender);
            if (!s) throw cli_error("not a valid sender address: " + *o->sender);
            sender = *s;
        }
        const auto staging = staging_directory(cfg);
        server::staged_body message(durable::real_file_system(), staging);
        stage_stdin(message);
        if (message.size() == 0) throw cli_error("empty message on standard input");

        const auto root = server::mail_root(cfg);
        durable::group_commit commits(durable::real_file_system());
        system_clock clk;
        system_random rnd;
        server::acceptance_context ctx{*db, nullptr, root, commits, clk, rnd, cfg.hostname};
        ctx.return_path = o->sender.has_value();
        queue::envelope msg;
        msg.sender = sender;
        msg.arrived = clk.now();
        msg.recipients.push_back({});
        msg.recipients.back().address = *address;
        auto done = server::accept_message(ctx, msg, message, "inject");
        if (!done && done.error() == errc::not_found) throw cli_error("no such user or alias: " + *address);
        if (!done && done.error() == errc::unsupported)
            throw cli_error("the alias " + *address + " has remote targets: send the message through SMTP");
        if (!done) throw cli_error("delivery failed: " + done.error().message());
    });
}

}  // namespace mailroom::cli
