// sandbox fault scenarios: TOML / JSON -> fault_rule, rule -> JSON (see header).
#include "sandbox/fault_scenario.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <boost/json.hpp>

#include <limits>

namespace mailroom::sandbox {

namespace {

using fields = std::map<std::string, field_value>;
using outcome = std::variant<fault_rule, std::string>;

constexpr std::string_view known_keys[] = {"name",        "protocol",         "listener",   "command", "user", "nth",
                                           "nth_overall", "probability",      "action",     "times",   "code", "text",
                                           "delay_ms",    "bytes_per_second", "keep_bytes", "kind"};

const std::string* get_string(const fields& f, const std::string& key, std::string& err) {
    auto it = f.find(key);
    if (it == f.end()) return nullptr;
    if (auto* s = std::get_if<std::string>(&it->second)) return s;
    err = fmt::format("\"{}\" must be a string", key);
    return nullptr;
}

std::optional<std::int64_t> get_int(const fields& f, const std::string& key, std::int64_t lo, std::int64_t hi,
                                    std::string& err) {
    auto it = f.find(key);
    if (it == f.end()) return std::nullopt;
    auto* n = std::get_if<std::int64_t>(&it->second);
    if (!n) {
        err = fmt::format("\"{}\" must be an integer", key);
        return std::nullopt;
    }
    if (*n < lo || *n > hi) {
        err = fmt::format("\"{}\" must be between {} and {}", key, lo, hi);
        return std::nullopt;
    }
    return *n;
}

}  // namespace

outcome fault_rule_from_fields(const fields& f) {
    std::string err;
    for (const auto& [key, value] : f)
        if (std::find(std::begin(known_keys), std::end(known_keys), key) == std::end(known_keys))
            return fmt::format("unknown key \"{}\"", key.substr(0, 64));
    fault_rule r;
    auto text_field = [&](const char* key, std::string& out) {
        if (const std::string* s = get_string(f, key, err)) out = s->substr(0, 256);
    };
    text_field("name", r.name);
    text_field("protocol", r.match.protocol);
    text_field("listener", r.match.listener);
    text_field("command", r.match.command);
    text_field("user", r.match.user);
    if (!err.empty()) return err;
    if (!r.match.protocol.empty() && r.match.protocol != "smtp" && r.match.protocol != "pop3" &&
        r.match.protocol != "imap")
        return "\"protocol\" must be \"smtp\", \"pop3\" or \"imap\"";
    if (auto n = get_int(f, "nth", 0, 1'000'000, err)) r.match.nth_in_session = static_cast<unsigned>(*n);
    if (auto n = get_int(f, "nth_overall", 0, 1'000'000, err)) r.match.nth_overall = static_cast<unsigned>(*n);
    if (!err.empty()) return err;
    if (auto it = f.find("probability"); it != f.end()) {
        double p = 0;
        if (auto* d = std::get_if<double>(&it->second)) p = *d;
        else if (auto* i = std::get_if<std::int64_t>(&it->second)) p = static_cast<double>(*i);
        else return "\"probability\" must be a number";
        if (!(p >= 0.0 && p <= 1.0)) return "\"probability\" must be between 0 and 1";
        r.match.probability = p;
    }
    if (auto it = f.find("times"); it != f.end()) {
        if (auto* s = std::get_if<std::string>(&it->second)) {
            if (*s == "once") r.times = 1;
            else if (*s == "always") r.times = 0;
            else return "\"times\" must be \"once\", \"always\" or a count";
        } else if (auto n = get_int(f, "times", 1, 1'000'000, err)) {
            r.times = static_cast<unsigned>(*n);
        } else {
            return err;
        }
    }
    const std::string* action = get_string(f, "action", err);
    if (!action) return err.empty() ? std::string("\"action\" is missing") : err;
    if (*action == "error") {
        error_reply e;
        if (auto n = get_int(f, "code", 0, 599, err)) e.code = static_cast<int>(*n);
        text_field("text", e.text);
        r.action = e;
    } else if (*action == "delay") {
        auto n = get_int(f, "delay_ms", 0, 600'000, err);
        if (!n && err.empty()) return "delay needs \"delay_ms\"";
        if (n) r.action = delay_reply{std::chrono::milliseconds(*n)};
    } else if (*action == "drip") {
        auto n = get_int(f, "bytes_per_second", 1, 1'000'000, err);
        if (!n && err.empty()) return "drip needs \"bytes_per_second\"";
        if (n) r.action = drip_reply{static_cast<unsigned>(*n)};
    } else if (*action == "truncate") {
        auto n = get_int(f, "keep_bytes", 0, 1 << 30, err);
        r.action = truncate_drop{static_cast<std::size_t>(n.value_or(0))};
    } else if (*action == "drop") {
        r.action = drop_connection{};
    } else if (*action == "malformed") {
        const std::string* kind = get_string(f, "kind", err);
        if (!kind) return err.empty() ? std::string("malformed needs \"kind\"") : err;
        if (*kind == "wrong_octet_count") r.action = malformed_reply{malformation::wrong_octet_count};
        else if (*kind == "bare_lf") r.action = malformed_reply{malformation::bare_lf};
        else if (*kind == "missing_final_dot") r.action = malformed_reply{malformation::missing_final_dot};
        else return "\"kind\" must be \"wrong_octet_count\", \"bare_lf\" or \"missing_final_dot\"";
    } else if (*action == "tls_failure") {
        r.action = tls_failure{};
    } else {
        return fmt::format("unknown action \"{}\"", action->substr(0, 64));
    }
    if (!err.empty()) return err;
    return r;
}

fault_scenario parse_fault_scenario(std::string_view toml_text) {
    fault_scenario out;
    if (toml_text.size() > max_scenario_bytes) {
        out.errors.push_back(fmt::format("scenario larger than {} bytes", max_scenario_bytes));
        return out;
    }
    toml::table doc;
    try {
        doc = toml::parse(toml_text, std::string("faults"));
    } catch (const toml::parse_error& e) {
        out.errors.push_back(fmt::format("line {}: {}", e.source().begin.line, e.description()));
        return out;
    }
    for (auto&& [key, node] : doc) {
        if (key.str() == "seed") {
            // value_exact: value<int64_t>() would convert a float, and one
            // out of int64's range is undefined behaviour inside toml++.
            auto v = node.value_exact<std::int64_t>();
            if (!v || *v < 0)
                out.errors.push_back(
                    fmt::format("line {}: \"seed\" must be an integer >= 0", node.source().begin.line));
            else out.seed = static_cast<std::uint64_t>(*v);
        } else if (key.str() != "fault") {
            out.errors.push_back(
                fmt::format("line {}: unknown key \"{}\"", node.source().begin.line, key.str().substr(0, 64)));
        }
    }
    if (const toml::node* faults = doc.get("fault")) {
        const toml::array* arr = faults->as_array();
        if (!arr) {
            out.errors.push_back(
                fmt::format("line {}: \"fault\" must be [[fault]] tables", faults->source().begin.line));
            return out;
        }
        if (arr->size() > max_scenario_rules)
            out.errors.push_back(fmt::format("more than {} rules", max_scenario_rules));
        for (const toml::node& item : *arr) {
            if (out.errors.size() > 20) break;
            auto line = item.source().begin.line;
            const toml::table* tbl = item.as_table();
            if (!tbl) {
                out.errors.push_back(fmt::format("line {}: a fault must be a table", line));
                continue;
            }
            fields f;
            bool typed = true;
            for (auto&& [k, v] : *tbl) {
                std::string name(k.str());
                if (auto s = v.value_exact<std::string>()) f[name] = *s;
                else if (auto b = v.value_exact<bool>()) f[name] = *b;
                else if (auto i = v.value_exact<std::int64_t>()) f[name] = *i;
                else if (auto d = v.value_exact<double>()) f[name] = *d;
                else {
                    out.errors.push_back(fmt::format("line {}: \"{}\" has an unsupported type", v.source().begin.line,
                                                     name.substr(0, 64)));
                    typed = false;
                }
            }
            if (!typed) continue;
            auto rule = fault_rule_from_fields(f);
            if (auto* msg = std::get_if<std::string>(&rule))
                out.errors.push_back(fmt::format("line {}: {}", line, *msg));
            else out.rules.push_back(std::get<fault_rule>(std::move(rule)));
        }
    }
    if (!out.errors.empty()) out.rules.clear();
    return out;
}

std::variant<fault_rule, std::string> fault_rule_from_json(const boost::json::value& v) {
    const boost::json::object* obj = v.if_object();
    if (!obj) return std::string("a fault rule must be a JSON object");
    if (obj->size() > 64) return std::string("too many keys");
    fields f;
    for (const auto& [k, val] : *obj) {
        std::string name(k);
        if (val.is_string()) f[name] = std::string(val.get_string());
        else if (val.is_bool()) f[name] = val.get_bool();
        else if (val.is_int64()) f[name] = val.get_int64();
        else if (val.is_uint64() &&
                 val.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            f[name] = static_cast<std::int64_t>(val.get_uint64());
        else if (val.is_double()) f[name] = val.get_double();
        else return fmt::format("\"{}\" has an unsupported type", name.substr(0, 64));
    }
    return fault_rule_from_fields(f);
}

boost::json::value to_json(const fault_rule& r) {
    boost::json::object o;
    o["id"] = r.id;
    o["name"] = r.name;
    o["protocol"] = r.match.protocol;
    o["listener"] = r.match.listener;
    o["command"] = r.match.command;
    o["user"] = r.match.user;
    o["nth"] = r.match.nth_in_session;
    o["nth_overall"] = r.match.nth_overall;
    o["probability"] = r.match.probability;
    o["action"] = action_name(r.action);
    o["times"] = r.times == 0 ? boost::json::value("always") : boost::json::value(r.times);
    o["fired"] = r.fired;
    struct params {
        boost::json::object& o;
        void operator()(const error_reply& e) const {
            o["code"] = e.code;
            o["text"] = e.text;
        }
        void operator()(const delay_reply& d) const { o["delay_ms"] = d.by.count(); }
        void operator()(const drip_reply& d) const { o["bytes_per_second"] = d.bytes_per_second; }
        void operator()(const truncate_drop& t) const { o["keep_bytes"] = t.keep_bytes; }
        void operator()(const drop_connection&) const {}
        void operator()(const malformed_reply& m) const { o["kind"] = malformation_name(m.kind); }
        void operator()(const tls_failure&) const {}
    };
    std::visit(params{o}, r.action);
    return o;
}

}  // namespace mailroom::sandbox
