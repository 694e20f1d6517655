#include "config/fields.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace mailroom::config::detail {
namespace {

// Levenshtein distance; keys are short, so the O(n·m) table is fine.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The allowed key closest to `key` if it is a plausible typo of it.
std::string_view closest(std::string_view key, std::span<const std::string_view> allowed) {
    std::string_view best;
    std::size_t best_distance = 3;  // at most two edits
    for (auto candidate : allowed) {
        const auto d = edit_distance(key, candidate);
        if (d < best_distance && d < candidate.size()) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

// Shortest natural form: 2, 0.5, 1e+300, nan.
std::string number_text(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

}  // namespace

std::string_view type_phrase(toml::node_type type) {
    switch (type) {
        case toml::node_type::none: return "nothing";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
    }
    return "an unknown type";
}

void fields::error(const toml::source_region& where, std::string message) {
    out_.push_back(
        {source_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column), std::move(message)});
}

void fields::only_keys(const toml::table& tbl, std::span<const std::string_view> allowed, std::string_view in) {
    for (auto&& [key, node] : tbl) {
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
        std::string message = "unknown key " + quoted(key.str());
        if (!in.empty()) message += " in " + std::string(in);
        if (auto guess = closest(key.str(), allowed); !guess.empty())
            message += " (did you mean " + quoted(guess) + "?)";
        error(key.source(), std::move(message));
    }
}

std::optional<std::string> fields::string(const toml::table& tbl, std::string_view key) {
    const toml::node* n = tbl.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value_exact<std::string>()) return *v;
    error(*n, quoted(key) + " must be a string, not " + std::string(type_phrase(n->type())));
    return std::nullopt;
}

std::optional<std::string> fields::text(const toml::table& tbl, std::string_view key) {
    auto v = string(tbl, key);
    if (v && v->empty()) {
        error(*tbl.get(key), quoted(key) + " must not be empty");
        return std::nullopt;
    }
    return v;
}

std::optional<bool> fields::boolean(const toml::table& tbl, std::string_view key) {
    const toml::node* n = tbl.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value_exact<bool>()) return *v;
    error(*n, quoted(key) + " must be true or false, not " + std::string(type_phrase(n->type())));
    return std::nullopt;
}

std::optional<std::int64_t> fields::integer(const toml::table& tbl, std::string_view key, std::int64_t min,
                                            std::int64_t max) {
    const toml::node* n = tbl.get(key);
    if (!n) return std::nullopt;
    auto v = n->value_exact<std::int64_t>();
    if (!v) {
        error(*n, quoted(key) + " must be an integer, not " + std::string(type_phrase(n->type())));
        return std::nullopt;
    }
    if (*v < min || *v > max) {
        error(*n, quoted(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                      std::to_string(*v));
        return std::nullopt;
    }
    return v;
}

std::optional<double> fields::number(const toml::table& tbl, std::string_view key, double min, double max) {
    const toml::node* n = tbl.get(key);
    if (!n) return std::nullopt;
    std::optional<double> v;
    if (auto f = n->value_exact<double>()) v = *f;
    else if (auto i = n->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    if (!v) {
        error(*n, quoted(key) + " must be a number, not " + std::string(type_phrase(n->type())));
        return std::nullopt;
    }
    // Written so that NaN fails too.
    if (!(*v >= min && *v <= max)) {
        error(*n, quoted(key) + " must be between " + number_text(min) + " and " + number_text(max) + ", not " +
                      number_text(*v));
        return std::nullopt;
    }
    return v;
}

std::optional<std::vector<string_item>> fields::strings(const toml::table& tbl, std::string_view key) {
    const toml::node* n = tbl.get(key);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) {
        error(*n, quoted(key) + " must be an array of strings, not " + std::string(type_phrase(n->type())));
        return std::nullopt;
    }
    std::vector<string_item> out;
    bool ok = true;
    for (const toml::node& item : *arr) {
        if (auto s = item.value_exact<std::string>()) {
            out.push_back({*s, &item});
        } else {
            error(item, quoted(key) + " must contain only strings, not " + std::string(type_phrase(item.type())));
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

}  // namespace mailroom::config::detail
