// imap_search::evaluate: the SEARCH keys, in two passes per message - first
// with what the view knows (a key needing the text is "unknown"), then,
// only if that does not decide, with the header or the whole message read.
#include "server/imap_search/search_eval.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "mail/mime/casemap.hpp"
#include "mail/mime/search_text.hpp"
#include "proto/common/keyword.hpp"

namespace mailroom::imap_search {
namespace {

using imap::search_key;
using imap::search_op;

enum class tri { no, yes, unknown };
tri flip(tri t) { return t == tri::unknown ? t : (t == tri::yes ? tri::no : tri::yes); }
tri of(bool b) { return b ? tri::yes : tri::no; }

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
imap::date civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(yoe + era * 400 + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

int compare(const imap::date& a, const imap::date& b) {
    if (a.year != b.year) return a.year < b.year ? -1 : 1;
    if (a.month != b.month) return a.month < b.month ? -1 : 1;
    if (a.day != b.day) return a.day < b.day ? -1 : 1;
    return 0;
}

bool is_string_key(search_op op) {
    switch (op) {
        case search_op::bcc:
        case search_op::body:
        case search_op::cc:
        case search_op::from:
        case search_op::subject:
        case search_op::text:
        case search_op::to:
        case search_op::header: return true;
        default: return false;
    }
}

// The program with every string replaced by its casemap key, made once.
search_key prepared(const search_key& k) {
    search_key p = k;
    if (is_string_key(p.op)) p.text = mime::casemap_key(p.text);
    for (auto& c : p.children) c = prepared(c);
    return p;
}

// One message as far as it has been read.
struct message {
    const imap::message_state& state;
    std::uint32_t seq;
    message_source& source;
    std::optional<std::string> header, whole;
    std::optional<mime::message_structure> structure;
    bool unreadable = false;

    const std::string* head() {
        if (!header && !unreadable) {
            if (whole) header = std::string(header_block(*whole));
            else if (auto h = source.header(state.uid)) header = std::move(*h);
            else unreadable = true;
        }
        return header ? &*header : nullptr;
    }
    const std::string* bytes() {
        if (!whole && !unreadable) {
            if (auto b = source.message(state.uid)) whole = std::move(*b);
            else unreadable = true;
        }
        return whole ? &*whole : nullptr;
    }
    const mime::message_structure* parts() {
        if (!structure && bytes()) structure = source.structure(state.uid, *whole);
        return structure ? &*structure : nullptr;
    }
};

class evaluator {
public:
    evaluator(const search_context& ctx) : ctx_(ctx) {
        largest_uid_ = ctx.view.empty() ? 0 : ctx.view.back().uid;
        zone_ = ctx.zone_offset ? ctx.zone_offset : &local_zone_offset;
    }

    tri cheap(const search_key& k, const imap::message_state& m, std::uint32_t seq) const {
        switch (k.op) {
            case search_op::and_: {
                tri r = tri::yes;
                for (const auto& c : k.children) {
                    const auto t = cheap(c, m, seq);
                    if (t == tri::no) return tri::no;
                    if (t == tri::unknown) r = tri::unknown;
                }
                return r;
            }
            case search_op::or_: {
                tri r = tri::no;
                for (const auto& c : k.children) {
                    const auto t = cheap(c, m, seq);
                    if (t == tri::yes) return tri::yes;
                    if (t == tri::unknown) r = tri::unknown;
                }
                return r;
            }
            case search_op::not_: return k.children.empty() ? tri::no : flip(cheap(k.children[0], m, seq));
            case search_op::all: return tri::yes;
            case search_op::answered: return of(m.flags & imap::flag_answered);
            case search_op::deleted: return of(m.flags & imap::flag_deleted);
            case search_op::draft: return of(m.flags & imap::flag_draft);
            case search_op::flagged: return of(m.flags & imap::flag_flagged);
            case search_op::seen: return of(m.flags & imap::flag_seen);
            case search_op::unanswered: return of(!(m.flags & imap::flag_answered));
            case search_op::undeleted: return of(!(m.flags & imap::flag_deleted));
            case search_op::undraft: return of(!(m.flags & imap::flag_draft));
            case search_op::unflagged: return of(!(m.flags & imap::flag_flagged));
            case search_op::unseen: return of(!(m.flags & imap::flag_seen));
            // RFC 3501 §6.4.4 (rev1; a rev2 session has no recent message).
            case search_op::recent: return of(m.recent);
            case search_op::new_: return of(m.recent && !(m.flags & imap::flag_seen));
            case search_op::old: return of(!m.recent);
            case search_op::keyword: return of(has_keyword(m, k.text));
            case search_op::unkeyword: return of(!has_keyword(m, k.text));
            case search_op::before: return of(compare(internal_day(m), k.day) < 0);
            case search_op::on: return of(compare(internal_day(m), k.day) == 0);
            case search_op::since: return of(compare(internal_day(m), k.day) >= 0);
            case search_op::larger: return of(m.size > k.number);
            case search_op::smaller: return of(m.size < k.number);
            case search_op::sequence:
                if (k.set.saved) return of(in_saved(m.uid));
                return of(k.set.contains(seq, static_cast<std::uint32_t>(ctx_.view.size())));
            case search_op::uid:
                if (k.set.saved) return of(in_saved(m.uid));
                return of(k.set.contains(m.uid, largest_uid_));
            case search_op::modseq: return of(m.modseq >= k.number);  // RFC 7162 §3.1.5
            default: return tri::unknown;                             // needs the message
        }
    }

    bool full(const search_key& k, message& msg) const {
        const auto t = cheap(k, msg.state, msg.seq);
        if (t != tri::unknown) return t == tri::yes;
        switch (k.op) {
            case search_op::and_:
                return std::all_of(k.children.begin(), k.children.end(), [&](const auto& c) { return full(c, msg); });
            case search_op::or_:
                return std::any_of(k.children.begin(), k.children.end(), [&](const auto& c) { return full(c, msg); });
            case search_op::not_: return !full(k.children[0], msg);
            case search_op::from: return field_contains(msg, "From", k.text);
            case search_op::to: return field_contains(msg, "To", k.text);
            case search_op::cc: return field_contains(msg, "Cc", k.text);
            case search_op::bcc: return field_contains(msg, "Bcc", k.text);
            case search_op::subject: return field_contains(msg, "Subject", k.text);
            case search_op::header: return field_contains(msg, k.field, k.text);
            case search_op::body: return body_contains(msg, k.text);
            case search_op::text: {
                const auto* h = msg.head();
                if (h && mime::casemap_contains_key(mime::decode_header_text(*h), k.text)) return true;
                return body_contains(msg, k.text);
            }
            case search_op::sentbefore:
            case search_op::senton:
            case search_op::sentsince: {
                const auto d = sent_day(msg);
                if (!d) return false;
                const int c = compare(*d, k.day);
                return k.op == search_op::sentbefore ? c < 0 : k.op == search_op::senton ? c == 0 : c >= 0;
            }
            default: return false;
        }
    }

private:
    static bool has_keyword(const imap::message_state& m, const std::string& kw) {
        return std::any_of(m.keywords.begin(), m.keywords.end(),
                           [&](const std::string& k) { return proto::keyword_equals(k, kw); });
    }
    bool in_saved(std::uint32_t uid) const { return std::binary_search(ctx_.saved.begin(), ctx_.saved.end(), uid); }
    imap::date internal_day(const imap::message_state& m) const {
        const auto local = m.internal_date + zone_(m.internal_date);
        return civil_from_days(local >= 0 ? local / 86400 : (local - 86399) / 86400);
    }
    static bool field_contains(message& msg, std::string_view name, const std::string& key) {
        const auto* h = msg.head();
        if (!h) return false;
        for (const auto& v : mime::header_field_values(*h, name))
            if (mime::casemap_contains_key(mime::decode_header_text(v), key)) return true;  // "" matches any field
        return false;
    }
    static std::optional<imap::date> sent_day(message& msg) {
        const auto* h = msg.head();
        if (!h) return std::nullopt;
        const auto values = mime::header_field_values(*h, "Date");
        if (values.empty()) return std::nullopt;
        const auto d = mime::sent_date(values.front());
        if (!d) return std::nullopt;
        return imap::date{d->year, static_cast<int>(d->month), static_cast<int>(d->day)};
    }
    static void collect(const mime::body_part& p, std::string_view stored, std::string_view key, bool& found) {
        if (found) return;
        if (p.is_multipart()) {
            for (const auto& c : p.children) collect(c, stored, key, found);
        } else if (p.is_message()) {
            // The encapsulated message's header is text of the body (RFC 9051 §6.4.4 BODY).
            const auto& inner = p.children.front();
            const auto h = stored.substr(inner.header_offset, inner.header_length);
            found = mime::casemap_contains_key(mime::decode_header_text(h), key);
            collect(inner, stored, key, found);
        } else if (p.is_text()) {
            found = mime::casemap_contains_key(mime::decode_text_body(stored, p), key);
        }
    }
    static bool body_contains(message& msg, const std::string& key) {
        const auto* s = msg.parts();
        if (!s) return false;
        bool found = false;
        collect(s->body, *msg.whole, key, found);
        return found;
    }

    const search_context& ctx_;
    std::uint32_t largest_uid_ = 0;
    long (*zone_)(std::int64_t) = nullptr;
};

}  // namespace

long local_zone_offset(std::int64_t when) {
    const std::time_t t = static_cast<std::time_t>(when);
    std::tm tm{};
    if (!localtime_r(&t, &tm)) return 0;
    return tm.tm_gmtoff;
}

std::vector<std::uint32_t> evaluate(const search_key& program, const search_context& ctx, message_source& source) {
    const auto p = prepared(program);
    evaluator ev(ctx);
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < ctx.view.size(); ++i) {
        const auto& m = ctx.view[i];
        if (m.gone) continue;  // expunged meanwhile: its number stays, it matches nothing
        const auto seq = static_cast<std::uint32_t>(i + 1);
        const auto t = ev.cheap(p, m, seq);
        if (t == tri::no) continue;
        if (t == tri::yes) {
            out.push_back(seq);
            continue;
        }
        message msg{m, seq, source, {}, {}, {}, false};
        if (ev.full(p, msg)) out.push_back(seq);
    }
    return out;
}

}  // namespace mailroom::imap_search
