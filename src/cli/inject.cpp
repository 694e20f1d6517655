// mailroom inject ADDRESS < message: local delivery of one message from
// standard input into a user's Maildir, durably (exit 0 = on disk). The
// SMTP service delivers through the same store (server/local_delivery).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "server/server.hpp"
#include "storage/maildir.hpp"
#include "store/maildir/maildir_store.hpp"

namespace mailroom::cli {
namespace {

constexpr std::size_t max_inject_bytes = 64u << 20;  // far above any SIZE we advertise

std::string read_stdin_bounded() {
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw cli_error(std::string("cannot read standard input: ") + std::strerror(errno));
        }
        if (data.size() + static_cast<std::size_t>(n) > max_inject_bytes)
            throw cli_error("message larger than 64 MiB");
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

}  // namespace

void add_inject(CLI::App& app) {
    struct opts_t {
        common_options common;
        std::string address;
    };
    auto o = std::make_shared<opts_t>();
    auto* cmd = app.add_subcommand("inject", "Deliver a message from standard input to a local user");
    add_common_options(*cmd, o->common);
    cmd->add_option("address", o->address, "Recipient (an existing user)")->required();
    cmd->callback([o] {
        auto cfg = load_settings(o->common);
        auto db = open_userdb(cfg);
        auto address = storage::canonical_address(o->address);
        if (!address) throw cli_error("not a valid address: " + o->address);
        auto user = db->find_user(*address);
        if (!user) throw cli_error("no such user: " + *address);
        auto message = read_stdin_bounded();
        if (message.empty()) throw cli_error("empty message on standard input");
        auto& fs = durable::real_file_system();
        store::maildir::maildir_store box(fs, storage::mailbox_path(server::mail_root(cfg), *address));
        if (auto ec = box.create()) throw cli_error("cannot create the mailbox: " + ec.message());
        auto w = box.begin_append("INBOX");
        if (!w) throw cli_error("delivery failed: " + w.error().message());
        if (auto ec = (*w)->write(message)) throw cli_error("delivery failed: " + ec.message());
        auto staged = (*w)->finish(0);
        if (!staged) throw cli_error("delivery failed: " + staged.error().message());
        std::vector<store::pending_append> one;
        one.push_back(std::move(*staged));
        durable::group_commit alone(fs);
        auto stored = store::commit_appends(alone, std::move(one), nullptr);
        if (!stored) throw cli_error("delivery failed: " + stored.error().message());
    });
}

}  // namespace mailroom::cli
