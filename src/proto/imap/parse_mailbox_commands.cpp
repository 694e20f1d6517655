// imap::detail: arguments of the mailbox commands SELECT/EXAMINE (RFC 7162
// CONDSTORE/QRESYNC parameters), CREATE (RFC 6154 USE), DELETE, RENAME,
// SUBSCRIBE, UNSUBSCRIBE, LIST (RFC 5258, 5819, 6154), LSUB and STATUS.
#include <string_view>

#include "common/ascii.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/detail/command_parsers.hpp"

namespace mailroom::imap::detail {
namespace {

constexpr std::uint64_t max_modseq = INT64_MAX;  // RFC 7162 §7: 63-bit mod-sequences

// RFC 7162 §3.2.5: QRESYNC (uidvalidity modseq [known-uids]
// [(known-sequence-set known-uid-set)]).
std::optional<qresync_params> parse_qresync(const argument& list, const limits& lim) {
    if (list.kind != argument_kind::list) return std::nullopt;
    cursor c(list.children);
    qresync_params q;
    auto validity = c.nz_number();
    auto modseq = validity ? c.number(max_modseq) : std::nullopt;
    if (!modseq) return std::nullopt;
    q.uidvalidity = *validity;
    q.modseq = *modseq;
    if (const argument* a = c.peek(); a && a->kind == argument_kind::atom) {
        q.known_uids = sequence_set_arg(c, lim);
        if (!q.known_uids || q.known_uids->saved) return std::nullopt;
    }
    if (const argument* a = c.next()) {
        if (a->kind != argument_kind::list) return std::nullopt;
        cursor m(a->children);
        auto seqs = sequence_set_arg(m, lim);
        auto uids = seqs ? sequence_set_arg(m, lim) : std::nullopt;
        if (!uids || !m.done() || seqs->saved || uids->saved) return std::nullopt;
        q.match = qresync_params::seq_match{std::move(*seqs), std::move(*uids)};
    }
    if (!c.done()) return std::nullopt;
    return q;
}

outcome parse_select_or_examine(context& x, bool examine) {
    select_command cmd;
    cmd.examine = examine;
    auto mailbox = x.c.astring();
    if (!mailbox) return bad("Missing mailbox name");
    cmd.mailbox = std::move(*mailbox);
    if (const argument* params = x.c.next()) {  // RFC 4466 §2.1 select-params
        if (params->kind != argument_kind::list || params->children.empty()) return bad("Invalid SELECT parameters");
        cursor p(params->children);
        while (!p.done()) {
            if (p.keyword("CONDSTORE")) {
                cmd.condstore = true;
            } else if (p.keyword("QRESYNC")) {
                const argument* q = p.next();
                if (!q || cmd.qresync) return bad("Invalid QRESYNC parameters");
                cmd.qresync = parse_qresync(*q, x.lim);
                if (!cmd.qresync) return bad("Invalid QRESYNC parameters");
            } else {
                return bad("Unknown SELECT parameter");
            }
        }
    }
    return ok(std::move(cmd));
}

template <class T>
outcome one_mailbox(context& x) {
    auto mailbox = x.c.astring();
    if (!mailbox) return bad("Missing mailbox name");
    T cmd;
    cmd.mailbox = std::move(*mailbox);
    return ok(std::move(cmd));
}

// list-mailbox = 1*list-char / string (list-char adds "%" "*" "]").
std::optional<std::string> list_mailbox(const argument& a) {
    if (a.kind == argument_kind::list || a.binary) return std::nullopt;
    return a.text;
}

struct status_name {
    std::string_view name;
    status_item item;
};
constexpr status_name status_names[] = {
    {"MESSAGES", status_item::messages},
    {"RECENT", status_item::recent},
    {"UIDNEXT", status_item::uidnext},
    {"UIDVALIDITY", status_item::uidvalidity},
    {"UNSEEN", status_item::unseen},
    {"DELETED", status_item::deleted},
    {"SIZE", status_item::size},
    {"HIGHESTMODSEQ", status_item::highestmodseq},
    {"APPENDLIMIT", status_item::appendlimit},
};

// RFC 5258 §3.1 selection options; §3.2 return options (+ RFC 5819, 6154).
constexpr std::string_view selection_options[] = {"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"};

bool parse_return_options(const argument& list, list_command& cmd) {
    if (list.kind != argument_kind::list) return false;
    cursor r(list.children);
    while (!r.done()) {
        if (r.keyword("SUBSCRIBED")) {
            cmd.return_subscribed = true;
        } else if (r.keyword("CHILDREN")) {
            cmd.return_children = true;
        } else if (r.keyword("SPECIAL-USE")) {
            cmd.return_special_use = true;
        } else if (r.keyword("STATUS")) {
            const argument* items = r.next();
            if (!items || cmd.return_status) return false;
            cmd.return_status = status_items(*items);
            if (!cmd.return_status) return false;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::vector<status_item>> status_items(const argument& list) {
    if (list.kind != argument_kind::list || list.children.empty()) return std::nullopt;
    std::vector<status_item> items;
    for (const auto& a : list.children) {
        const status_name* found = nullptr;
        for (const auto& n : status_names)
            if (is_keyword(a, n.name)) found = &n;
        if (!found) return std::nullopt;
        items.push_back(found->item);
    }
    return items;
}

outcome parse_select(context& x) { return parse_select_or_examine(x, false); }
outcome parse_examine(context& x) { return parse_select_or_examine(x, true); }

outcome parse_create(context& x) {
    create_command cmd;
    auto mailbox = x.c.astring();
    if (!mailbox) return bad("Missing mailbox name");
    cmd.mailbox = std::move(*mailbox);
    if (const argument* params = x.c.next()) {  // RFC 4466 create-param, RFC 6154 §3 USE
        if (params->kind != argument_kind::list) return bad("Invalid CREATE parameters");
        cursor p(params->children);
        if (!p.keyword("USE")) return bad("Unknown CREATE parameter");
        const argument* use = p.next();
        auto flags = use ? flag_list(*use) : std::nullopt;
        if (!flags || !p.done()) return bad("Invalid USE attributes");
        for (const auto& f : *flags)
            if (f[0] != '\\') return bad("Invalid USE attributes");
        cmd.use = std::move(*flags);
    }
    return ok(std::move(cmd));
}

outcome parse_delete(context& x) { return one_mailbox<delete_command>(x); }
outcome parse_subscribe(context& x) { return one_mailbox<subscribe_command>(x); }
outcome parse_unsubscribe(context& x) { return one_mailbox<unsubscribe_command>(x); }

outcome parse_rename(context& x) {
    rename_command cmd;
    auto from = x.c.astring();
    auto to = from ? x.c.astring() : std::nullopt;
    if (!to) return bad("RENAME needs two mailbox names");
    cmd.from = std::move(*from);
    cmd.to = std::move(*to);
    return ok(std::move(cmd));
}

// list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
//        [SP list-return-opts]  (RFC 9051 §9, RFC 5258 §6)
outcome parse_list(context& x) {
    list_command cmd;
    if (const argument* a = x.c.peek(); a && a->kind == argument_kind::list) {
        x.c.next();
        cmd.extended = true;
        bool recursive = false;
        for (const auto& o : a->children) {
            const std::string_view* known = nullptr;
            for (const auto& name : selection_options)
                if (is_keyword(o, name)) known = &name;
            if (!known) return bad("Unknown LIST selection option");
            recursive = recursive || *known == "RECURSIVEMATCH";
            cmd.selection.emplace_back(*known);
        }
        // RFC 5258 §3.1: RECURSIVEMATCH alone is an error.
        if (recursive && cmd.selection.size() == 1) return bad("RECURSIVEMATCH needs another selection option");
    }
    auto reference = x.c.astring();
    if (!reference) return bad("Missing LIST reference");
    cmd.reference = std::move(*reference);
    const argument* pattern = x.c.next();
    if (!pattern) return bad("Missing LIST pattern");
    if (pattern->kind == argument_kind::list) {  // patterns = "(" list-mailbox *(SP list-mailbox) ")"
        cmd.extended = true;
        if (pattern->children.empty()) return bad("Empty LIST pattern list");
        for (const auto& p : pattern->children) {
            auto s = list_mailbox(p);
            if (!s) return bad("Invalid LIST pattern");
            cmd.patterns.push_back(std::move(*s));
        }
    } else {
        auto s = list_mailbox(*pattern);
        if (!s) return bad("Invalid LIST pattern");
        cmd.patterns.push_back(std::move(*s));
    }
    if (x.c.keyword("RETURN")) {
        cmd.extended = true;
        const argument* opts = x.c.next();
        if (!opts || !parse_return_options(*opts, cmd)) return bad("Invalid LIST return options");
    }
    return ok(std::move(cmd));
}

outcome parse_lsub(context& x) {
    lsub_command cmd;
    auto reference = x.c.astring();
    const argument* pattern = reference ? x.c.next() : nullptr;
    auto p = pattern ? list_mailbox(*pattern) : std::nullopt;
    if (!p) return bad("LSUB needs a reference and a pattern");
    cmd.reference = std::move(*reference);
    cmd.pattern = std::move(*p);
    return ok(std::move(cmd));
}

outcome parse_status(context& x) {
    status_command cmd;
    auto mailbox = x.c.astring();
    const argument* items = mailbox ? x.c.next() : nullptr;
    auto parsed = items ? status_items(*items) : std::nullopt;
    if (!parsed) return bad("STATUS needs a mailbox and a list of items");
    cmd.mailbox = std::move(*mailbox);
    cmd.items = std::move(*parsed);
    return ok(std::move(cmd));
}

}  // namespace mailroom::imap::detail
