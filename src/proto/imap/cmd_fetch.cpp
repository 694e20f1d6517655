// imap::session FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; RFC 3516
// BINARY; RFC 7162 CHANGEDSINCE/MODSEQ): items from the view answered here,
// the rest (ENVELOPE, BODY[...], BINARY...) one message at a time by the
// driver, bodies streamed by it as literals of the size it announced; the
// implicit \Seen of BODY[...] stored first and told with FLAGS. Also the
// UID prefix's dispatch. Engineer H1's part of the engine.
#include <chrono>

#include "common/errors.hpp"
#include "proto/imap/response_writer.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

bool needs_message(fetch_attribute a) {
    switch (a) {
        case fetch_attribute::flags:
        case fetch_attribute::internaldate:
        case fetch_attribute::rfc822_size:
        case fetch_attribute::uid:
        case fetch_attribute::modseq: return false;
        default: return true;
    }
}

// RFC 9051 §6.4.5: BODY[...] (not .PEEK), RFC822 and RFC822.TEXT set \Seen.
bool sets_seen(const fetch_item& i) {
    switch (i.what) {
        case fetch_attribute::rfc822:
        case fetch_attribute::rfc822_text: return true;
        case fetch_attribute::body_section:
        case fetch_attribute::binary: return !i.peek;
        default: return false;
    }
}

std::string section_name(const section_spec& s) {
    std::string out;
    for (const auto n : s.part) {
        if (!out.empty()) out += '.';
        out += std::to_string(n);
    }
    if (s.text == section_text::none) return out;
    if (!out.empty()) out += '.';
    switch (s.text) {
        case section_text::none: break;
        case section_text::header: out += "HEADER"; break;
        case section_text::header_fields: out += "HEADER.FIELDS"; break;
        case section_text::header_fields_not: out += "HEADER.FIELDS.NOT"; break;
        case section_text::text: out += "TEXT"; break;
        case section_text::mime: out += "MIME"; break;
    }
    if (s.text == section_text::header_fields || s.text == section_text::header_fields_not) {
        out += " (";
        for (std::size_t k = 0; k < s.fields.size(); ++k) {
            if (k) out += ' ';
            append_astring(out, s.fields[k]);
        }
        out += ')';
    }
    return out;
}

// The item's name in the response (RFC 9051 §7.5.2 msg-att): BODY.PEEK is
// answered as BODY, a partial by its origin only.
std::string item_name(const fetch_item& i) {
    auto origin = [&] { return i.partial ? "<" + std::to_string(i.partial->offset) + ">" : std::string(); };
    switch (i.what) {
        case fetch_attribute::envelope: return "ENVELOPE";
        case fetch_attribute::flags: return "FLAGS";
        case fetch_attribute::internaldate: return "INTERNALDATE";
        case fetch_attribute::rfc822: return "RFC822";
        case fetch_attribute::rfc822_header: return "RFC822.HEADER";
        case fetch_attribute::rfc822_size: return "RFC822.SIZE";
        case fetch_attribute::rfc822_text: return "RFC822.TEXT";
        case fetch_attribute::body: return "BODY";
        case fetch_attribute::bodystructure: return "BODYSTRUCTURE";
        case fetch_attribute::uid: return "UID";
        case fetch_attribute::body_section: return "BODY[" + section_name(i.section) + "]" + origin();
        case fetch_attribute::binary: return "BINARY[" + section_name(i.section) + "]" + origin();
        case fetch_attribute::binary_size: return "BINARY.SIZE[" + section_name(i.section) + "]";
        case fetch_attribute::modseq: return "MODSEQ";
    }
    return "?";
}

