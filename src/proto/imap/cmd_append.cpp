// imap::session: the commands that add messages to a mailbox - APPEND
// (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), CATENATE TEXT parts
// (RFC 4469), COPY / UID COPY (§6.4.7), MOVE / UID MOVE (RFC 6851), with
// UIDPLUS's [APPENDUID] / [COPYUID] (RFC 4315 §3) and [TRYCREATE]. APPEND's
// literal sizes were checked against APPENDLIMIT before "+" (RFC 7889, in
// session::handle_literal); the driver writes through the store and
// commits each command's messages together. Engineer H3's part.
#include <algorithm>
#include <chrono>

#include "common/errors.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

// RFC 9051 §6.3.12: the date-time becomes the message's INTERNALDATE.
std::int64_t epoch_seconds(const date_time& t) {
    using namespace std::chrono;
    const auto day = sys_days(year_month_day(year(t.day.year), month(static_cast<unsigned>(t.day.month)),
                                             std::chrono::day(static_cast<unsigned>(t.day.day))));
    return day.time_since_epoch().count() * 86400 + t.hour * 3600 + t.minute * 60 + t.second - t.zone_minutes * 60;
}

}  // namespace

void session::cmd_append(const command& c) {
    // The command is handle_command's own temporary: its message bytes are
    // moved into the request, never copied (they may be tens of MiB).
    auto& a = const_cast<append_command&>(std::get<append_command>(c.args));
    append_messages req;
    auto mailbox = mailbox_arg(a.mailbox);  // modified UTF-7 or UTF-8 (cmd_list.cpp)
    if (!mailbox) return;
    // RFC 9051 §6.3.12: an APPEND to the selected mailbox may tell its EXISTS
    // before the tagged OK (as Dovecot does); names compared decoded, INBOX
    // already canonical.
    append_to_selected_ = state_ == state::selected && *mailbox == summary_.mailbox;
    req.mailbox = std::move(*mailbox);
    for (auto& m : a.messages) {
        appended_message out;
        if (m.internal_date) out.internal_date = epoch_seconds(*m.internal_date);
        for (const auto& f : m.flags) {
            if (auto bit = system_flag(f)) out.flags |= *bit;
            else if (proto::keyword_equals(f, "\\Recent")) continue;  // RFC 3501 §6.3.11: not settable
            else if (!f.empty() && f[0] == '\\') return bad("Invalid system flag.");
            else out.keywords.push_back(f);
        }
        std::sort(out.keywords.begin(), out.keywords.end());
        out.keywords.erase(std::unique(out.keywords.begin(), out.keywords.end()), out.keywords.end());
        if (m.catenate) {
            // RFC 4469 §5: the parts, in order, make the message. A URL part
            // would name a message of ours; those are not resolved yet.
            for (auto& part : *m.catenate) {
                if (part.is_url) return no("BADURL " + part.data, "CATENATE URL parts are not supported.");
                if (out.data.size() + part.data.size() > lim_.max_message_bytes)
                    return no("TOOBIG", "Message too large.");
                out.data += part.data;
            }
        } else if (m.streamed) {
            out.streamed = true;  // already staged by the driver (append_stream.cpp)
            out.streamed_size = m.streamed_size;
            if (stream_failed_) return no("SERVERBUG", "Unable to save the message; try again later.");
        } else {
            out.data = std::move(m.data);
        }
        // RFC 3516 §4.4: a literal8 message may hold NUL, which a Maildir
        // message of delivered mail never does: refused as Dovecot does.
        if (out.data.find('\0') != std::string::npos || (m.streamed && stream_nul_))
            return no("", "NUL octets in the message are not supported.");
        if (m.streamed ? m.streamed_size == 0 : out.data.empty()) return no("", "Cannot append an empty message.");
        // A bare CR could not be returned as sent (detail/bare_cr.hpp).
        if (m.streamed ? stream_cr_.found : detail::has_bare_cr(out.data))
            return no("", "Bare CR in the message is not supported (RFC 5322 section 2.3).");
        req.messages.push_back(std::move(out));
    }
    request(std::move(req));
    wait_for(awaiting::append);
    streams_ = 0;  // the request carries them now
    stream_failed_ = stream_nul_ = false;
    stream_cr_ = {};
}

