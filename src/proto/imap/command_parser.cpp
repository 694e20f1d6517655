// imap::parse_command: the command table (name -> argument parser, UID
// forms) and the parsers of the session and authentication commands
// (RFC 9051 §6.1, §6.2; RFC 2971 ID; RFC 4959 SASL-IR; RFC 5161 ENABLE).
#include "proto/imap/command_parser.hpp"

#include <span>
#include <string_view>

#include "proto/common/keyword.hpp"
#include "proto/imap/detail/command_parsers.hpp"

namespace mailroom::imap {
namespace detail {
namespace {

template <class T>
outcome no_arguments(context&) {
    return ok(T{});
}

// RFC 4959 §3: the initial response is base64, or "=" for an empty one.
bool is_base64_or_empty(std::string_view s) noexcept {
    if (s == "=") return true;
    if (s.empty() || s.size() % 4 != 0) return false;
    std::size_t pad = 0;
    for (const char c : s) {
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                           c == '/';
        if (c == '=') ++pad;
        else if (!alpha || pad > 0) return false;
    }
    return pad <= 2;
}

outcome parse_authenticate(context& x) {
    authenticate_command cmd;
    auto mech = x.c.atom();  // auth-type = atom
    if (!mech) return bad("Missing SASL mechanism");
    cmd.mechanism = std::move(*mech);
    if (!x.c.done()) {
        auto ir = x.c.atom();
        if (!ir || !is_base64_or_empty(*ir)) return bad("Invalid initial response");
        cmd.initial_response = std::move(*ir);
    }
    return ok(std::move(cmd));
}

outcome parse_login(context& x) {
    login_command cmd;
    auto user = x.c.astring();
    auto pass = user ? x.c.astring() : std::nullopt;
    if (!pass) return bad("LOGIN needs a user name and a password");
    cmd.user = std::move(*user);
    cmd.password = std::move(*pass);
    return ok(std::move(cmd));
}

outcome parse_enable(context& x) {
    enable_command cmd;
    while (!x.c.done()) {
        auto cap = x.c.atom();
        if (!cap) return bad("Invalid capability name");
        cmd.capabilities.push_back(std::move(*cap));
    }
    if (cmd.capabilities.empty()) return bad("ENABLE needs a capability");  // RFC 5161 §3: 1*(SP capability)
    return ok(std::move(cmd));
}

// RFC 2971 §3.1: at most 30 pairs, fields up to 30 octets, values 1024.
outcome parse_id(context& x) {
    id_command cmd;
    const argument* a = x.c.next();
    if (!a) return bad("ID needs NIL or a list");
    if (a->is_nil()) return ok(std::move(cmd));
    if (a->kind != argument_kind::list || a->children.size() % 2 != 0 || a->children.size() > 60)
        return bad("Invalid ID parameter list");
    cmd.fields.emplace();
    for (std::size_t i = 0; i < a->children.size(); i += 2) {
        const auto& field = a->children[i];
        const auto& value = a->children[i + 1];
        if (!field.is_string() || field.binary || field.text.size() > 30 || !value.is_nstring() || value.binary ||
            value.text.size() > 1024)
            return bad("Invalid ID parameter list");
        std::optional<std::string> v;
        if (!value.is_nil()) v = value.text;
        cmd.fields->emplace_back(field.text, std::move(v));
    }
    return ok(std::move(cmd));
}

using parser_fn = outcome (*)(context&);
struct entry {
    std::string_view name;
    parser_fn parse;
    bool uid_form;  // valid after "UID" (RFC 9051 §6.4.9, RFC 4315, 6851, 5256)
};

constexpr entry table[] = {
    {"CAPABILITY", &no_arguments<capability_command>, false},
    {"NOOP", &no_arguments<noop_command>, false},
    {"LOGOUT", &no_arguments<logout_command>, false},
    {"ID", &parse_id, false},
    {"STARTTLS", &no_arguments<starttls_command>, false},
    {"AUTHENTICATE", &parse_authenticate, false},
    {"LOGIN", &parse_login, false},
    {"ENABLE", &parse_enable, false},
    {"SELECT", &parse_select, false},
    {"EXAMINE", &parse_examine, false},
    {"CREATE", &parse_create, false},
    {"DELETE", &parse_delete, false},
    {"RENAME", &parse_rename, false},
    {"SUBSCRIBE", &parse_subscribe, false},
    {"UNSUBSCRIBE", &parse_unsubscribe, false},
    {"LIST", &parse_list, false},
    {"LSUB", &parse_lsub, false},
    {"NAMESPACE", &no_arguments<namespace_command>, false},
    {"STATUS", &parse_status, false},
    {"APPEND", &parse_append, false},
    {"IDLE", &no_arguments<idle_command>, false},
    {"CHECK", &no_arguments<check_command>, false},
    {"CLOSE", &no_arguments<close_command>, false},
    {"UNSELECT", &no_arguments<unselect_command>, false},
    {"EXPUNGE", &parse_expunge, true},
    {"SEARCH", &parse_search, true},
    {"FETCH", &parse_fetch, true},
    {"STORE", &parse_store, true},
    {"COPY", &parse_copy, true},
    {"MOVE", &parse_move, true},
    {"SORT", &parse_sort, true},
    {"THREAD", &parse_thread, true},
    {"GETQUOTA", &parse_getquota, false},  // RFC 9208
    {"GETQUOTAROOT", &parse_getquotaroot, false},
    {"SETQUOTA", &parse_setquota, false},
};

const entry* find(std::string_view name) noexcept {
    for (const auto& e : table)
        if (proto::keyword_equals(name, e.name)) return &e;
    return nullptr;
}

// A token glued to a ")" is only grammar inside FETCH's section specs.
bool has_glued(std::span<const argument> args) noexcept {
    for (const auto& a : args)
        if (a.glued || (a.kind == argument_kind::list && has_glued(a.children))) return true;
    return false;
}

}  // namespace

search_limits search_limits_of(const limits& lim) {
    return search_limits{lim.max_search_depth, lim.max_search_keys, lim.max_sequence_ranges};
}

std::optional<sequence_set> sequence_set_arg(cursor& c, const limits& lim) {
    const argument* a = c.peek();
    if (!a || a->kind != argument_kind::atom) return std::nullopt;
    auto set = parse_sequence_set(a->text, lim.max_sequence_ranges);
    if (set) c.next();
    return set;
}

}  // namespace detail

parse_result parse_command(raw_command raw, const limits& lim) {
    parse_result out;
    const detail::entry* e = detail::find(raw.name);
    bool uid = false;
    std::size_t skip = 0;
    if (proto::keyword_equals(raw.name, "UID")) {
        uid = true;
        skip = 1;
        e = raw.args.empty() ? nullptr : detail::find(raw.args[0].kind == argument_kind::atom ? raw.args[0].text : "");
        if (!e || !e->uid_form) {
            out.failure = parse_failure{parse_failure_kind::unknown_command, "Unknown UID command"};
            return out;
        }
    }
    if (!e) {
        out.failure = parse_failure{parse_failure_kind::unknown_command, "Unknown command"};
        return out;
    }
    const bool fetch = e->parse == &detail::parse_fetch;
    if (!fetch && detail::has_glued(raw.args)) {
        out.failure = parse_failure{parse_failure_kind::syntax, "Missing space after )"};
        return out;
    }
    detail::context x{raw.args, detail::cursor(raw.args), lim, uid};
    x.c.skip(skip);
    auto result = e->parse(x);
    if (result.args && !x.c.done()) result = detail::bad("Unexpected extra arguments");
    if (!result.args) {
        if (result.failure.text.empty()) result.failure.text = "Invalid arguments";
        out.failure = std::move(result.failure);
        return out;
    }
    out.cmd = command{std::move(raw.tag), std::move(*result.args)};
    return out;
}

bool is_idle_done(std::string_view line) noexcept { return proto::keyword_equals(line, "DONE"); }

}  // namespace mailroom::imap