// date-time (RFC 9051 §9) of the internal date, in UTC.
std::string internal_date(std::int64_t seconds) {
    using namespace std::chrono;
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const sys_seconds t{std::chrono::seconds(seconds)};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "\"%02u-%s-%04d %02ld:%02ld:%02ld +0000\"", static_cast<unsigned>(ymd.day()),
                  months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

std::string_view uid_command_name(const command_args& a) {
    if (std::holds_alternative<fetch_command>(a)) return "FETCH";
    if (std::holds_alternative<store_command>(a)) return "STORE";
    if (std::holds_alternative<expunge_command>(a)) return "EXPUNGE";
    if (std::holds_alternative<search_command>(a)) return "SEARCH";
    if (std::holds_alternative<copy_command>(a)) return "COPY";
    if (std::holds_alternative<move_command>(a)) return "MOVE";
    if (std::holds_alternative<sort_command>(a)) return "SORT";
    if (std::holds_alternative<thread_command>(a)) return "THREAD";
    return {};
}

}  // namespace

// UID FETCH/STORE/EXPUNGE/...: the parser has typed the inner command with
// uid = true; it runs as that command's row does (RFC 9051 §6.4.9).
void session::cmd_uid(const command& c) {
    const auto* row = find(uid_command_name(c.args));
    if (!row || row->run == &session::cmd_uid) return bad("Unknown command.");
    (this->*row->run)(c);
}

void session::cmd_fetch(const command& c) {
    const auto& f = std::get<fetch_command>(c.args);
    // RFC 7162 §3.2.6: VANISHED needs ENABLE QRESYNC.
    if (f.vanished && !qresync_) return bad("VANISHED requires ENABLE QRESYNC.");
    // RFC 7162 §3.1: CHANGEDSINCE and the MODSEQ item enable CONDSTORE.
    bool modseq_item = false;
    for (const auto& i : f.items) modseq_item |= i.what == fetch_attribute::modseq;
    if (f.changedsince || modseq_item) enable_condstore();
    if (f.vanished) {  // the store's expunge history first (cmd_qresync.cpp)
        if (!selected_.resolve(f.set, f.uid)) return bad("Invalid message sequence set.");
        vanished_of_ = f;
        request(list_vanished{*f.changedsince});
        return wait_for(awaiting::vanished);
    }
    start_fetch(f);
}

void session::start_fetch(const fetch_command& f) {
    auto seqs = selected_.resolve(f.set, f.uid);
    if (!seqs) return bad("Invalid message sequence set.");
    fetch_run run;
    run.uid = f.uid;
    // RFC 9051 §6.4.9: UID FETCH answers always carry the UID.
    bool has_uid = false, has_modseq = false;
    for (const auto& i : f.items)
        has_uid |= i.what == fetch_attribute::uid, has_modseq |= i.what == fetch_attribute::modseq;
    auto plain = [](fetch_attribute a) {
        fetch_item i;
        i.what = a;
        return i;
    };
    if (f.uid && !has_uid) run.items.push_back(plain(fetch_attribute::uid));
    run.items.insert(run.items.end(), f.items.begin(), f.items.end());
    // RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ and keeps only newer messages.
    if (f.changedsince && !has_modseq) run.items.push_back(plain(fetch_attribute::modseq));
    for (const auto n : *seqs)
        if (!f.changedsince || selected_.at(n).modseq > *f.changedsince) run.seqs.push_back(n);
    bool seen = false;
    for (const auto& i : run.items) {
        if (needs_message(i.what)) run.storage.push_back(i);
        seen |= sets_seen(i);
    }
    run.flags_changed.assign(run.seqs.size(), false);
    fetch_ = std::move(run);
    std::vector<std::uint32_t> unseen;
    if (seen && !read_only_)
        for (std::size_t k = 0; k < fetch_->seqs.size(); ++k) {
            auto& m = selected_.at(fetch_->seqs[k]);
            if (m.gone || (m.flags & flag_seen)) continue;
            unseen.push_back(m.uid);
            fetch_->flags_changed[k] = true;
        }
    if (unseen.empty()) return fetch_continue();
    request(store_flags{std::move(unseen), store_mode::add, flag_seen, {}, std::nullopt});
    wait_for(awaiting::fetch_seen);
}

