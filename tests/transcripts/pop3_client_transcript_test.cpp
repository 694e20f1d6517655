// Replays tests/transcripts/pop3_client/*.txt against
// pop3::client::client_session, whole and with every server write split
// into single bytes (format in tests/transcripts/README.md). S:/B: are the
// server's writes, C: each line the client must send (one send each).
#include "proto/pop3/client/client_session.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "transcript_file.hpp"

namespace mailroom::pop3::client {
namespace {

using test::transcript_line;

const char* reason_name(close_reason r) {
    switch (r) {
        case close_reason::quit: return "quit";
        case close_reason::refused: return "refused";
        case close_reason::tls_unavailable: return "tls_unavailable";
        case close_reason::login_failed: return "login_failed";
        case close_reason::protocol_error: return "protocol_error";
        case close_reason::connection_lost: return "connection_lost";
        case close_reason::timeout: return "timeout";
        case close_reason::tls_failed: return "tls_failed";
    }
    return "?";
}

// The actions a transcript names; server_line and body_data are collected
// instead (checked with "= trace" and "= body").
std::string render(const action& a) {
    struct visitor {
        std::string operator()(const send_bytes& s) const { return "send " + s.bytes; }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const need_password&) const { return "need_password"; }
        std::string operator()(const need_apop_digest& d) const { return "need_apop_digest " + d.timestamp; }
        std::string operator()(const sasl_start& s) const { return "sasl_start " + s.mechanism; }
        std::string operator()(const sasl_step& s) const { return "sasl_step " + s.challenge_b64; }
        std::string operator()(const server_line& s) const { return "server_line " + s.text; }
        std::string operator()(const logged_in& l) const { return "logged_in " + l.method; }
        std::string operator()(const body_data& b) const { return "body " + b.bytes; }
        std::string operator()(const command_done& d) const {
            return "done " + std::to_string(d.index) + (d.ok ? " ok" : " err") + (d.text.empty() ? "" : " " + d.text);
        }
        std::string operator()(const close_connection& c) const {
            return std::string("close ") + reason_name(c.why) + (c.detail.empty() ? "" : ": " + c.detail);
        }
    };
    return std::visit(visitor{}, a);
}

bool flag(const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw std::runtime_error("expected true or false, got " + v);
}

// "RETR 1 multi message" / "STAT"
command parse_command(const std::string& text) {
    command c;
    c.line = text;
    for (const char* word : {" message", " multi"}) {
        const std::string w = word;
        if (c.line.size() > w.size() && c.line.compare(c.line.size() - w.size(), w.size(), w) == 0) {
            c.line.resize(c.line.size() - w.size());
            if (w == " message") c.message = true;
            else c.multi_line = true;
        }
    }
    if (c.message) c.multi_line = true;
    return c;
}

class replay {
public:
    replay(const std::vector<transcript_line>& lines, bool per_byte) : lines_(lines), per_byte_(per_byte) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && lines_[i].tag == "!"; ++i) setup(lines_[i]);
        session_.emplace(config_);
        for (auto& c : initial_) session_->add_command(std::move(c));
        if (!open_) session_->no_more_commands();
        for (; i < lines_.size(); ++i) {
            const auto& l = lines_[i];
            if (l.tag == "S" || l.tag == "B") {
                std::string bytes;
                const int first = l.number;
                for (; i < lines_.size() && (lines_[i].tag == "S" || lines_[i].tag == "B"); ++i) {
                    bytes += test::unescape(lines_[i].text);
                    if (lines_[i].tag == "S") bytes += "\r\n";
                }
                --i;
                server_write(bytes, first);
            } else {
                step(l);
            }
            if (::testing::Test::HasFatalFailure()) return;
        }
        pull();
        EXPECT_FALSE(held_) << "action nobody expected at end: " << render(*held_);
    }

