// Replays tests/transcripts/imap/*.txt against imap::session, whole and
// with every client write split into single bytes (format: README.md, "IMAP").
#include "proto/imap/session.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <sstream>

#include "common/errors.hpp"
#include "transcript_file.hpp"

namespace mailroom::imap {
namespace {

using test::transcript_line;

std::string join(const std::vector<std::uint32_t>& ns) {
    std::string s;
    for (const auto n : ns) s += (s.empty() ? "" : ",") + std::to_string(n);
    return s.empty() ? "-" : s;
}

// "msgs=1:S:5,2::6,3:SD:7": uid:flags:modseq, flags S A F D T (R: \Recent
// to this session), keywords after a '+' ("4:S+Work+$Label:8").
std::vector<message_state> messages_from(const std::string& v) {
    std::vector<message_state> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');) {
        if (item.empty() || item == "-") continue;
        message_state m;
        std::stringstream is(item);
        std::string uid, flags, modseq;
        std::getline(is, uid, ':');
        std::getline(is, flags, ':');
        std::getline(is, modseq, ':');
        m.uid = static_cast<std::uint32_t>(std::stoul(uid));
        m.modseq = modseq.empty() ? 1 : std::stoull(modseq);
        m.internal_date = 1700000000 + m.uid;
        m.size = 100 + m.uid;
        std::stringstream fs(flags);
        std::string letters;
        std::getline(fs, letters, '+');
        for (const char c : letters) {
            if (c == 'S') m.flags |= flag_seen;
            else if (c == 'A') m.flags |= flag_answered;
            else if (c == 'F') m.flags |= flag_flagged;
            else if (c == 'D') m.flags |= flag_deleted;
            else if (c == 'T') m.flags |= flag_draft;
            else if (c == 'R') m.recent = true;
            else throw std::runtime_error("unknown flag letter in " + item);
        }
        for (std::string kw; std::getline(fs, kw, '+');) m.keywords.push_back(kw);
        out.push_back(std::move(m));
    }
    return out;
}

std::string render(const action& a) {
    struct visitor {
        std::string operator()(const send_reply&) const { return "send_reply"; }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const verify_login& v) const {
            return "verify_login " + v.user + " " + std::string(v.password.reveal());
        }
        std::string operator()(const sasl_begin& b) const {
            std::string s = "sasl_begin " + b.mechanism;
            if (b.initial_response_b64) s += " " + (b.initial_response_b64->empty() ? "=" : *b.initial_response_b64);
            return s;
        }
        std::string operator()(const sasl_continue& c) const {
            return c.response_b64.empty() ? "sasl_continue" : "sasl_continue " + c.response_b64;
        }
        std::string operator()(const sasl_abort&) const { return "sasl_abort"; }
        std::string operator()(const pause& p) const { return "pause " + std::to_string(p.delay.count()) + "ms"; }
        std::string operator()(const list_folders& l) const {
            return l.subscriptions ? "list_folders subscriptions" : "list_folders";
        }
        std::string operator()(const change_folder& c) const {
            switch (c.op) {
                case folder_operation::create: return "create " + c.name;
                case folder_operation::remove: return "delete " + c.name;
                case folder_operation::rename: return "rename " + c.name + " " + c.new_name;
                case folder_operation::subscribe: return "subscribe " + c.name;
                case folder_operation::unsubscribe: return "unsubscribe " + c.name;
            }
            return "?";
        }
        std::string operator()(const open_mailbox& o) const {
            return "open_mailbox " + o.name + (o.read_only ? " read_only" : "");
        }
        std::string operator()(const mailbox_status& s) const { return "mailbox_status " + s.name; }
        std::string operator()(const close_mailbox& c) const {
            return c.expunge ? "close_mailbox expunge" : "close_mailbox";
        }
        std::string operator()(const sync_mailbox&) const { return "sync_mailbox"; }
        std::string operator()(const fetch_message& f) const {
            return "fetch_message " + std::to_string(f.uid) + " items=" + std::to_string(f.items.size());
        }
        std::string operator()(const stream_body& b) const { return "stream_body " + std::to_string(b.item); }
        std::string operator()(const store_flags& f) const {
            const char* how = f.mode == store_mode::replace ? "replace" : f.mode == store_mode::add ? "add" : "remove";
            std::string s = std::string("store_flags ") + how + " " + join(f.uids) +
                            " flags=" + std::to_string(f.flags);
            for (const auto& k : f.keywords) s += " " + k;
            if (f.unchangedsince) s += " unchangedsince=" + std::to_string(*f.unchangedsince);
            return s;
        }
        std::string operator()(const expunge_messages& e) const { return "expunge_messages " + join(e.uids); }
        std::string operator()(const list_vanished& v) const { return "list_vanished " + std::to_string(v.modseq); }
        std::string operator()(const search_messages& q) const {  // H2
            const char* kind = q.kind == search_kind::search ? "search"
                               : q.kind == search_kind::sort ? "sort"
                                                             : "thread";
            return std::string("search_messages ") + kind + " view=" + std::to_string(q.view.size()) +
                   " saved=" + join(q.saved);
        }
        std::string operator()(const append_messages& a) const {  // H3: each message's flags, keywords, bytes
            std::string s = "append_messages " + a.mailbox;
            for (const auto& m : a.messages) {
                s += " flags=" + std::to_string(m.flags);
                for (const auto& k : m.keywords) s += "+" + k;
                if (m.internal_date) s += " date=" + std::to_string(*m.internal_date);
                s += " ";
                if (m.streamed) s += "<streamed>";
                for (const char c : m.data)
                    s += c == '\r' ? std::string("\\r") : c == '\n' ? std::string("\\n") : std::string(1, c);
            }
            return s;
        }
        std::string operator()(const append_open& o) const { return "append_open " + o.mailbox; }
        std::string operator()(const append_write& w) const {
            if (w.bytes.size() > 80) return "append_write " + std::to_string(w.bytes.size()) + " bytes";
            std::string s = "append_write ";
            for (const char c : w.bytes)
                s += c == '\r'   ? std::string("\\r")
                     : c == '\n' ? std::string("\\n")
                     : c == '\0' ? std::string("\\x00")
                                 : std::string(1, c);
            return s;
        }
        std::string operator()(const append_discard&) const { return "append_discard"; }
        std::string operator()(const copy_to_mailbox& c) const {  // H3
            return std::string(c.move ? "move " : "copy ") + join(c.uids) + " " + c.mailbox;
        }
        std::string operator()(const close_connection& c) const {
            return std::string("close ") + proto::reason_name(c.why);
        }
        std::string operator()(const get_quota& q) const {  // QUOTA: "get_quota" / "get_quota MAILBOX"
            return q.mailbox ? "get_quota " + *q.mailbox : std::string("get_quota");
        }
    };
    return std::visit(visitor{}, a);
}

