// Fuzzes the whole IMAP session: the listener policy, the client's bytes,
// how they are split, and every answer the driver gives (login verdicts,
// SASL steps, folder lists, mailbox states, sync results, store errors) and
// the unsolicited mailbox_changed() all come from the input.
// Invariants: replies are whole CRLF lines; nothing is asked of the store
// before a login succeeded; no password is checked where plaintext is not
// allowed; nothing at all is asked once the session is closed. The
// selected state (H1): views, fetched values, stores and expunges come from
// the input too; a client counting EXISTS and EXPUNGE never sees a FETCH or
// EXPUNGE of a sequence number it does not know, and stream_body names a
// literal of the message just fetched. APPEND/COPY/MOVE (H3): appends
// carry no empty message, copies an ascending, non-empty UID list.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"
#include "fuzz_input.hpp"
#include "proto/imap/session.hpp"

namespace {

using namespace mailroom;
using namespace mailroom::imap;

const folder_list folders{{"INBOX", "Sent", "Work", "Work.Projects", "My Folder", "a.b.c.d", "Entwürfe"},
                          {"", "\\Sent", "", "", "", "", ""},
                          {"INBOX", "Sent", "Gone.Child", "a.b"}};

bool is_store_request(const action& a) {
    return std::holds_alternative<list_folders>(a) || std::holds_alternative<change_folder>(a) ||
           std::holds_alternative<open_mailbox>(a) || std::holds_alternative<mailbox_status>(a) ||
           std::holds_alternative<close_mailbox>(a) || std::holds_alternative<sync_mailbox>(a) ||
           std::holds_alternative<fetch_message>(a) || std::holds_alternative<store_flags>(a) ||
           std::holds_alternative<expunge_messages>(a) || std::holds_alternative<append_messages>(a) ||
           std::holds_alternative<copy_to_mailbox>(a) || std::holds_alternative<list_vanished>(a) ||
           std::holds_alternative<append_open>(a) || std::holds_alternative<append_write>(a) ||
           std::holds_alternative<get_quota>(a);
}

// Up to 12 messages, ascending UIDs, flags and MODSEQ from the input.
std::vector<message_state> some_view(mailroom::fuzz::fuzz_input& in) {
    std::vector<message_state> v;
    const unsigned n = in.byte() % 13u;
    std::uint32_t uid = 0;
    for (unsigned k = 0; k < n; ++k) {
        message_state m;
        uid += 1 + in.byte() % 4;
        m.uid = uid;
        const auto f = in.byte();
        m.flags = f & 31;
        if (f & 32) m.keywords = {"$Work"};
        m.modseq = 1 + in.byte();
        m.size = in.byte();
        v.push_back(std::move(m));
    }
    return v;
}

// What a client knows: EXISTS sets the count, each EXPUNGE lowers it, and
// FETCH/EXPUNGE name only numbers within it (RFC 9051 §7.5.1).
struct client_count {
    std::uint64_t count = 0;
    void check(std::string_view bytes) {
        for (std::size_t pos = 0; pos < bytes.size();) {
            auto end = bytes.find("\r\n", pos);
            if (end == std::string_view::npos) end = bytes.size();
            auto line = bytes.substr(pos, end - pos);
            pos = end + 2;
            if (!line.starts_with("* ") || line.size() < 3 || line[2] < '0' || line[2] > '9') continue;
            std::uint64_t n = 0;
            std::size_t i = 2;
            for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
                n = n * 10 + static_cast<unsigned>(line[i] - '0');
            const auto word = line.substr(i);
            if (word == " EXISTS") count = n;
            else if (word == " EXPUNGE") {
                if (n == 0 || n > count) std::abort();
                --count;
            } else if (word.starts_with(" FETCH") && (n == 0 || n > count)) std::abort();
        }
    }
};

result<mailbox_info> some_info(std::uint8_t b, mailroom::fuzz::fuzz_input& in) {
    if (b % 7 == 0) return make_error_code(errc::not_found);
    if (b % 7 == 1) return make_error_code(errc::storage_failure);
    mailbox_info i;
    i.messages = b;
    i.uidnext = b + 1u;
    i.uidvalidity = 42;
    i.unseen = b / 2u;
    i.first_unseen = b / 2u ? 1 : 0;
    i.view = some_view(in);
    i.messages = static_cast<std::uint32_t>(i.view.size());
    return i;
}

std::error_code some_error(std::uint8_t b) {
    switch (b % 5) {
        case 0: return make_error_code(errc::already_exists);
        case 1: return make_error_code(errc::not_found);
        case 2: return make_error_code(errc::invalid_argument);
        case 3: return make_error_code(errc::storage_failure);
        default: return {};
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    listener_policy policy;
    policy.tls_active = flags & 1;
    policy.starttls_offered = flags & 2;
    policy.plaintext_auth = flags & 4;
    if (flags & 8) policy.sasl_mechanisms = {"SCRAM-SHA-256"};
    limits lim;
    lim.max_line_bytes = 64 + in.byte() * 4u;
    lim.max_literal_bytes = in.byte();
    lim.max_bad_commands = 1 + (in.byte() % 20);
    session_limits slim;
    slim.max_auth_failures = 1 + (in.byte() % 6);
    session s(policy, lim, slim);

    client_count client;
    std::vector<fetched_value> last_values;  // of the last message_fetched()
    std::size_t open_streams = 0;            // append_open answered ok, not yet committed or dropped
    int steps = 0;
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            const bool logged_in = s.current_state() == state::authenticated || s.current_state() == state::selected;
            if (is_store_request(*a) && !logged_in) std::abort();
            if (auto* r = std::get_if<send_reply>(&*a)) {
                if (r->bytes.size() < 2 || r->bytes.substr(r->bytes.size() - 2) != "\r\n") std::abort();
                client.check(r->bytes);
            } else if (std::holds_alternative<verify_login>(*a)) {
                if (!s.policy().tls_active && !s.policy().plaintext_auth) std::abort();
                s.login_done({static_cast<login_status>(in.byte() % 3), "user@example.test"});
            } else if (std::holds_alternative<sasl_begin>(*a) || std::holds_alternative<sasl_continue>(*a)) {
                auto b = in.byte();
                if (b % 4 == 0) s.sasl_challenge("Y2hhbGxlbmdl");
                else
                    s.sasl_done(static_cast<login_status>(b % 3), "user@example.test",
                                b & 4 ? std::optional<std::string>("dj1zaWc=") : std::nullopt);
            } else if (std::holds_alternative<list_folders>(*a)) {
                if (in.byte() % 5 == 0) s.folders_listed(make_error_code(errc::storage_failure));
                else s.folders_listed(folders);
            } else if (std::holds_alternative<change_folder>(*a)) {
                s.folder_changed(some_error(in.byte()));
            } else if (std::holds_alternative<open_mailbox>(*a)) {
                s.mailbox_opened(some_info(in.byte(), in));
            } else if (std::holds_alternative<mailbox_status>(*a)) {
                s.status_ready(some_info(in.byte(), in));
            } else if (std::holds_alternative<close_mailbox>(*a)) {
                s.mailbox_closed(some_error(in.byte()));
            } else if (std::holds_alternative<sync_mailbox>(*a)) {
                s.mailbox_synced(some_info(in.byte(), in));
            } else if (auto* f = std::get_if<fetch_message>(&*a)) {
                const auto b = in.byte();
                if (b % 9 == 0) s.message_fetched(make_error_code(errc::not_found));
                else if (b % 9 == 1) s.message_fetched(make_error_code(errc::storage_failure));
                else {
                    fetched_message m;
                    m.unknown_cte = b % 9 == 2;
                    // One value per item, or (b % 9 == 3) one too few: the session must cope.
                    const auto n = f->items.size() - (b % 9 == 3 && !f->items.empty() ? 1 : 0);
                    for (std::size_t k = 0; k < n; ++k) {
                        fetched_value v;
                        const auto kind = in.byte();
                        v.what = static_cast<fetched_value::kind>(kind % 3);
                        v.text = "(NIL)";
                        v.size = kind / 3u;
                        v.binary = kind & 1;
                        m.values.push_back(v);
                    }
                    last_values = m.values;
                    s.message_fetched(std::move(m));
                }
            } else if (auto* b = std::get_if<stream_body>(&*a)) {
                if (b->item >= last_values.size() || last_values[b->item].what != fetched_value::kind::literal ||
                    last_values[b->item].size == 0)
                    std::abort();
            } else if (std::holds_alternative<store_flags>(*a)) {
                if (in.byte() % 6 == 0) s.flags_stored(make_error_code(errc::storage_failure));
                else {
                    store_outcome o;
                    o.view = some_view(in);
                    if (!o.view.empty() && in.byte() % 2) o.modified.push_back(o.view.front().uid);
                    s.flags_stored(std::move(o));
                }
            } else if (std::holds_alternative<expunge_messages>(*a)) {
                if (in.byte() % 6 == 0) s.messages_expunged(make_error_code(errc::storage_failure));
                else s.messages_expunged(some_view(in));
            } else if (auto* ap = std::get_if<append_messages>(&*a)) {  // H3
                if (ap->messages.empty()) std::abort();
                std::size_t streamed = 0;
                for (const auto& m : ap->messages) {
                    if (m.data.empty() && !m.streamed) std::abort();
                    streamed += m.streamed ? 1 : 0;
                }
                if (streamed != open_streams) std::abort();  // every staged message is committed or dropped
                open_streams = 0;
                const auto v = in.byte();
                if (v % 4 == 0) s.messages_appended(make_error_code(v & 4 ? errc::not_found : errc::storage_failure));
                else s.messages_appended(append_outcome{7, std::vector<std::uint32_t>(ap->messages.size(), v % 3)});
            } else if (std::holds_alternative<append_open>(*a)) {  // APPEND streamed
                if (in.byte() % 5 == 0) s.append_opened(make_error_code(errc::not_found));
                else {
                    ++open_streams;
                    s.append_opened({});
                }
            } else if (auto* aw = std::get_if<append_write>(&*a)) {
                if (open_streams == 0 || aw->bytes.empty() || aw->bytes.size() > append_stream_chunk) std::abort();
                s.append_written(in.byte() % 7 == 0 ? make_error_code(errc::storage_failure) : std::error_code{});
            } else if (std::holds_alternative<append_discard>(*a)) {
                if (open_streams == 0) std::abort();
                open_streams = 0;
            } else if (auto* cp = std::get_if<copy_to_mailbox>(&*a)) {  // H3
                if (cp->uids.empty() || !std::is_sorted(cp->uids.begin(), cp->uids.end())) std::abort();
                if (cp->move && s.current_state() != state::selected) std::abort();
                const auto v = in.byte();
                if (v % 4 == 0) s.messages_copied(make_error_code(v & 4 ? errc::not_found : errc::storage_failure));
                else {
                    copy_outcome o;
                    o.uidvalidity = 7;
                    o.source_uids = cp->uids;
                    for (std::size_t k = 0; k < cp->uids.size(); ++k) o.uids.push_back(100 + k);
                    o.view = some_view(in);
                    s.messages_copied(std::move(o));
                }
            } else if (std::holds_alternative<list_vanished>(*a)) {  // QRESYNC
                const auto v = in.byte();
                if (v % 5 == 0) s.vanished_listed(make_error_code(errc::storage_failure));
                else s.vanished_listed(std::vector<uid_span>{{1u + v % 7u, 1u + v % 7u + v / 16u}, {200, 0xffffffffu}});
            } else if (std::holds_alternative<get_quota>(*a)) {  // QUOTA (opsquota)
                const auto v = in.byte();
                if (v % 4 == 0) s.quota_ready(make_error_code(v & 4 ? errc::not_found : errc::storage_failure));
                else s.quota_ready(quota_report{v * 1000u, (v % 3) * 4096u, v % 7u, v % 5u});
            } else if (std::holds_alternative<start_tls>(*a)) {
                s.tls_started();
            } else if (std::holds_alternative<close_connection>(*a)) {
                if (s.current_state() != state::closed) std::abort();
            }
        }
        if (s.current_state() == state::closed) break;
        const auto what = in.byte();
        if (what == 0xff) s.feed_eof();
        else if (what == 0xfe) s.timed_out();
        else if (what == 0xfd) s.mailbox_changed();
        else s.feed(in.bytes(1 + what % 64));
    }
    return 0;
}
