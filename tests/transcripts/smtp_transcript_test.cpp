// Replays tests/transcripts/smtp/*.txt against smtp::server_session, whole
// and with every client write split into single bytes (format in
// tests/transcripts/README.md). SMTP specifics:
//   ! listener submission=B tls=none|starttls|implicit plaintext_auth=B auth=B mechanisms=A,B hostname=H
//   ! limits max_message_bytes=N max_recipients=N max_bad_commands=N max_auth_failures=N
//            auth_failure_delay_ms=N max_auth_failure_delay_ms=N max_command_line=N max_text_line=N
//   A: check_sender <addr> [user] | check_recipient <addr> [user] |
//      queue_message <from> <to,to> [BODY=..] [SMTPUTF8] [user=U] [tls] text-with-escapes
//      (the text is what message_data brought since the last queue or
//      discard_message: both are taken in silently, each piece checked)
//   R: accept | refuse CODE ENH text... | queued ID | queue_failed temp|perm |
//      tls_started | challenge B64 | sasl ok USER [final] | sasl bad | sasl temp
#include "proto/smtp/server_session.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "common/errors.hpp"
#include "transcript_file.hpp"

namespace mailroom::smtp {
namespace {

using test::transcript_line;

std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c >= 0x7f) {
            const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else out += static_cast<char>(c);
    }
    return out;
}

std::string render(const action& a, std::string_view body = {}) {
    struct visitor {
        std::string_view body;
        std::string operator()(const send_reply&) const { return "send_reply"; }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const sasl_begin& b) const {
            std::string s = "sasl_begin " + b.mechanism;
            if (b.initial_response_b64) s += " " + (b.initial_response_b64->empty() ? "=" : *b.initial_response_b64);
            return s;
        }
        std::string operator()(const sasl_continue& c) const {
            return c.response_b64.empty() ? "sasl_continue" : "sasl_continue " + c.response_b64;
        }
        std::string operator()(const sasl_abort&) const { return "sasl_abort"; }
        std::string operator()(const check_sender& c) const {
            return "check_sender <" + c.address + ">" + (c.auth_user.empty() ? "" : " " + c.auth_user);
        }
        std::string operator()(const check_recipient& c) const {
            return "check_recipient <" + c.address + ">" + (c.auth_user.empty() ? "" : " " + c.auth_user);
        }
        std::string operator()(const queue_message& q) const {
            std::string s = "queue_message <" + q.tx.sender + "> ";
            for (std::size_t i = 0; i < q.tx.recipients.size(); ++i)
                s += (i ? "," : "") + ("<" + q.tx.recipients[i].address + ">");
            if (q.tx.params.body == body_type::eight_bit_mime) s += " BODY=8BITMIME";
            if (q.tx.params.smtputf8) s += " SMTPUTF8";
            if (!q.tx.auth_user.empty()) s += " user=" + q.tx.auth_user;
            if (q.tx.tls) s += " tls";
            if (q.size != body.size()) s += " size=" + std::to_string(q.size) + "?";
            return s + " " + escape(body);
        }
        std::string operator()(const message_data& d) const { return "message_data " + escape(d.bytes); }
        std::string operator()(const discard_message&) const { return "discard_message"; }
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
    return std::visit(visitor{body}, a);
}

const char* state_name(state s) {
    switch (s) {
        case state::greeting: return "greeting";
        case state::ready: return "ready";
        case state::mail: return "mail";
        case state::rcpt: return "rcpt";
        case state::data: return "data";
        case state::bdat: return "bdat";
        case state::closed: return "closed";
    }
    return "?";
}

bool flag(const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw std::runtime_error("expected true or false, got " + v);
}