const char* state_name(state s) {
    switch (s) {
        case state::not_authenticated: return "not_authenticated";
        case state::authenticated: return "authenticated";
        case state::selected: return "selected";
        case state::logout: return "logout";
        case state::closed: return "closed";
    }
    return "?";
}

bool flag(const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw std::runtime_error("expected true or false, got " + v);
}

std::vector<std::string> split_commas(const std::string& v) {
    std::vector<std::string> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// "messages=3 uidnext=4 ..." after the first word.
mailbox_info info_from(const std::vector<std::pair<std::string, std::string>>& kv) {
    mailbox_info i;
    for (std::size_t k = 1; k < kv.size(); ++k) {
        const auto& [key, v] = kv[k];
        const auto n = key == "msgs" ? 0 : std::stoull(v);
        if (key == "uidvalidity") i.uidvalidity = static_cast<std::uint32_t>(n);
        else if (key == "uidnext") i.uidnext = static_cast<std::uint32_t>(n);
        else if (key == "messages") i.messages = static_cast<std::uint32_t>(n);
        else if (key == "unseen") i.unseen = static_cast<std::uint32_t>(n);
        else if (key == "first_unseen") i.first_unseen = static_cast<std::uint32_t>(n);
        else if (key == "deleted") i.deleted = static_cast<std::uint32_t>(n);
        else if (key == "size") i.size = n;
        else if (key == "highest_modseq") i.highest_modseq = n;
        else if (key == "recent") i.recent = static_cast<std::uint32_t>(n);
        else if (key == "msgs") i.view = messages_from(v);
        else throw std::runtime_error("unknown mailbox key " + key);
    }
    // Without msgs=: messages UIDs 1..n, no flags.
    bool listed = false;
    for (const auto& [key, v] : kv) listed |= key == "msgs";
    if (!listed)
        for (std::uint32_t u = 1; u <= i.messages; ++u) {
            message_state m;
            m.uid = u;
            m.modseq = 1;
            i.view.push_back(m);
        }
    else i.messages = static_cast<std::uint32_t>(i.view.size());
    return i;
}

class replay {
public:
    replay(const std::vector<transcript_line>& lines, bool per_byte) : lines_(lines), per_byte_(per_byte) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && lines_[i].tag == "!"; ++i) setup(lines_[i]);
        session_.emplace(policy_, limits_, session_limits_);
        while (i < lines_.size()) {
            const auto& l = lines_[i];
            if (l.tag == "C" || l.tag == "B") {
                std::string write;
                for (; i < lines_.size() && (lines_[i].tag == "C" || lines_[i].tag == "B"); ++i) {
                    write += test::unescape(lines_[i].text);
                    if (lines_[i].tag == "C") write += "\r\n";
                }
                test::feed_write(*session_, write, per_byte_);
                continue;
            }
            step(l);
            if (::testing::Test::HasFatalFailure()) return;
            ++i;
        }
        pull();
        EXPECT_EQ(out_, "") << "server output nobody expected, at end of transcript";
        EXPECT_FALSE(held_) << "action nobody expected at end: " << render(*held_);
    }

