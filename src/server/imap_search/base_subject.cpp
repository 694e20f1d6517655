// RFC 5256 §2.1 steps (1)-(6), each a small function over the text.
#include "server/imap_search/base_subject.hpp"

namespace mailroom::imap_search {
namespace {

bool wsp(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (lower(s[i]) != p[i]) return false;
    return true;
}

// Step (1): runs of white space (folding included) become one space.
std::string collapse(std::string_view s) {
    std::string out;
    bool space = false;
    for (const char c : s) {
        if (wsp(c) || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    if (space && !out.empty()) out += ' ';
    return out;
}

// Step (2): trailing WSP and "(fwd)", repeatedly.
void strip_trailer(std::string& s, bool& reply) {
    for (;;) {
        if (!s.empty() && wsp(s.back())) {
            s.pop_back();
        } else if (s.size() >= 5 && starts_with_nocase(std::string_view(s).substr(s.size() - 5), "(fwd)")) {
            s.resize(s.size() - 5);
            reply = true;
        } else {
            return;
        }
    }
}

// subj-blob = "[" *BLOBCHAR "]" *WSP; the length, 0 if none at `s`.
std::size_t blob_at(std::string_view s) {
    if (s.empty() || s[0] != '[') return 0;
    std::size_t i = 1;
    while (i < s.size() && s[i] != '[' && s[i] != ']') ++i;
    if (i >= s.size() || s[i] != ']') return 0;
    ++i;
    while (i < s.size() && wsp(s[i])) ++i;
    return i;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; its length or 0.
std::size_t refwd_at(std::string_view s) {
    std::size_t i;
    if (starts_with_nocase(s, "re")) i = 2;
    else if (starts_with_nocase(s, "fwd")) i = 3;
    else if (starts_with_nocase(s, "fw")) i = 2;
    else return 0;
    while (i < s.size() && wsp(s[i])) ++i;
    i += blob_at(s.substr(i));
    if (i < s.size() && s[i] == ':') return i + 1;
    return 0;
}

// Step (3): subj-leader = (*subj-blob subj-refwd) / WSP, repeatedly.
bool strip_leader(std::string& s, bool& reply) {
    bool changed = false;
    for (;;) {
        std::string_view v = s;
        if (!v.empty() && wsp(v[0])) {
            s.erase(0, 1);
            changed = true;
            continue;
        }
        std::size_t i = 0;
        while (auto b = blob_at(v.substr(i))) i += b;
        if (const auto r = refwd_at(v.substr(i))) {
            s.erase(0, i + r);
            changed = reply = true;
            continue;
        }
        return changed;
    }
}

// Step (4): a leading subj-blob, if something is left after it.
bool strip_blob(std::string& s) {
    const auto b = blob_at(s);
    if (b == 0 || b == s.size()) return false;
    s.erase(0, b);
    return true;
}

}  // namespace

subject_base base_subject(std::string_view decoded) {
    subject_base out;
    std::string s = collapse(decoded);
    for (;;) {
        strip_trailer(s, out.reply);
        bool changed = true;
        while (changed) {  // step (5)
            const bool leader = strip_leader(s, out.reply);
            const bool blob = strip_blob(s);
            changed = leader || blob;
        }
        // Step (6): "[fwd:" ... "]" wraps a forwarded subject.
        if (starts_with_nocase(s, "[fwd:") && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            out.reply = true;
            continue;
        }
        break;
    }
    out.text = std::move(s);
    return out;
}

}  // namespace mailroom::imap_search
