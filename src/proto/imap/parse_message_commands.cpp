// imap::detail: arguments of the selected-state commands EXPUNGE (UID
// EXPUNGE, RFC 4315), SEARCH (RFC 4731 RETURN, RFC 5182 SAVE), FETCH and
// STORE (RFC 7162 modifiers), COPY, MOVE (RFC 6851), SORT and THREAD
// (RFC 5256).
#include <string_view>

#include "proto/common/keyword.hpp"
#include "proto/imap/detail/command_parsers.hpp"

namespace mailroom::imap::detail {
namespace {

constexpr std::uint64_t max_modseq = INT64_MAX;  // RFC 7162 §7: 63-bit mod-sequences

// charset = atom / quoted (RFC 9051 §9).
std::optional<std::string> charset(cursor& c) {
    const argument* a = c.peek();
    if (!a || (a->kind != argument_kind::atom && a->kind != argument_kind::quoted)) return std::nullopt;
    c.next();
    return a->text;
}

// The search program to the end of the arguments, into cmd.program.
template <class Command>
outcome with_program(cursor& c, const limits& lim, Command cmd) {
    auto p = parse_search(c.rest(), search_limits_of(lim));
    if (!p.program) {
        if (p.too_complex) return bad("Search program too complex", parse_failure_kind::too_complex);
        return bad("Invalid search program");
    }
    c.skip(c.rest().size());
    cmd.program = std::move(*p.program);
    return ok(std::move(cmd));
}

struct sort_name {
    std::string_view name;
    sort_key key;
};
constexpr sort_name sort_names[] = {
    {"ARRIVAL", sort_key::arrival},
    {"CC", sort_key::cc},
    {"DATE", sort_key::date},
    {"FROM", sort_key::from},
    {"SIZE", sort_key::size},
    {"SUBJECT", sort_key::subject},
    {"TO", sort_key::to},
    {"DISPLAYFROM", sort_key::display_from},  // RFC 5957
    {"DISPLAYTO", sort_key::display_to},
};

template <class T>
outcome set_and_mailbox(context& x) {
    T cmd;
    cmd.uid = x.uid;
    auto set = sequence_set_arg(x.c, x.lim);
    auto mailbox = set ? x.c.astring() : std::nullopt;
    if (!mailbox) return bad("Needs a sequence set and a mailbox name");
    cmd.set = std::move(*set);
    cmd.mailbox = std::move(*mailbox);
    return ok(std::move(cmd));
}

}  // namespace

outcome parse_expunge(context& x) {
    expunge_command cmd;
    if (x.uid) {  // RFC 4315 §2.1: UID EXPUNGE sequence-set
        cmd.uids = sequence_set_arg(x.c, x.lim);
        if (!cmd.uids) return bad("UID EXPUNGE needs a UID set");
    }
    return ok(std::move(cmd));
}

// search = "SEARCH" [search-return-opts] SP search-program;
// search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
outcome parse_search(context& x) {
    search_command cmd;
    cmd.uid = x.uid;
    if (x.c.keyword("RETURN")) {
        const argument* opts = x.c.next();
        if (!opts || opts->kind != argument_kind::list) return bad("Invalid SEARCH RETURN options");
        cmd.ret.present = true;
        for (const auto& o : opts->children) {
            if (is_keyword(o, "MIN")) cmd.ret.min = true;
            else if (is_keyword(o, "MAX")) cmd.ret.max = true;
            else if (is_keyword(o, "ALL")) cmd.ret.all = true;
            else if (is_keyword(o, "COUNT")) cmd.ret.count = true;
            else if (is_keyword(o, "SAVE")) cmd.ret.save = true;
            else return bad("Unknown SEARCH RETURN option");
        }
        // RFC 4731 §3.1: an empty list means ALL.
        if (opts->children.empty()) cmd.ret.all = true;
    }
    if (x.c.keyword("CHARSET")) {
        cmd.charset = charset(x.c);
        if (!cmd.charset) return bad("Invalid CHARSET");
    }
    return with_program(x.c, x.lim, std::move(cmd));
}

// fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
//         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
outcome parse_fetch(context& x) {
    fetch_command cmd;
    cmd.uid = x.uid;
    auto set = sequence_set_arg(x.c, x.lim);
    if (!set || x.c.done() || x.c.peek()->glued) return bad("FETCH needs a sequence set and data items");
    cmd.set = std::move(*set);
    auto items = parse_fetch_items(x.c.rest());
    if (!items) return bad("Invalid FETCH data items");
    cmd.items = std::move(items->items);
    x.c.skip(items->used);
    if (const argument* mods = x.c.next()) {  // RFC 4466 §2.4 fetch-modifiers, RFC 7162 §3.1.4.1
        if (mods->kind != argument_kind::list || mods->glued || mods->children.empty())
            return bad("Invalid FETCH modifiers");
        cursor m(mods->children);
        while (!m.done()) {
            if (m.keyword("CHANGEDSINCE") && !cmd.changedsince) {
                cmd.changedsince = m.number(max_modseq);
                if (!cmd.changedsince) return bad("Invalid CHANGEDSINCE");
            } else if (m.keyword("VANISHED") && !cmd.vanished) {
                cmd.vanished = true;
            } else {
                return bad("Unknown FETCH modifier");
            }
        }
        // RFC 7162 §3.2.6: VANISHED only in UID FETCH, and with CHANGEDSINCE.
        if (cmd.vanished && (!cmd.uid || !cmd.changedsince)) return bad("VANISHED needs UID FETCH and CHANGEDSINCE");
    }
    return ok(std::move(cmd));
}

// store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags;
// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
outcome parse_store(context& x) {
    store_command cmd;
    cmd.uid = x.uid;
    auto set = sequence_set_arg(x.c, x.lim);
    if (!set) return bad("STORE needs a sequence set");
    cmd.set = std::move(*set);
    if (const argument* a = x.c.peek(); a && a->kind == argument_kind::list) {  // RFC 7162 §3.1.3
        x.c.next();
        cursor m(a->children);
        if (!m.keyword("UNCHANGEDSINCE")) return bad("Unknown STORE modifier");
        cmd.unchangedsince = m.number(max_modseq);
        if (!cmd.unchangedsince || !m.done()) return bad("Invalid UNCHANGEDSINCE");
    }
    auto item = x.c.atom();
    if (!item) return bad("STORE needs a data item");
    std::string_view name = *item;
    if (!name.empty() && (name[0] == '+' || name[0] == '-')) {
        cmd.mode = name[0] == '+' ? store_mode::add : store_mode::remove;
        name.remove_prefix(1);
    }
    if (proto::keyword_equals(name, "FLAGS.SILENT")) cmd.silent = true;
    else if (!proto::keyword_equals(name, "FLAGS")) return bad("Unknown STORE data item");
    if (const argument* a = x.c.peek(); a && a->kind == argument_kind::list) {
        x.c.next();
        auto flags = flag_list(*a);
        if (!flags) return bad("Invalid flag list");
        cmd.flags = std::move(*flags);
    } else {
        while (!x.c.done()) {
            auto f = x.c.atom();
            if (!f || !is_flag(*f)) return bad("Invalid flag");
            cmd.flags.push_back(std::move(*f));
        }
        if (cmd.flags.empty()) return bad("STORE needs flags");
    }
    return ok(std::move(cmd));
}

outcome parse_copy(context& x) { return set_and_mailbox<copy_command>(x); }
outcome parse_move(context& x) { return set_and_mailbox<move_command>(x); }

// sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria;
// search-criteria = charset 1*(SP search-key)  (RFC 5256 §5)
outcome parse_sort(context& x) {
    sort_command cmd;
    cmd.uid = x.uid;
    const argument* criteria = x.c.next();
    if (!criteria || criteria->kind != argument_kind::list || criteria->children.empty())
        return bad("Invalid sort criteria");
    cursor s(criteria->children);
    while (!s.done()) {
        sort_criterion crit;
        crit.reverse = s.keyword("REVERSE");
        const argument* k = s.next();
        const sort_name* found = nullptr;
        for (const auto& n : sort_names)
            if (k && is_keyword(*k, n.name)) found = &n;
        if (!found) return bad("Invalid sort criteria");
        crit.key = found->key;
        cmd.criteria.push_back(crit);
    }
    auto cs = charset(x.c);
    if (!cs) return bad("SORT needs a charset");
    cmd.charset = std::move(*cs);
    return with_program(x.c, x.lim, std::move(cmd));
}

// thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria (RFC 5256 §5)
outcome parse_thread(context& x) {
    thread_command cmd;
    cmd.uid = x.uid;
    if (x.c.keyword("ORDEREDSUBJECT")) cmd.algorithm = thread_algorithm::orderedsubject;
    else if (x.c.keyword("REFERENCES")) cmd.algorithm = thread_algorithm::references;
    else return bad("Unknown THREAD algorithm");
    auto cs = charset(x.c);
    if (!cs) return bad("THREAD needs a charset");
    cmd.charset = std::move(*cs);
    return with_program(x.c, x.lim, std::move(cmd));
}

}  // namespace mailroom::imap::detail
