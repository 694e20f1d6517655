// config::detail::fields: typed access to the keys of a TOML table that
// records a diagnostic (with the node's line and column) for every problem
// instead of stopping at the first. A getter returns nullopt both when the
// key is absent (no diagnostic) and when it is unusable (one diagnostic).
// Private to src/config.
#pragma once

#include <toml++/toml.h>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"

namespace mailroom::config::detail {

// One element of an array of strings, with its node for diagnostics.
struct string_item {
    std::string value;
    const toml::node* node;
};

class fields {
public:
    fields(std::string source, std::vector<diagnostic>& out) : source_(std::move(source)), out_(out) {}

    // The name diagnostics carry (the configuration file's path for load_file).
    const std::string& source() const noexcept { return source_; }

    void error(const toml::source_region& where, std::string message);
    void error(const toml::node& where, std::string message) { error(where.source(), std::move(message)); }

    // Every key of `tbl` not in `allowed` is an error "unknown key 'k' IN",
    // with a suggestion when a known key is spelt almost the same.
    void only_keys(const toml::table& tbl, std::span<const std::string_view> allowed, std::string_view in);

    std::optional<std::string> string(const toml::table& tbl, std::string_view key);
    // A string that must not be empty.
    std::optional<std::string> text(const toml::table& tbl, std::string_view key);
    std::optional<bool> boolean(const toml::table& tbl, std::string_view key);
    // An integer within [min, max].
    std::optional<std::int64_t> integer(const toml::table& tbl, std::string_view key, std::int64_t min,
                                        std::int64_t max);
    // A number within [min, max], written as an integer or a float (NaN and
    // the infinities are out of any range).
    std::optional<double> number(const toml::table& tbl, std::string_view key, double min, double max);
    // An array whose elements are all strings (an empty array is fine).
    std::optional<std::vector<string_item>> strings(const toml::table& tbl, std::string_view key);

private:
    std::string source_;
    std::vector<diagnostic>& out_;
};

// "a string", "an integer", ... for "must be X, not Y" messages.
std::string_view type_phrase(toml::node_type type);

}  // namespace mailroom::config::detail