private:
    void setup(const transcript_line& l) {
        auto kv = test::key_values(l.text);
        if (kv.empty()) throw std::runtime_error("empty setup line");
        const std::string what = kv[0].first;
        for (std::size_t k = 1; k < kv.size(); ++k) {
            const auto& [key, v] = kv[k];
            if (what == "listener") {
                if (key == "tls") {
                    if (v != "implicit" && v != "starttls" && v != "none") throw std::runtime_error("bad tls=" + v);
                    policy_.tls_active = v == "implicit";
                    policy_.starttls_offered = v == "starttls";
                } else if (key == "plaintext_auth") policy_.plaintext_auth = flag(v);
                else if (key == "mechanisms") policy_.sasl_mechanisms = split_commas(v);
                else throw std::runtime_error("unknown listener key " + key);
            } else if (what == "limits") {
                const auto n = std::stoull(v);
                if (key == "max_bad_commands") limits_.max_bad_commands = static_cast<unsigned>(n);
                else if (key == "max_line_bytes") limits_.max_line_bytes = n;
                else if (key == "max_literal_bytes") limits_.max_literal_bytes = n;
                else if (key == "max_message_bytes") limits_.max_message_bytes = n;  // H3
                else if (key == "max_auth_failures") session_limits_.max_auth_failures = static_cast<unsigned>(n);
                else if (key == "auth_failure_delay_ms")
                    session_limits_.auth_failure_delay = std::chrono::milliseconds(n);
                else if (key == "max_auth_failure_delay_ms")
                    session_limits_.max_auth_failure_delay = std::chrono::milliseconds(n);
                else throw std::runtime_error("unknown limits key " + key);
            } else {
                throw std::runtime_error("unknown setup " + what);
            }
        }
    }

    // Moves the session's replies into out_, up to the first other action.
    void pull() {
        while (!held_) {
            auto a = session_->next_action();
            if (!a) return;
            if (auto* r = std::get_if<send_reply>(&*a)) out_ += r->bytes;
            else held_ = std::move(a);
        }
    }

    void step(const transcript_line& l) {
        const std::string at = "transcript line " + std::to_string(l.number) + ": ";
        if (l.tag == "S") {
            pull();
            auto crlf = out_.find("\r\n");
            if (crlf == std::string::npos) {
                FAIL() << at << "expected S: " << l.text << "\n  but the server sent "
                       << (out_.empty() ? "nothing" : "an unterminated " + out_)
                       << (held_ ? "; next action: " + render(*held_) : "");
            }
            EXPECT_EQ(out_.substr(0, crlf), test::unescape(l.text)) << at;
            out_.erase(0, crlf + 2);
        } else if (l.tag == "A") {
            pull();
            ASSERT_EQ(out_, "") << at << "server output before the expected action " << l.text;
            ASSERT_TRUE(held_) << at << "expected action " << l.text << " but the session wants input";
            EXPECT_EQ(render(*held_), l.text) << at;
            held_.reset();
        } else if (l.tag == "R") {
            answer(l);
        } else if (l.tag == "X") {
            if (l.text == "eof") session_->feed_eof();
            else if (l.text == "timeout") session_->timed_out();
            else if (l.text == "changed") session_->mailbox_changed();
            else FAIL() << at << "unknown X: " << l.text;
        } else if (l.tag == "=") {
            check(l, at);
        } else {
            FAIL() << at << "unknown tag " << l.tag;
        }
    }

    void answer(const transcript_line& l) {
        std::vector<std::string> words;  // base64 data has '=': split on spaces only
        std::stringstream ss(l.text);
        for (std::string w; ss >> w;) words.push_back(w);
        const std::string what = words.empty() ? "" : words[0];
        const std::string arg1 = words.size() > 1 ? words[1] : "";
        const std::string arg2 = words.size() > 2 ? words[2] : "";
        auto status_of = [](const std::string& how) {
            return how == "ok"     ? login_status::ok
                   : how == "temp" ? login_status::temporary_failure
                                   : login_status::bad_credentials;
        };
        auto info = [&]() -> result<mailbox_info> {
            if (arg1 == "missing") return make_error_code(errc::not_found);
            if (arg1 == "fail") return make_error_code(errc::storage_failure);
            return info_from(test::key_values(l.text));
        };
        auto ec_of = [](const std::string& how) -> std::error_code {
            if (how == "ok") return {};
            if (how == "exists") return make_error_code(errc::already_exists);
            if (how == "missing") return make_error_code(errc::not_found);
            if (how == "invalid") return make_error_code(errc::invalid_argument);
            if (how == "over_quota") return make_error_code(errc::over_quota);
            return make_error_code(errc::storage_failure);
        };
        if (what == "tls_started") session_->tls_started();
        else if (what == "login") session_->login_done({status_of(arg1), arg2});
        else if (what == "challenge") session_->sasl_challenge(arg1);
        else if (what == "sasl") {
            std::optional<std::string> final_data;
            if (words.size() > 3) final_data = words[3];
            session_->sasl_done(status_of(arg1), arg2, final_data);
        } else if (what == "folders") {
            if (arg1 == "fail") session_->folders_listed(make_error_code(errc::storage_failure));
            else session_->folders_listed(folder_list_from(l.text.substr(l.text.find(' ') + 1)));
        } else if (what == "folder") session_->folder_changed(ec_of(arg1));
        else if (what == "opened") session_->mailbox_opened(info());
        else if (what == "status") session_->status_ready(info());
        else if (what == "synced") session_->mailbox_synced(info());
        else if (what == "closed") session_->mailbox_closed(ec_of(arg1));
        else if (what == "fetched") session_->message_fetched(fetched(l.text));
        else if (what == "stored") {
            if (arg1 == "fail") return session_->flags_stored(make_error_code(errc::storage_failure));
            store_outcome o;
            for (const auto& [key, v] : test::key_values(l.text)) {
                if (key == "msgs") o.view = messages_from(v);
                else if (key == "modified") o.modified = uids_from(v);
            }
            session_->flags_stored(std::move(o));
        } else if (what == "expunged") {
            if (arg1 == "fail") return session_->messages_expunged(make_error_code(errc::storage_failure));
            std::vector<message_state> view;
            for (const auto& [key, v] : test::key_values(l.text))
                if (key == "msgs") view = messages_from(v);
            session_->messages_expunged(std::move(view));
        } else if (what == "vanished") {  // "vanished 3:5,9" (UID ranges) / "vanished -" / "vanished fail"
            if (arg1 == "fail") return session_->vanished_listed(make_error_code(errc::storage_failure));
            std::vector<uid_span> spans;
            std::stringstream vs(arg1 == "-" ? std::string() : arg1);
            for (std::string r; std::getline(vs, r, ',');) {
                const auto colon = r.find(':');
                const auto first = static_cast<std::uint32_t>(std::stoul(r.substr(0, colon)));
                spans.push_back({first, colon == std::string::npos
                                            ? first
                                            : static_cast<std::uint32_t>(std::stoul(r.substr(colon + 1)))});
            }
            session_->vanished_listed(std::move(spans));
        } else if (what == "searched") {  // H2: "searched 2,4" (sequence numbers) / "searched -" / "searched fail"
            if (arg1 == "fail") return session_->messages_searched(make_error_code(errc::storage_failure));
            search_outcome o;
            if (arg1 != "-") o.seqs = uids_from(arg1);
            session_->messages_searched(std::move(o));
        } else if (what == "appended") {  // H3: "appended 77 20,21" (uidvalidity, UIDs) / missing / fail
            if (arg1 == "missing" || arg1 == "fail" || arg1 == "over_quota")
                return session_->messages_appended(ec_of(arg1));
            session_->messages_appended(append_outcome{static_cast<std::uint32_t>(std::stoul(arg1)), uids_from(arg2)});
        } else if (what == "append_opened") {  // APPEND streamed: ok / missing / invalid / fail
            session_->append_opened(ec_of(arg1));
        } else if (what == "written") {  // ok / fail
            session_->append_written(ec_of(arg1));
        } else if (what == "copied") {  // H3: "copied uidvalidity=77 from=3,7 to=20,21 msgs=..." / missing / fail
            if (arg1 == "missing" || arg1 == "fail" || arg1 == "over_quota")
                return session_->messages_copied(ec_of(arg1));
            copy_outcome o;
            for (const auto& [key, v] : test::key_values(l.text)) {
                if (key == "uidvalidity") o.uidvalidity = static_cast<std::uint32_t>(std::stoul(v));
                else if (key == "from") o.source_uids = uids_from(v);
                else if (key == "to") o.uids = uids_from(v);
                else if (key == "msgs") o.view = messages_from(v);
            }
            session_->messages_copied(std::move(o));
        } else if (what == "threads") {  // H2: "threads (1 2 (3)(4))(5)", sequence numbers
            search_outcome o;
            const std::string t = l.text.substr(l.text.find(' ') + 1);
            std::size_t at = 0;
            while (at < t.size() && t[at] == '(') o.threads.push_back(thread_of(t, at));
            session_->messages_searched(std::move(o));
        } else if (what == "quota") {  // "quota storage=U/L messages=U/L" (octets; limit 0: none) / missing / fail
            if (arg1 == "missing" || arg1 == "fail") return session_->quota_ready(ec_of(arg1));
            quota_report q;
            for (const auto& [key, v] : test::key_values(l.text)) {
                const auto slash = v.find('/');
                if (slash == std::string::npos) continue;  // the answer's own name
                const auto used = std::stoull(v.substr(0, slash)), limit = std::stoull(v.substr(slash + 1));
                if (key == "storage") q.storage_used = used, q.storage_limit = limit;
                else if (key == "messages") q.messages_used = used, q.messages_limit = limit;
            }
            session_->quota_ready(q);
        } else ADD_FAILURE() << "line " << l.number << ": unknown answer " << l.text;
    }

    // One RFC 5256 thread-list at t[at] == '(' (H2's answers).
    static thread_node thread_of(const std::string& t, std::size_t& at) {
        ++at;  // '('
        thread_node root;
        thread_node* tail = &root;
        bool first = true;
        while (at < t.size() && t[at] != ')') {
            if (t[at] == ' ') {
                ++at;
            } else if (t[at] == '(') {
                tail->children.push_back(thread_of(t, at));
            } else {
                std::size_t end = at;
                while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end;
                const auto n = static_cast<std::uint32_t>(std::stoul(t.substr(at, end - at)));
                at = end;
                if (first) root.seq = n;
                else tail = &tail->children.emplace_back(thread_node{n, {}});
                first = false;
            }
        }
        ++at;  // ')'
        return root;
    }

    // "INBOX,Sent=\\Sent,My Folder ; subscribed INBOX,Gone": names may have
    // spaces; "=attribute" is a folder's special use.
    static folder_list folder_list_from(const std::string& text) {
        folder_list out;
        const auto cut = text.find(" ; subscribed ");
        for (auto f : split_commas(text.substr(0, cut))) {
            const auto eq = f.find('=');
            out.special_use.push_back(eq == std::string::npos ? "" : test::unescape(f.substr(eq + 1)));
            out.folders.push_back(test::unescape(f.substr(0, eq)));
        }
        if (cut != std::string::npos)
            for (const auto& s : split_commas(text.substr(cut + 14))) out.subscribed.push_back(test::unescape(s));
        return out;
    }

    static std::vector<std::uint32_t> uids_from(const std::string& v) {
        std::vector<std::uint32_t> out;
        for (const auto& s : split_commas(v)) out.push_back(static_cast<std::uint32_t>(std::stoul(s)));
        return out;
    }

    // "fetched missing" / "fetched fail" / "fetched unknown_cte" /
    // "fetched lit 12 ; text (NIL) ; lit8 3 ; nil": the values in order.
    static result<fetched_message> fetched(const std::string& text) {
        std::string rest = text.substr(
            std::min(text.size(), text.find(' ') == std::string::npos ? text.size() : text.find(' ') + 1));
        if (rest == "missing") return make_error_code(errc::not_found);
        if (rest == "fail") return make_error_code(errc::storage_failure);
        fetched_message m;
        if (rest == "unknown_cte") {
            m.unknown_cte = true;
            return m;
        }
        for (std::size_t pos = 0; pos <= rest.size();) {
            auto end = rest.find(" ; ", pos);
            if (end == std::string::npos) end = rest.size();
            const std::string v = rest.substr(pos, end - pos);
            fetched_value fv;
            if (v == "nil") fv.what = fetched_value::kind::nil;
            else if (v.starts_with("lit ") || v.starts_with("lit8 ")) {
                fv.what = fetched_value::kind::literal;
                fv.binary = v.starts_with("lit8 ");
                fv.size = std::stoull(v.substr(v.find(' ') + 1));
            } else if (v.starts_with("text ")) {
                fv.what = fetched_value::kind::text;
                fv.text = test::unescape(v.substr(5));
            } else throw std::runtime_error("bad fetched value " + v);
            m.values.push_back(std::move(fv));
            pos = end + 3;
        }
        return m;
    }

    void check(const transcript_line& l, const std::string& at) {
        auto kv = test::key_values(l.text);
        if (kv.empty()) return;
        if (kv[0].first == "state") {
            EXPECT_EQ(state_name(session_->current_state()), kv.at(1).first) << at;
            return;
        }
        const auto& s = session_->summary();
        for (std::size_t k = 1; k < kv.size(); ++k) {
            const auto& [key, v] = kv[k];
            if (key == "user") EXPECT_EQ(s.user, v) << at;
            else if (key == "mechanism") EXPECT_EQ(s.mechanism, v) << at;
            else if (key == "mailbox") EXPECT_EQ(s.mailbox, v) << at;
            else if (key == "selects") EXPECT_EQ(std::to_string(s.selects), v) << at;
            else if (key == "auth_failures") EXPECT_EQ(std::to_string(s.auth_failures), v) << at;
            else if (key == "rev2") EXPECT_EQ(session_->rev2_enabled() ? "true" : "false", v) << at;
            else ADD_FAILURE() << at << "unknown summary key " << key;
        }
    }

    const std::vector<transcript_line>& lines_;
    bool per_byte_;
    listener_policy policy_{.tls_active = false,
                            .starttls_offered = true,
                            .plaintext_auth = false,
                            .sasl_mechanisms = {"PLAIN", "LOGIN", "SCRAM-SHA-256"},
                            .implementation = "mailroom"};
    limits limits_;
    session_limits session_limits_;
    std::optional<session> session_;
    std::string out_;
    std::optional<action> held_;
};

using test::transcript_case;

class ImapTranscript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(ImapTranscript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, ImapTranscript,
                         ::testing::ValuesIn(test::transcript_cases(MAILROOM_IMAP_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(ImapTranscriptSuite, HasFiles) { EXPECT_GE(test::transcript_cases(MAILROOM_IMAP_TRANSCRIPT_DIR).size(), 15u); }

}  // namespace
}  // namespace mailroom::imap
