// mailroom domain add|del|list: the local domains.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "common/errors.hpp"

namespace mailroom::cli {
namespace {

struct domain_opts {
    common_options common;
    std::string domain;
};

std::string canonical_domain(const std::string& d) {
    auto canon = storage::canonical_address("postmaster@" + d);
    if (!canon) throw cli_error("not a domain name: " + d);
    return canon->substr(canon->find('@') + 1);
}

}  // namespace

void add_domain(CLI::App& app) {
    auto o = std::make_shared<domain_opts>();
    auto* domain = app.add_subcommand("domain", "Manage local domains");
    domain->require_subcommand(1);

    auto* a = domain->add_subcommand("add", "Add a local domain");
    add_common_options(*a, o->common);
    a->add_option("domain", o->domain)->required();
    a->callback([o] {
        auto d = canonical_domain(o->domain);
        auto ec = open_userdb(load_settings(o->common))->add_domain(d);
        if (ec == errc::already_exists) throw cli_error("domain " + d + " exists already");
        if (ec) throw cli_error("cannot add " + d + ": " + ec.message());
        std::cout << "added " << d << "\n";
    });

    auto* del = domain->add_subcommand("del", "Delete a local domain that has no users");
    add_common_options(*del, o->common);
    del->add_option("domain", o->domain)->required();
    del->callback([o] {
        auto d = canonical_domain(o->domain);
        auto ec = open_userdb(load_settings(o->common))->remove_domain(d);
        if (ec == errc::not_found) throw cli_error("no such domain: " + d);
        if (ec == errc::in_use) throw cli_error("domain " + d + " still has users; delete them first");
        if (ec) throw cli_error("cannot delete " + d + ": " + ec.message());
        std::cout << "deleted " << d << "\n";
    });

    auto* l = domain->add_subcommand("list", "List local domains");
    add_common_options(*l, o->common);
    l->callback([o] {
        auto ds = open_userdb(load_settings(o->common))->domains();
        if (!ds) throw cli_error("cannot list domains: " + ds.error().message());
        for (const auto& d : *ds) std::cout << d << "\n";
    });
}

}  // namespace mailroom::cli
