// mailroom user add|passwd|set|del|list: the user directory; quotas (set
// --quota, shown by list with each user's usage).
#include <iostream>

#include "auth/password.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "common/byte_size.hpp"
#include "common/errors.hpp"
#include "server/quota_check.hpp"
#include "server/server.hpp"
#include "store/maildir/maildir_store.hpp"
#include "store/special_use.hpp"

namespace mailroom::cli {
namespace {

struct user_opts {
    common_options common;
    std::string address;
    std::string domain;
    bool legacy = false;
    std::string quota;           // "" unchanged, "default", or a size ("0": no limit)
    std::string quota_messages;  // "" unchanged, else a count ("0": no limit)
};

// The quota the options ask for, over `current`: nullopt in the outer
// optional when nothing is asked; nullopt inside for "the default".
std::optional<std::optional<storage::quota_limits>> quota_option(const user_opts& o,
                                                                 std::optional<storage::quota_limits> current) {
    if (o.quota.empty() && o.quota_messages.empty()) return std::nullopt;
    if (o.quota == "default") {
        if (!o.quota_messages.empty()) throw cli_error("--quota default takes no --quota-messages");
        return std::optional<storage::quota_limits>{};
    }
    auto q = current.value_or(storage::quota_limits{});
    if (!o.quota.empty()) {
        auto bytes = parse_byte_size(o.quota);
        if (!bytes) throw cli_error("--quota: not a size like 500M or 2G: " + o.quota);
        q.bytes = *bytes;
    }
    if (!o.quota_messages.empty()) {
        auto n = parse_byte_size(o.quota_messages);  // a plain count: no unit letter
        if (!n || o.quota_messages.find_first_not_of("0123456789") != std::string::npos)
            throw cli_error("--quota-messages: not a count: " + o.quota_messages);
        q.messages = *n;
    }
    return std::optional<storage::quota_limits>{q};
}

std::string limit_text(std::uint64_t limit, bool bytes) {
    if (limit == 0) return "-";
    return bytes ? format_byte_size(limit) : std::to_string(limit);
}

std::string canonical_or_throw(const std::string& address) {
    auto canon = storage::canonical_address(address);
    if (!canon) throw cli_error("not a valid address: " + address);
    return *canon;
}

storage::user_record make_record(const std::string& address, bool legacy) {
    auto cred = auth::make_credentials(read_new_password(), legacy);
    if (!cred) throw cli_error("cannot hash the password: " + cred.error().message());
    storage::user_record r;
    r.address = address;
    r.cred = std::move(*cred);
    return r;
}

void add(const user_opts& o) {
    auto cfg = load_settings(o.common);
    auto db = open_userdb(cfg);
    auto address = canonical_or_throw(o.address);
    auto domain = address.substr(address.find('@') + 1);
    if (!value_or_throw(db->has_domain(domain), "cannot read the user directory"))
        throw cli_error("domain " + domain + " is not local; add it first: mailroom domain add " + domain);
    auto record = make_record(address, o.legacy);
    if (auto q = quota_option(o, std::nullopt)) record.quota = *q;
    throw_on_error(db->add_user(record), "cannot add " + address,
                   {{errc::already_exists, "user " + address + " exists already (use user passwd)"}});
    store::maildir::maildir_store box(durable::real_file_system(),
                                      store::maildir::mailbox_path(server::mail_root(cfg), address));
    auto e = box.create();
    if (!e) e = store::create_special_folders(box);  // RFC 6154: Sent, Drafts, Trash, Junk, Archive
    if (e) throw cli_error("user added, but cannot create the mailbox: " + e.message());
    std::cout << "added " << address << (o.legacy ? " (legacy secret kept for APOP and CRAM-MD5)" : "") << "\n";
}

void passwd(const user_opts& o) {
    auto db = open_userdb(o.common);
    auto address = canonical_or_throw(o.address);
    if (!db->find_user(address)) throw cli_error("no such user: " + address);
    throw_on_error(db->update_credentials(make_record(address, o.legacy)), "cannot change the password");
    std::cout << "password changed for " << address << "\n";
}

void set(const user_opts& o) {
    auto db = open_userdb(o.common);
    auto address = canonical_or_throw(o.address);
    auto user = db->find_user(address);
    if (!user) throw cli_error("no such user: " + address);
    auto q = quota_option(o, user->quota);
    if (!q) throw cli_error("nothing to set: give --quota and/or --quota-messages");
    throw_on_error(db->set_quota(address, *q), "cannot set the quota of " + address);
    if (!*q) std::cout << "quota of " << address << ": the default\n";
    else
        std::cout << "quota of " << address << ": storage " << limit_text((*q)->bytes, true) << ", messages "
                  << limit_text((*q)->messages, false) << "\n";
}

void del(const user_opts& o) {
    auto cfg = load_settings(o.common);
    auto db = open_userdb(cfg);
    auto address = canonical_or_throw(o.address);
    throw_on_error(db->remove_user(address), "cannot delete " + address,
                   {{errc::not_found, "no such user: " + address}});
    std::cout << "deleted " << address << "; its mailbox "
              << store::maildir::mailbox_path(server::mail_root(cfg), address).string() << " is kept\n";
}

// One line a user: "<address> storage=<used>/<limit> messages=<used>/<limit>
// quota=own|default" (octets; "-" for no limit).
void list(const user_opts& o) {
    auto cfg = load_settings(o.common);
    auto db = open_userdb(cfg);
    std::optional<std::string_view> domain;
    if (!o.domain.empty()) domain = o.domain;
    const auto defaults = server::quota_defaults::of(cfg.default_quota_bytes, cfg.default_quota_messages,
                                                     server::mail_root(cfg));
    for (const auto& u : value_or_throw(db->users(domain), "cannot list users")) {
        // Computed from the names, read only: a maildirsize written here would
        // belong to the administrator, not to the server's user.
        auto rec = db->find_user(u);
        auto used = store::maildir::compute_usage(store::maildir::mailbox_path(server::mail_root(cfg), u));
        if (!rec || !used) {
            std::cout << u << " storage=? messages=? quota=?\n";
            continue;
        }
        const auto limits = server::limits_of(*rec, defaults);
        std::cout << u << " storage=" << used->bytes << "/" << limit_text(limits.bytes, false)
                  << " messages=" << used->messages << "/" << limit_text(limits.messages, false)
                  << " quota=" << (rec->quota ? "own" : "default") << "\n";
    }
}

}  // namespace

void add_user(CLI::App& app) {
    auto o = std::make_shared<user_opts>();
    auto* user = app.add_subcommand("user", "Manage users");
    user->require_subcommand(1);

    auto* a = user->add_subcommand("add", "Add a user; the password comes from standard input or a prompt");
    add_common_options(*a, o->common);
    a->add_option("address", o->address, "local@domain")->required();
    a->add_flag("--legacy-auth", o->legacy,
                "Also keep a plaintext-equivalent secret so APOP and CRAM-MD5 work (see README)");
    auto quota_options = [&o](CLI::App& c) {
        c.add_option("--quota", o->quota, "Storage quota: octets, or 500M, 2G (0: no limit; set: 'default')");
        c.add_option("--quota-messages", o->quota_messages, "Message count quota (0: no limit)");
    };
    quota_options(*a);
    a->callback([o] { add(*o); });

    auto* p = user->add_subcommand("passwd", "Change a user's password");
    add_common_options(*p, o->common);
    p->add_option("address", o->address)->required();
    p->add_flag("--legacy-auth", o->legacy, "Keep a plaintext-equivalent secret for APOP and CRAM-MD5");
    p->callback([o] { passwd(*o); });

    auto* s = user->add_subcommand("set", "Change a user's quota (default_quota applies without one)");
    add_common_options(*s, o->common);
    s->add_option("address", o->address)->required();
    quota_options(*s);
    s->callback([o] { set(*o); });

    auto* d = user->add_subcommand("del", "Delete a user (the mailbox is kept)");
    add_common_options(*d, o->common);
    d->add_option("address", o->address)->required();
    d->callback([o] { del(*o); });

    auto* l = user->add_subcommand("list", "List users with their usage and quota");
    add_common_options(*l, o->common);
    l->add_option("domain", o->domain, "Only this domain");
    l->callback([o] { list(*o); });
}

}  // namespace mailroom::cli