void session::fetch_continue() {
    auto& run = *fetch_;
    while (run.next < run.seqs.size()) {
        const auto seq = run.seqs[run.next];
        const auto& m = selected_.at(seq);
        if (!run.storage.empty()) {
            if (m.gone) {
                run.expunged = true;
                ++run.next;
                continue;
            }
            request(fetch_message{m.uid, run.storage});
            return wait_for(awaiting::fetch);
        }
        write_fetch(seq, run.flags_changed[run.next], nullptr);
        ++run.next;
    }
    const bool expunged = run.expunged, unknown = run.unknown_cte, failed = run.failed;
    fetch_.reset();
    if (failed) return no("SERVERBUG", "Some messages could not be read; try again later.");
    if (unknown) return no("UNKNOWN-CTE", "Unknown Content-Transfer-Encoding.");  // RFC 3516 §4.3
    // RFC 9051 §7.1: messages expunged by another session meanwhile.
    if (expunged) return no("EXPUNGEISSUED", "Some messages were expunged.");
    ok("", "FETCH completed.");
}

void session::message_fetched(result<fetched_message> m) {
    if (awaiting_ != awaiting::fetch) return;
    awaiting_ = awaiting::nothing;
    auto& run = *fetch_;
    if (!m) {
        if (m.error() == errc::not_found) run.expunged = true;
        else run.failed = true;
    } else if (m->unknown_cte) {
        run.unknown_cte = true;
    } else if (m->values.size() == run.storage.size()) {
        write_fetch(run.seqs[run.next], run.flags_changed[run.next], &*m);
    } else {
        run.failed = true;
    }
    ++run.next;
    fetch_continue();
    process();
}

void session::write_fetch(std::uint32_t seq, bool flags_changed, const fetched_message* data) {
    const auto& m = selected_.at(seq);
    std::string line = "* " + std::to_string(seq) + " FETCH (";
    bool first = true, has_flags = false;
    std::size_t value = 0;
    for (const auto& i : fetch_->items) {
        if (!first) line += ' ';
        first = false;
        line += item_name(i);
        line += ' ';
        switch (i.what) {
            case fetch_attribute::flags: line += flags_of(m), has_flags = true; break;
            case fetch_attribute::uid: line += std::to_string(m.uid); break;
            case fetch_attribute::internaldate: line += internal_date(m.internal_date); break;
            case fetch_attribute::rfc822_size: line += std::to_string(m.size); break;
            case fetch_attribute::modseq: line += "(" + std::to_string(m.modseq) + ")"; break;
            default: {
                const auto k = value++;
                const auto& v = data->values[k];
                if (v.what == fetched_value::kind::nil) line += "NIL";
                else if (v.what == fetched_value::kind::text) line += v.text;
                else {
                    line += (v.binary ? "~{" : "{") + std::to_string(v.size) + "}\r\n";
                    request(send_reply{std::move(line)});
                    line.clear();
                    if (v.size) request(stream_body{k});
                }
            }
        }
    }
    // RFC 9051 §6.4.5: flags changed by the implicit \Seen are told with it.
    if (flags_changed && !has_flags) line += " FLAGS " + flags_of(m);
    if (flags_changed && condstore_) {  // RFC 7162 §3.1: with its UID and new MODSEQ
        bool has_uid = false, has_modseq = false;
        for (const auto& i : fetch_->items)
            has_uid |= i.what == fetch_attribute::uid, has_modseq |= i.what == fetch_attribute::modseq;
        if (!has_uid) line += " UID " + std::to_string(m.uid);
        if (!has_modseq) line += " MODSEQ (" + std::to_string(m.modseq) + ")";
    }
    line += ")\r\n";
    request(send_reply{std::move(line)});
}

}  // namespace mailroom::imap