class replay {
public:
    replay(const std::vector<transcript_line>& lines, bool per_byte) : lines_(lines), per_byte_(per_byte) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && lines_[i].tag == "!"; ++i) setup(lines_[i]);
        session_.emplace(policy_, limits_);
        while (i < lines_.size()) {
            if (lines_[i].tag == "C" || lines_[i].tag == "B") {
                std::string write;
                for (; i < lines_.size() && (lines_[i].tag == "C" || lines_[i].tag == "B"); ++i) {
                    write += test::unescape(lines_[i].text);
                    if (lines_[i].tag == "C") write += "\r\n";
                }
                feed(write);
                continue;
            }
            step(lines_[i]);
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
        const std::string what = kv.at(0).first;
        for (std::size_t k = 1; k < kv.size(); ++k) {
            const auto& [key, v] = kv[k];
            if (what == "listener") {
                if (key == "tls") {
                    policy_.tls_active = v == "implicit";
                    policy_.starttls_offered = v == "starttls";
                } else if (key == "submission") policy_.submission = flag(v);
                else if (key == "plaintext_auth") policy_.plaintext_auth = flag(v);
                else if (key == "auth") policy_.auth_offered = flag(v);
                else if (key == "hostname") policy_.hostname = v;
                else if (key == "mechanisms") {
                    policy_.sasl_mechanisms.clear();
                    std::stringstream ss(v);
                    for (std::string m; std::getline(ss, m, ',');) policy_.sasl_mechanisms.push_back(m);
                } else throw std::runtime_error("unknown listener key " + key);
            } else if (what == "limits") {
                const auto n = std::stoull(v);
                if (key == "max_message_bytes") limits_.max_message_bytes = n;
                else if (key == "max_recipients") limits_.max_recipients = static_cast<unsigned>(n);
                else if (key == "max_bad_commands") limits_.max_bad_commands = static_cast<unsigned>(n);
                else if (key == "max_auth_failures") limits_.max_auth_failures = static_cast<unsigned>(n);
                else if (key == "auth_failure_delay_ms") limits_.auth_failure_delay = std::chrono::milliseconds(n);
                else if (key == "max_auth_failure_delay_ms")
                    limits_.max_auth_failure_delay = std::chrono::milliseconds(n);
                else if (key == "max_command_line") limits_.max_command_line = n;
                else if (key == "max_text_line") limits_.max_text_line = n;
                else throw std::runtime_error("unknown limits key " + key);
            } else {
                throw std::runtime_error("unknown setup " + what);
            }
        }
    }

    void feed(const std::string& bytes) { test::feed_write(*session_, bytes, per_byte_); }

    void pull() {
        while (!held_) {
            auto a = session_->next_action();
            if (!a) return;
            if (auto* r = std::get_if<send_reply>(&*a)) out_ += r->bytes;
            else if (auto* d = std::get_if<message_data>(&*a)) {
                EXPECT_FALSE(d->bytes.empty()) << "empty message_data";
                EXPECT_LE(d->bytes.size(), server_session::max_body_piece);
                body_ += d->bytes;
            } else if (std::holds_alternative<discard_message>(*a)) {
                body_.clear();
            } else held_ = std::move(a);
        }
    }

    void step(const transcript_line& l) {
        const std::string at = "transcript line " + std::to_string(l.number) + ": ";
        if (l.tag == "S") {
            pull();
            auto crlf = out_.find("\r\n");
            if (crlf == std::string::npos)
                FAIL() << at << "expected S: " << l.text << "\n  but the server sent "
                       << (out_.empty() ? "nothing" : "an unterminated " + out_)
                       << (held_ ? "; next action: " + render(*held_) : "");
            EXPECT_EQ(out_.substr(0, crlf), test::unescape(l.text)) << at;
            out_.erase(0, crlf + 2);
        } else if (l.tag == "A") {
            pull();
            ASSERT_EQ(out_, "") << at << "server output before the expected action " << l.text;
            ASSERT_TRUE(held_) << at << "expected action " << l.text << " but the session wants input";
            EXPECT_EQ(render(*held_, body_), l.text) << at;
            if (std::holds_alternative<queue_message>(*held_)) body_.clear();
            last_action_ = held_->index();
            held_.reset();
        } else if (l.tag == "R") {
            answer(l, at);
        } else if (l.tag == "X") {
            if (l.text == "eof") session_->feed_eof();
            else if (l.text == "timeout") session_->timed_out();
            else FAIL() << at << "unknown X: " << l.text;
        } else if (l.tag == "=") {
            auto kv = test::key_values(l.text);
            if (kv.at(0).first == "state") {
                EXPECT_EQ(state_name(session_->current_state()), kv.at(1).first) << at;
            }
            for (std::size_t k = 1; k < kv.size() && kv[0].first == "summary"; ++k) {
                const auto& [key, v] = kv[k];
                const auto& s = session_->summary();
                const std::string got = key == "messages"        ? std::to_string(s.messages)
                                        : key == "rejected"      ? std::to_string(s.rejected)
                                        : key == "auth_user"     ? s.auth_user
                                        : key == "auth_failures" ? std::to_string(s.auth_failures)
                                        : key == "helo"          ? s.helo
                                                                 : "<unknown summary key " + key + ">";
                EXPECT_EQ(got, v) << at << key;
            }
        } else {
            FAIL() << at << "unknown tag " << l.tag;
        }
    }

    void answer(const transcript_line& l, const std::string& at) {
        std::vector<std::string> words;
        std::stringstream ss(l.text);
        for (std::string w; ss >> w;) words.push_back(w);
        const std::string what = words.empty() ? "" : words[0];
        auto arg = [&](std::size_t k) { return words.size() > k ? words[k] : std::string(); };
        auto give = [&](verdict v) {
            if (last_action_ == action(check_sender{}).index()) session_->sender_checked(std::move(v));
            else session_->recipient_checked(std::move(v));
        };
        if (what == "accept") give({});
        else if (what == "refuse") {
            const auto text_start = l.text.find(' ', l.text.find(' ', l.text.find(' ') + 1) + 1);
            give({std::stoi(arg(1)), arg(2), text_start == std::string::npos ? "" : l.text.substr(text_start + 1)});
        } else if (what == "queued") session_->message_queued(arg(1));
        else if (what == "queue_failed")
            session_->message_queued(make_error_code(arg(1) == "temp" ? errc::storage_failure : errc::corrupt_data));
        else if (what == "tls_started") session_->tls_started();
        else if (what == "challenge") session_->sasl_challenge(arg(1));
        else if (what == "sasl") {
            const auto st = arg(1) == "ok"     ? auth_status::ok
                            : arg(1) == "temp" ? auth_status::temporary_failure
                                               : auth_status::bad_credentials;
            std::optional<std::string> final_data;
            if (words.size() > 3) final_data = words[3];
            session_->sasl_done(st, arg(2), final_data);
        } else ADD_FAILURE() << at << "unknown answer " << l.text;
    }

    const std::vector<transcript_line>& lines_;
    bool per_byte_;
    std::string body_;  // message_data since the last queue_message / discard_message
    listener_policy policy_{.submission = false,
                            .tls_active = false,
                            .starttls_offered = true,
                            .plaintext_auth = false,
                            .auth_offered = true,
                            .sasl_mechanisms = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"},
                            .hostname = "mx.example.test"};
    limits limits_;
    std::optional<server_session> session_;
    std::string out_;
    std::optional<action> held_;
    std::size_t last_action_ = 0;
};

using test::transcript_case;

class SmtpTranscript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(SmtpTranscript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, SmtpTranscript,
                         ::testing::ValuesIn(test::transcript_cases(MAILROOM_SMTP_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(SmtpTranscriptSuite, HasFiles) { EXPECT_GE(test::transcript_cases(MAILROOM_SMTP_TRANSCRIPT_DIR).size(), 20u); }

}  // namespace
}  // namespace mailroom::smtp
