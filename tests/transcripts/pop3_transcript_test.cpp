// Replays tests/transcripts/pop3/*.txt against pop3::server_session, whole
// and with every client write split into single bytes. Directives:
//   ! listener tls=none|starttls|implicit plaintext_auth=B apop=B mechanisms=A,B hostname=H
//   ! limits max_bad_commands=N max_auth_failures=N auth_failure_delay_ms=N
//            max_auth_failure_delay_ms=N max_command_line=N max_argument=N
//            max_bad_commands_after_login=N message_range_bytes=N
//   ! message UID TEXT      (a maildrop message; TEXT with escapes)
//   C: line  (CRLF added)   B: raw bytes   (consecutive C:/B: are one write)
//   S: exact server line    A: next action  R: answer fed back
//   X: eof | timeout        = state NAME | = summary key=value...
#include "proto/pop3/server_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "common/errors.hpp"
#include "support/fixed_env.hpp"
#include "transcript_file.hpp"

namespace mailroom::pop3 {
namespace {

using test::transcript_line;

std::string render(const action& a) {
    struct visitor {
        std::string operator()(const send_reply&) const { return "send_reply"; }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const verify_login& v) const {
            if (auto* p = std::get_if<password_login>(&v.cred))
                return "verify_login USER " + p->user + " " + std::string(p->password.reveal());
            const auto& a = std::get<apop_login>(v.cred);
            return "verify_login APOP " + a.user + " " + a.timestamp + " " + a.digest_hex;
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
        std::string operator()(const open_maildrop& o) const { return "open_maildrop " + o.user; }
        std::string operator()(const read_message& r) const {
            return "read_message " + std::to_string(r.index) + " " + std::to_string(r.offset) + " " +
                   std::to_string(r.max_bytes);
        }
        std::string operator()(const close_message&) const { return "close_message"; }
        std::string operator()(const apply_deletes& d) const {
            std::string s = "apply_deletes";
            for (const auto& u : d.uids) s += " " + u;
            return s;
        }
        std::string operator()(const pause& p) const { return "pause " + std::to_string(p.delay.count()) + "ms"; }
        std::string operator()(const close_connection& c) const {
            switch (c.why) {
                case close_reason::quit: return "close quit";
                case close_reason::timeout: return "close timeout";
                case close_reason::eof: return "close eof";
                case close_reason::too_many_errors: return "close too_many_errors";
                case close_reason::auth_failures: return "close auth_failures";
                case close_reason::tls_failed: return "close tls_failed";
                case close_reason::server_error: return "close server_error";
                case close_reason::shutdown: return "close shutdown";
            }
            return "close ?";
        }
    };
    return std::visit(visitor{}, a);
}

const char* state_name(state s) {
    switch (s) {
        case state::authorization: return "authorization";
        case state::transaction: return "transaction";
        case state::update: return "update";
        case state::closed: return "closed";
    }
    return "?";
}

std::uint64_t crlf_size(const std::string& raw) {
    std::uint64_t n = raw.size();
    for (std::size_t i = 0; i < raw.size(); ++i)
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) ++n;
    if (!raw.empty() && raw.back() != '\n') n += 2;
    return n;
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

class replay {
public:
    replay(const std::vector<transcript_line>& lines, bool per_byte) : lines_(lines), per_byte_(per_byte) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && lines_[i].tag == "!"; ++i) setup(lines_[i]);
        session_.emplace(policy_, limits_, session_env{clock_, random_, 4242});
        while (i < lines_.size()) {
            const auto& l = lines_[i];
            if (l.tag == "C" || l.tag == "B") {
                std::string write;
                for (; i < lines_.size() && (lines_[i].tag == "C" || lines_[i].tag == "B"); ++i) {
                    write += test::unescape(lines_[i].text);
                    if (lines_[i].tag == "C") write += "\r\n";
                }
                feed(write);
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
        if (what == "listener") {
            for (std::size_t k = 1; k < kv.size(); ++k) {
                const auto& [key, v] = kv[k];
                if (key == "tls") {
                    policy_.tls_active = v == "implicit";
                    policy_.stls_offered = v == "starttls";
                    if (v != "implicit" && v != "starttls" && v != "none") throw std::runtime_error("bad tls=" + v);
                } else if (key == "plaintext_auth") policy_.plaintext_auth = flag(v);
                else if (key == "apop") policy_.apop = flag(v);
                else if (key == "mechanisms") policy_.sasl_mechanisms = split_commas(v);
                else if (key == "hostname") policy_.hostname = v;
                else throw std::runtime_error("unknown listener key " + key);
            }
        } else if (what == "limits") {
            for (std::size_t k = 1; k < kv.size(); ++k) {
                const auto& [key, v] = kv[k];
                const auto n = std::stoul(v);
                if (key == "max_bad_commands") limits_.max_bad_commands = static_cast<unsigned>(n);
                else if (key == "max_bad_commands_after_login")
                    limits_.max_bad_commands_after_login = static_cast<unsigned>(n);
                else if (key == "message_range_bytes") limits_.message_range_bytes = n;
                else if (key == "max_auth_failures") limits_.max_auth_failures = static_cast<unsigned>(n);
                else if (key == "auth_failure_delay_ms") limits_.auth_failure_delay = std::chrono::milliseconds(n);
                else if (key == "max_auth_failure_delay_ms")
                    limits_.max_auth_failure_delay = std::chrono::milliseconds(n);
                else if (key == "max_command_line") limits_.max_command_line = n;
                else if (key == "max_argument") limits_.max_argument = n;
                else throw std::runtime_error("unknown limits key " + key);
            }
        } else if (what == "message") {
            auto rest = l.text.substr(l.text.find(' ') + 1);
            auto sp = rest.find(' ');
            std::string uid = rest.substr(0, sp);
            std::string raw = sp == std::string::npos ? "" : test::unescape(rest.substr(sp + 1));
            listing_.push_back({uid, crlf_size(raw)});
            bodies_.push_back(raw);
        } else {
            throw std::runtime_error("unknown setup " + what);
        }
    }

    void feed(const std::string& bytes) { test::feed_write(*session_, bytes, per_byte_); }

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
            // A message streamed in ranges may leave a line unfinished until
            // the next range: only whole lines must have been read.
            ASSERT_EQ(out_.find("\r\n"), std::string::npos)
                << at << "server output before the expected action " << l.text << ": " << out_;
            ASSERT_TRUE(held_) << at << "expected action " << l.text << " but the session wants input";
            EXPECT_EQ(render(*held_), l.text) << at;
            if (auto* rm = std::get_if<read_message>(&*held_)) reading_ = *rm;
            held_.reset();
        } else if (l.tag == "R") {
            answer(l);
        } else if (l.tag == "X") {
            if (l.text == "eof") session_->feed_eof();
            else if (l.text == "timeout") session_->timed_out();
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
        auto verdict = [&](const std::string& how, const std::string& user) {
            if (how == "ok") return login_verdict{login_status::ok, user};
            if (how == "temp") return login_verdict{login_status::temporary_failure, {}};
            return login_verdict{login_status::bad_credentials, {}};
        };
        if (what == "tls_started") session_->tls_started();
        else if (what == "login") session_->login_done(verdict(arg1, arg2));
        else if (what == "challenge") session_->sasl_challenge(arg1);
        else if (what == "sasl") {
            std::optional<std::string> final_data;
            if (words.size() > 3) final_data = words[3];
            auto v = verdict(arg1, arg2);
            session_->sasl_done(v.status, std::move(v.user), final_data);
        } else if (what == "maildrop") {
            if (arg1 == "ok") session_->maildrop_opened(listing_);
            else if (arg1 == "in_use") session_->maildrop_opened(make_error_code(errc::in_use));
            else session_->maildrop_opened(make_error_code(errc::storage_failure));
        } else if (what == "message") {
            // The range the last read_message asked for, cut from the message.
            const std::string_view body = bodies_.at(reading_.index);
            const auto from = std::min<std::size_t>(body.size(), reading_.offset);
            if (arg1 == "missing") session_->message_data(make_error_code(errc::not_found));
            else if (arg1 == "fail") session_->message_data(make_error_code(errc::storage_failure));
            else session_->message_data(body.substr(from, reading_.max_bytes));
        } else if (what == "deletes") {
            session_->deletes_applied(arg1 == "ok" ? std::error_code{} : make_error_code(errc::storage_failure));
        } else {
            ADD_FAILURE() << "line " << l.number << ": unknown answer " << l.text;
        }
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
            else if (key == "retrieved") EXPECT_EQ(std::to_string(s.retrieved), v) << at;
            else if (key == "retrieved_bytes") EXPECT_EQ(std::to_string(s.retrieved_bytes), v) << at;
            else if (key == "deleted") EXPECT_EQ(std::to_string(s.deleted), v) << at;
            else if (key == "auth_failures") EXPECT_EQ(std::to_string(s.auth_failures), v) << at;
            else ADD_FAILURE() << at << "unknown summary key " << key;
        }
    }

    const std::vector<transcript_line>& lines_;
    bool per_byte_;
    listener_policy policy_{.tls_active = false,
                            .stls_offered = true,
                            .plaintext_auth = false,
                            .apop = true,
                            .sasl_mechanisms = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"},
                            .hostname = "mail.example.test",
                            .implementation = "mailroom"};
    limits limits_;
    test::fixed_clock clock_;
    test::seeded_random random_;
    std::optional<server_session> session_;
    std::vector<message_info> listing_;
    std::vector<std::string> bodies_;
    read_message reading_{0, 0, 0};  // the last read_message, for R: message
    std::string out_;
    std::optional<action> held_;
};

using test::transcript_case;

class Pop3Transcript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(Pop3Transcript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, Pop3Transcript, ::testing::ValuesIn(test::transcript_cases(MAILROOM_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(Pop3TranscriptSuite, HasFiles) { EXPECT_GE(test::transcript_cases(MAILROOM_TRANSCRIPT_DIR).size(), 20u); }

}  // namespace
}  // namespace mailroom::pop3
