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
        throw_on_error(open_userdb(o->common)->add_domain(d), "cannot add " + d,
                       {{errc::already_exists, "domain " + d + " exists already"}});
        std::cout << "added " << d << "\n";
    });

    auto* del = domain->add_subcommand("del", "Delete a local domain that has no users or aliases");
    add_common_options(*del, o->common);
    del->add_option("domain", o->domain)->required();
    del->callback([o] {
        auto d = canonical_domain(o->domain);
        throw_on_error(open_userdb(o->common)->remove_domain(d), "cannot delete " + d,
                       {{errc::not_found, "no such domain: " + d},
                        {errc::in_use, "domain " + d + " still has users or aliases; delete them first"}});
        std::cout << "deleted " << d << "\n";
    });

    auto* l = domain->add_subcommand("list", "List local domains");
    add_common_options(*l, o->common);
    l->callback([o] {
        for (const auto& d : value_or_throw(open_userdb(o->common)->domains(), "cannot list domains"))
            std::cout << d << "\n";
    });
}

}  // namespace mailroom::cli
