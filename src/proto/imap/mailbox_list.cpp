// imap::mailbox_list (mailbox_list.hpp): LIST/LSUB selection and attributes.
#include "proto/imap/mailbox_list.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "proto/common/keyword.hpp"

namespace mailroom::imap {
namespace {

constexpr char delimiter = '.';

std::string canonical(std::string_view name) {
    if (proto::keyword_equals(name, "INBOX")) return "INBOX";
    return std::string(name);
}

// Names with a given prefix are contiguous in plain byte order, so the
// names below a parent are one range of the set.
using name_set = std::set<std::string, std::less<>>;

bool any_below(const name_set& set, const std::string& parent, const std::vector<std::string>* unmatched_by = nullptr) {
    const std::string prefix = parent + delimiter;
    for (auto it = set.lower_bound(prefix); it != set.end() && it->starts_with(prefix); ++it) {
        if (!unmatched_by) return true;
        if (std::none_of(unmatched_by->begin(), unmatched_by->end(),
                         [&](const std::string& p) { return list_matches(p, *it); }))
            return true;
    }
    return false;
}

void add(std::string& attributes, std::string_view a) {
    if (!attributes.empty()) attributes += ' ';
    attributes += a;
}

}  // namespace

bool list_matches(std::string_view pattern, std::string_view name) {
    // at[j]: pattern[i..] matches name[j..], computed for i from the end.
    std::vector<char> at(name.size() + 1, 0), next(name.size() + 1, 0);
    next[name.size()] = 1;  // the empty pattern matches the empty rest
    for (std::size_t i = pattern.size(); i-- > 0;) {
        const char p = pattern[i];
        for (std::size_t j = name.size() + 1; j-- > 0;) {
            const bool more = j < name.size();
            if (p == '*') at[j] = next[j] || (more && at[j + 1]);
            else if (p == '%') at[j] = next[j] || (more && name[j] != delimiter && at[j + 1]);
            else at[j] = more && name[j] == p && next[j + 1];
        }
        std::swap(at, next);
    }
    return next[0] != 0;
}

std::string full_pattern(std::string_view reference, std::string_view pattern) {
    std::string full = std::string(reference) + std::string(pattern);
    if (proto::keyword_prefix(full, "INBOX") &&
        (full.size() == 5 || full[5] == delimiter || full[5] == '*' || full[5] == '%'))
        full.replace(0, 5, "INBOX");
    return full;
}

std::vector<list_entry> list_mailboxes(const folder_list& store, const list_selection& sel) {
    name_set exists, subscribed;
    std::map<std::string, std::string, std::less<>> special;
    for (std::size_t k = 0; k < store.folders.size(); ++k) {
        exists.insert(canonical(store.folders[k]));
        if (k < store.special_use.size() && !store.special_use[k].empty())
            special.emplace(canonical(store.folders[k]), store.special_use[k]);
    }
    for (const auto& s : store.subscribed) subscribed.insert(canonical(s));

    // What the selection options select (RFC 5258 §3.1), then their parents.
    name_set base = sel.lsub || sel.subscribed ? subscribed : exists;
    if (sel.special_use) std::erase_if(base, [&](const std::string& n) { return !special.contains(n); });
    name_set candidates = base;
    for (const auto& b : base)
        for (std::size_t dot = b.find(delimiter); dot != std::string::npos; dot = b.find(delimiter, dot + 1))
            if (dot > 0) candidates.insert(b.substr(0, dot));

    std::vector<list_entry> out;
    for (const auto& n : candidates) {
        if (std::none_of(sel.patterns.begin(), sel.patterns.end(),
                         [&](const std::string& p) { return list_matches(p, n); }))
            continue;
        const bool selected = base.contains(n), is_mailbox = exists.contains(n);
        list_entry e{n, {}, is_mailbox && !sel.lsub, false};
        if (!selected) {
            if (sel.recursive) {
                // RFC 5258 §3.5: a parent of selected names is listed for them.
                if (!any_below(base, n)) continue;
            } else if (sel.subscribed || sel.special_use || !any_below(base, n, &sel.patterns)) {
                // RFC 3501 §6.3.9: "%" returns the parent, not the child.
                continue;
            }
        }
        e.childinfo_subscribed = sel.recursive && sel.subscribed && any_below(base, n);
        if (sel.lsub) {
            // RFC 3501 §6.3.9: a parent that is not itself subscribed is \Noselect.
            if (!selected || !is_mailbox) add(e.attributes, "\\Noselect");
        } else {
            if (!is_mailbox) add(e.attributes, sel.nonexistent ? "\\NonExistent" : "\\Noselect");
            if (sel.return_subscribed && subscribed.contains(n)) add(e.attributes, "\\Subscribed");
            if (any_below(exists, n)) add(e.attributes, "\\HasChildren");
            else if (is_mailbox) add(e.attributes, "\\HasNoChildren");
            if (auto s = special.find(n); is_mailbox && s != special.end()) add(e.attributes, s->second);
        }
        out.push_back(std::move(e));
    }
    // The store's order: INBOX first (it sorts after upper-case names).
    std::stable_partition(out.begin(), out.end(), [](const list_entry& e) { return e.name == "INBOX"; });
    return out;
}

}  // namespace mailroom::imap
