// mailroom alias add|del|list: aliases of local addresses (#3). The rules
// (catch-all "@domain", an alias replacing a user's mailbox unless it lists
// the user) are storage::directory_admin's; this file checks and reports.
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "common/errors.hpp"

namespace mailroom::cli {
namespace {

struct alias_opts {
    common_options common;
    std::string source;
    std::vector<std::string> targets;  // add: one or more; del: none or one
    std::string domain;
};

std::string canonical_source(const std::string& source) {
    auto canon = storage::canonical_alias_source(source);
    if (!canon) throw cli_error("not a valid alias source: " + source + " (local@domain, or @domain for all others)");
    return *canon;
}

std::string canonical_target(const std::string& target) {
    auto canon = storage::canonical_address(target);
    if (!canon) throw cli_error("not a valid address: " + target);
    return *canon;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// Adds every target or, when one is wrong, none (short of a database error
// half-way).
void add(const alias_opts& o) {
    const auto source = canonical_source(o.source);
    std::vector<std::string> targets;
    for (const auto& t : o.targets)
        if (auto c = canonical_target(t); std::find(targets.begin(), targets.end(), c) == targets.end())
            targets.push_back(std::move(c));
    const auto domain = source.substr(source.find('@') + 1);
    auto db = open_userdb(o.common);
    if (!value_or_throw(db->has_domain(domain), "cannot read the user directory"))
        throw cli_error("domain " + domain + " is not local; add it first: mailroom domain add " + domain);
    for (const auto& entry : value_or_throw(db->aliases(domain), "cannot read the aliases")) {
        if (entry.source != source) continue;
        for (const auto& t : targets)
            if (std::find(entry.targets.begin(), entry.targets.end(), t) != entry.targets.end())
                throw cli_error("alias " + source + " -> " + t + " exists already");
    }
    for (const auto& t : targets)
        throw_on_error(db->add_alias(source, t), "cannot add " + source + " -> " + t,
                       {{errc::already_exists, "alias " + source + " -> " + t + " exists already"},
                        {errc::invalid_argument, "domain " + domain + " is not local"}});
    std::cout << "added " << source << " -> " << joined(targets) << "\n";
}

void del(const alias_opts& o) {
    const auto source = canonical_source(o.source);
    std::optional<std::string> target;
    if (!o.targets.empty()) target = canonical_target(o.targets.front());
    const auto what = target ? source + " -> " + *target : source;
    throw_on_error(open_userdb(o.common)->remove_alias(source, target), "cannot delete " + what,
                   {{errc::not_found, "no such alias: " + what}});
    std::cout << "deleted " << what << "\n";
}

void list(const alias_opts& o) {
    std::optional<std::string_view> domain;
    if (!o.domain.empty()) domain = o.domain;
    auto all = value_or_throw(open_userdb(o.common)->aliases(domain), "cannot list aliases",
                              {{errc::invalid_argument, "not a domain name: " + o.domain}});
    for (const auto& a : all) std::cout << a.source << " -> " << joined(a.targets) << "\n";
}

}  // namespace

void add_alias(CLI::App& app) {
    auto o = std::make_shared<alias_opts>();
    auto* alias = app.add_subcommand("alias", "Manage aliases (local@domain, or @domain for a catch-all)");
    alias->require_subcommand(1);

    auto* a = alias->add_subcommand("add", "Send mail for SOURCE to each TARGET (local or remote)");
    add_common_options(*a, o->common);
    a->add_option("source", o->source, "local@domain, or @domain for every unknown local part")->required();
    a->add_option("target", o->targets, "Addresses that receive the mail")->required();
    a->callback([o] { add(*o); });

    auto* d = alias->add_subcommand("del", "Delete one target of an alias, or the whole alias");
    add_common_options(*d, o->common);
    d->add_option("source", o->source)->required();
    d->add_option("target", o->targets, "Only this target")->expected(0, 1);
    d->callback([o] { del(*o); });

    auto* l = alias->add_subcommand("list", "List aliases: source -> targets");
    add_common_options(*l, o->common);
    l->add_option("domain", o->domain, "Only this domain");
    l->callback([o] { list(*o); });
}

}  // namespace mailroom::cli
