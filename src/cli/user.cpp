// mailroom user add|passwd|del|list: the user directory.
#include <iostream>

#include "auth/password.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "common/errors.hpp"
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
};

std::string canonical_or_throw(const std::string& address) {
    auto canon = storage::canonical_address(address);
    if (!canon) throw cli_error("not a valid address: " + address);
    return *canon;
}

storage::user_record make_record(const std::string& address, bool legacy) {
    auto cred = auth::make_credentials(read_new_password(), legacy);
    if (!cred) throw cli_error("cannot hash the password: " + cred.error().message());
    return {address, std::move(*cred)};
}

void add(const user_opts& o) {
    auto cfg = load_settings(o.common);
    auto db = open_userdb(cfg);
    auto address = canonical_or_throw(o.address);
    auto domain = address.substr(address.find('@') + 1);
    if (!value_or_throw(db->has_domain(domain), "cannot read the user directory"))
        throw cli_error("domain " + domain + " is not local; add it first: mailroom domain add " + domain);
    throw_on_error(db->add_user(make_record(address, o.legacy)), "cannot add " + address,
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

void del(const user_opts& o) {
    auto cfg = load_settings(o.common);
    auto db = open_userdb(cfg);
    auto address = canonical_or_throw(o.address);
    throw_on_error(db->remove_user(address), "cannot delete " + address,
                   {{errc::not_found, "no such user: " + address}});
    std::cout << "deleted " << address << "; its mailbox "
              << store::maildir::mailbox_path(server::mail_root(cfg), address).string() << " is kept\n";
}

void list(const user_opts& o) {
    std::optional<std::string_view> domain;
    if (!o.domain.empty()) domain = o.domain;
    for (const auto& u : value_or_throw(open_userdb(o.common)->users(domain), "cannot list users"))
        std::cout << u << "\n";
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
    a->callback([o] { add(*o); });

    auto* p = user->add_subcommand("passwd", "Change a user's password");
    add_common_options(*p, o->common);
    p->add_option("address", o->address)->required();
    p->add_flag("--legacy-auth", o->legacy, "Keep a plaintext-equivalent secret for APOP and CRAM-MD5");
    p->callback([o] { passwd(*o); });

    auto* d = user->add_subcommand("del", "Delete a user (the mailbox is kept)");
    add_common_options(*d, o->common);
    d->add_option("address", o->address)->required();
    d->callback([o] { del(*o); });

    auto* l = user->add_subcommand("list", "List users");
    add_common_options(*l, o->common);
    l->add_option("domain", o->domain, "Only this domain");
    l->callback([o] { list(*o); });
}

}  // namespace mailroom::cli