private:
    void setup(const transcript_line& l) {
        const auto space = l.text.find(' ');
        const std::string what = l.text.substr(0, space);
        const std::string rest = space == std::string::npos ? "" : l.text.substr(space + 1);
        if (what == "command") return initial_.push_back(parse_command(rest));
        if (what == "open") {
            open_ = true;
            return;
        }
        if (what != "client") throw std::runtime_error("unknown setup " + what);
        for (const auto& [key, v] : test::key_values(rest)) {
            if (key == "tls") {
                config_.tls = v == "none" ? tls_mode::none : v == "implicit" ? tls_mode::implicit : tls_mode::starttls;
            } else if (key == "user") {
                config_.user = v;
            } else if (key == "auth") {
                config_.allowed.clear();
                std::stringstream ss(v);
                for (std::string m; std::getline(ss, m, ',');) config_.allowed.push_back(parse_method(m).value());
            } else if (key == "allow_plaintext") config_.allow_plaintext = flag(v);
            else if (key == "max_line") config_.limits.max_line_bytes = std::stoul(v);
            else if (key == "max_body") config_.limits.max_body_bytes = std::stoul(v);
            else if (key == "max_listing") config_.limits.max_listing_bytes = std::stoul(v);
            else throw std::runtime_error("unknown client key " + key);
        }
    }

    // The next action a transcript names; trace lines and body pieces are collected.
    void pull() {
        while (!held_) {
            auto a = session_->next_action();
            if (!a) return;
            if (auto* s = std::get_if<server_line>(&*a)) trace_ += "S: " + s->text + "\n";
            else if (auto* b = std::get_if<body_data>(&*a)) body_ += b->bytes;
            else {
                if (auto* sb = std::get_if<send_bytes>(&*a)) trace_ += "C: " + sb->trace + "\n";
                held_ = std::move(a);
            }
        }
    }

    void server_write(const std::string& bytes, int line) {
        pull();
        ASSERT_FALSE(held_) << "transcript line " << line << ": before the server writes, unexpected "
                            << render(*held_);
        test::feed_write(*session_, bytes, per_byte_);
    }

    void step(const transcript_line& l) {
        const std::string at = "transcript line " + std::to_string(l.number) + ": ";
        if (l.tag == "C") {
            pull();
            const std::string want = test::unescape(l.text) + "\r\n";
            ASSERT_TRUE(held_) << at << "expected the client to send " << want << " but it sent nothing";
            auto* s = std::get_if<send_bytes>(&*held_);
            ASSERT_TRUE(s) << at << "expected the client to send " << want << " but got " << render(*held_);
            EXPECT_EQ(s->bytes, want) << at;
            held_.reset();
        } else if (l.tag == "A") {
            pull();
            ASSERT_TRUE(held_) << at << "expected action " << l.text << " but the session wants input";
            EXPECT_EQ(render(*held_), test::unescape(l.text)) << at;
            held_.reset();
        } else if (l.tag == "R") {
            pull();
            ASSERT_FALSE(held_) << at << "before the answer, unexpected " << render(*held_);
            answer(l, at);
        } else if (l.tag == "X") {
            pull();
            ASSERT_FALSE(held_) << at << "before " << l.text << ", unexpected " << render(*held_);
            if (l.text == "eof") session_->feed_eof();
            else if (l.text == "timeout") session_->timed_out();
            else FAIL() << at << "unknown X: " << l.text;
        } else if (l.tag == "=") {
            check(l, at);
        } else {
            FAIL() << at << "unknown tag " << l.tag;
        }
    }

    void answer(const transcript_line& l, const std::string& at) {
        const auto space = l.text.find(' ');
        const std::string what = l.text.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : l.text.substr(space + 1);
        if (what == "tls_started") session_->tls_started();
        else if (what == "tls_failed") session_->tls_failed(arg);
        else if (what == "password") session_->password(secret(test::unescape(arg)));
        else if (what == "apop") session_->apop_digest(secret(arg));
        else if (what == "sasl_initial") {
            if (arg.empty()) session_->sasl_initial(std::nullopt);
            else session_->sasl_initial(secret(arg == "=" ? std::string() : test::unescape(arg)));
        } else if (what == "sasl") session_->sasl_response(secret(test::unescape(arg)));
        else if (what == "sasl_cancel") session_->sasl_cancel();
        else if (what == "command") session_->add_command(parse_command(arg));
        else if (what == "no_more_commands") session_->no_more_commands();
        else ADD_FAILURE() << at << "unknown answer " << l.text;
    }

    // = body ESCAPED (the body bytes since the last check) | = trace ESCAPED
    // (contains) | = no_trace TEXT | = caps A,B | = timestamp TS | = tls B
    void check(const transcript_line& l, const std::string& at) {
        pull();
        const auto space = l.text.find(' ');
        const std::string what = l.text.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : l.text.substr(space + 1);
        if (what == "body") {
            EXPECT_EQ(body_, test::unescape(arg)) << at;
            body_.clear();
        } else if (what == "trace") {
            EXPECT_NE(trace_.find(test::unescape(arg)), std::string::npos) << at << "trace lacks " << arg << ":\n"
                                                                           << trace_;
        } else if (what == "no_trace") {
            EXPECT_EQ(trace_.find(test::unescape(arg)), std::string::npos) << at << "trace shows " << arg;
        } else if (what == "caps") {
            std::string got;
            for (const auto& c : session_->capabilities()) got += (got.empty() ? "" : ",") + c;
            EXPECT_EQ(got, arg) << at;
        } else if (what == "timestamp") {
            EXPECT_EQ(session_->apop_timestamp(), arg) << at;
        } else if (what == "tls") {
            EXPECT_EQ(session_->tls_active(), flag(arg)) << at;
        } else {
            FAIL() << at << "unknown check " << what;
        }
    }

    const std::vector<transcript_line>& lines_;
    bool per_byte_;
    client_config config_ = [] {
        client_config c;
        c.allowed = {auth_method::scram_sha_256, auth_method::scram_sha_1, auth_method::cram_md5, auth_method::apop,
                     auth_method::plain,         auth_method::login,       auth_method::user};
        return c;
    }();
    std::vector<command> initial_;
    bool open_ = false;
    std::optional<client_session> session_;
    std::optional<action> held_;
    std::string trace_;
    std::string body_;
};

using test::transcript_case;

class Pop3ClientTranscript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(Pop3ClientTranscript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, Pop3ClientTranscript,
                         ::testing::ValuesIn(test::transcript_cases(MAILROOM_POP3_CLIENT_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(Pop3ClientTranscriptSuite, HasFiles) {
    EXPECT_GE(test::transcript_cases(MAILROOM_POP3_CLIENT_TRANSCRIPT_DIR).size(), 20u);
}

}  // namespace
}  // namespace mailroom::pop3::client