void session::messages_appended(result<append_outcome> r) {
    if (awaiting_ != awaiting::append) return;
    awaiting_ = awaiting::nothing;
    if (!r) {
        // RFC 9051 §6.3.12: a missing mailbox is [TRYCREATE].
        if (r.error() == errc::not_found) no("TRYCREATE", "Mailbox does not exist.");
        else if (r.error() == errc::invalid_argument) no("CANNOT", "Invalid mailbox name.");
        else if (r.error() == errc::over_quota) no("OVERQUOTA", "Quota exceeded.");  // RFC 9208 §5.3
        else no("SERVERBUG", "Unable to save the message; try again later.");
        return process();
    }
    const bool all_known = !r->uids.empty() &&
                           std::none_of(r->uids.begin(), r->uids.end(), [](std::uint32_t u) { return u == 0; });
    // RFC 4315 §3: MULTIAPPEND's UIDs as a uid-set, in the messages' order.
    std::string code = all_known ? "APPENDUID " + std::to_string(r->uidvalidity) + " " + compact_set(r->uids) : "";
    if (append_to_selected_ && state_ == state::selected) {
        append_code_ = std::move(code);
        after_sync_ = after_sync::append;
        request(sync_mailbox{});
        wait_for(awaiting::sync);
        return process();
    }
    ok(code, "APPEND completed.");
    process();
}

void session::cmd_copy(const command& c) {
    const auto& k = std::get<copy_command>(c.args);
    copy_or_move(k.set, k.uid, k.mailbox, false);
}

void session::cmd_move(const command& c) {
    const auto& k = std::get<move_command>(c.args);
    // A move expunges from the source (RFC 6851 §3.3): not in EXAMINE.
    if (read_only_) return no("READ-ONLY", "Mailbox is read-only.");
    copy_or_move(k.set, k.uid, k.mailbox, true);
}

void session::copy_or_move(const sequence_set& set, bool uid, const std::string& mailbox, bool move) {
    auto seqs = selected_.resolve(set, uid);
    if (!seqs) return bad("Invalid message sequence set.");
    copy_to_mailbox req;
    auto decoded = mailbox_arg(mailbox);  // modified UTF-7 or UTF-8 (cmd_list.cpp)
    if (!decoded) return;
    req.mailbox = std::move(*decoded);
    req.move = move;
    for (const auto n : *seqs)
        if (!selected_.at(n).gone) req.uids.push_back(selected_.at(n).uid);
    std::sort(req.uids.begin(), req.uids.end());
    const std::string_view done = move ? "MOVE completed." : "COPY completed.";
    if (req.uids.empty()) {
        // Only messages another session expunged (RFC 9051 §7.1), or a UID set naming none.
        if (!seqs->empty()) return no("EXPUNGEISSUED", "Some messages were expunged.");
        return ok("", done);
    }
    moving_ = move;
    request(std::move(req));
    wait_for(awaiting::copy);
}

void session::messages_copied(result<copy_outcome> r) {
    if (awaiting_ != awaiting::copy) return;
    awaiting_ = awaiting::nothing;
    if (!r) {
        if (r.error() == errc::not_found) no("TRYCREATE", "Mailbox does not exist.");
        else if (r.error() == errc::invalid_argument) no("CANNOT", "Invalid mailbox name.");
        else if (r.error() == errc::over_quota) no("OVERQUOTA", "Quota exceeded.");  // RFC 9208 §5.3
        else no("SERVERBUG", moving_ ? "Unable to move; try again later." : "Unable to copy; try again later.");
        return process();
    }
    const bool all_known = !r->uids.empty() && r->uids.size() == r->source_uids.size() &&
                           std::none_of(r->uids.begin(), r->uids.end(), [](std::uint32_t u) { return u == 0; });
    const std::string code = all_known ? "COPYUID " + std::to_string(r->uidvalidity) + " " +
                                             compact_set(r->source_uids) + " " + compact_set(r->uids)
                                       : std::string();
    if (!moving_) {
        ok(code, "COPY completed.");
        return process();
    }
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
    if (!code.empty()) untagged("OK [" + code + "] Moved UIDs.");
    tell_update(selected_.sync(r->view, true), {});
    ok("", "MOVE completed.");
    process();
}

}  // namespace mailroom::imap
