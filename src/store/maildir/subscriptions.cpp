#include "store/maildir/subscriptions.hpp"

#include <algorithm>

namespace mailroom::store::maildir {
namespace {

constexpr std::size_t max_name_bytes = 1024;
constexpr std::string_view v2_header = "V\t2\n";

}  // namespace

std::optional<std::vector<std::string>> parse_subscriptions(std::string_view text) {
    const bool v2 = text.starts_with(v2_header);
    if (v2) {
        // Header lines up to the first empty one.
        auto end = text.find("\n\n");
        if (end == std::string_view::npos) return std::nullopt;
        text.remove_prefix(end + 2);
    }
    std::vector<std::string> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;
        std::string name(text.substr(0, nl));
        text.remove_prefix(nl + 1);
        if (name.empty() || name.size() > max_name_bytes) return std::nullopt;
        if (v2) std::replace(name.begin(), name.end(), '\t', '.');
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

std::string serialize_subscriptions(const std::vector<std::string>& names) {
    std::string out(v2_header);
    out += '\n';
    for (auto name : names) {
        std::replace(name.begin(), name.end(), '.', '\t');
        out += name;
        out += '\n';
    }
    return out;
}

}  // namespace mailroom::store::maildir
