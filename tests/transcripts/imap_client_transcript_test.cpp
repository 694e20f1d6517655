// Replays tests/transcripts/imap_client/*.txt against
// imap::client::client_session, whole and with every server write split
// into single bytes (format in tests/transcripts/README.md). S:/B: are the
// server's writes, C: a line the client sends, L: raw bytes it sends.
#include "proto/imap/client/client_session.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "transcript_file.hpp"

namespace mailroom::imap::client {
namespace {

using test::transcript_line;

const char* reason_name(close_reason r) {
    switch (r) {
        case close_reason::quit: return "quit";
        case close_reason::refused: return "refused";
        case close_reason::no_tls: return "no_tls";
        case close_reason::login_failed: return "login_failed";
        case close_reason::protocol_error: return "protocol_error";
        case close_reason::connection_lost: return "connection_lost";
        case close_reason::timeout: return "timeout";
        case close_reason::tls_failed: return "tls_failed";
    }
    return "?";
}

const char* status_word(status s) {
    switch (s) {
        case status::ok: return "ok";
        case status::no: return "no";
        case status::bad: return "bad";
        case status::bye: return "bye";
        case status::preauth: return "preauth";
        case status::none: break;
    }
    return "none";
}

std::string render(const value& v) {
    switch (v.what) {
        case value::kind::atom: return v.text;
        case value::kind::number: return std::to_string(v.number);
        case value::kind::string: return "\"" + v.text + "\"";
        case value::kind::nil: return "NIL";
        case value::kind::streamed: return "{streamed " + std::to_string(v.number) + "}";
        case value::kind::list: {
            std::string s = "(";
            for (const auto& i : v.items) s += (s.size() > 1 ? " " : "") + render(i);
            return s + ")";
        }
    }
    return "?";
}

std::string render(const response& r) {
    if (r.state != status::none)
        return std::string(status_word(r.state)) +
               (r.code.empty() ? "" : " [" + r.code + (r.code_args.empty() ? "" : " " + r.code_args) + "]") +
               (r.text.empty() ? "" : " " + r.text);
    std::string s;
    for (const auto& v : r.data) s += (s.empty() ? "" : " ") + render(v);
    return s;
}

std::string render(const action& a) {
    struct visitor {
        std::string operator()(const send_bytes& s) const { return "send " + s.bytes; }
        std::string operator()(const send_literal& s) const { return "send_literal " + std::to_string(s.size); }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const need_password&) const { return "need_password"; }
        std::string operator()(const sasl_start& s) const { return "sasl_start " + s.mechanism; }
        std::string operator()(const sasl_step& s) const { return "sasl_step " + s.challenge_b64; }
        std::string operator()(const server_line& s) const { return "server_line " + s.text; }
        std::string operator()(const logged_in& l) const { return "logged_in " + l.method; }
        std::string operator()(const untagged& u) const { return "untagged " + render(u.r); }
        std::string operator()(const body_begin& b) const {
            return "body_begin " + std::to_string(b.size) + " " + b.item;
        }
        std::string operator()(const body_data& b) const { return "body " + b.bytes; }
        std::string operator()(const body_end&) const { return "body_end"; }
        std::string operator()(const command_done& d) const {
            std::string s = "done " + std::to_string(d.index) + " " + status_word(d.state);
            if (!d.code.empty()) s += " [" + d.code + (d.code_args.empty() ? "" : " " + d.code_args) + "]";
            return s + (d.text.empty() ? "" : " " + d.text);
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

// Command text with "<string TEXT>" (an astring) and "<literal N>" (a driver literal).
command parse_command(const std::string& text) {
    command c;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto open = text.find('<', pos);
        if (open == std::string::npos) {
            c.text(text.substr(pos));
            break;
        }
        if (open > pos) c.text(text.substr(pos, open - pos));
        const auto close = text.find('>', open);
        if (close == std::string::npos) throw std::runtime_error("unclosed < in command " + text);
        const std::string inner = text.substr(open + 1, close - open - 1);
        if (inner.starts_with("string ")) c.string(test::unescape(inner.substr(7)));
        else if (inner.starts_with("literal ")) c.literal(std::stoull(inner.substr(8)));
        else throw std::runtime_error("unknown <" + inner + "> in command");
        pos = close + 1;
    }
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
            else if (key == "max_literal") config_.limits.max_literal_bytes = std::stoul(v);
            else if (key == "max_message") config_.limits.max_message_bytes = std::stoul(v);
            else if (key == "max_response") config_.limits.max_response_bytes = std::stoul(v);
            else if (key == "max_depth") config_.limits.max_depth = std::stoul(v);
            else throw std::runtime_error("unknown client key " + key);
        }
    }

    // The next action a transcript names; trace lines, untagged responses
    // and body pieces are collected.
    void pull() {
        while (!held_) {
            auto a = session_->next_action();
            if (!a) return;
            if (auto* s = std::get_if<server_line>(&*a)) trace_ += "S: " + s->text + "\n";
            else if (auto* b = std::get_if<body_data>(&*a)) body_ += b->bytes;
            else if (auto* u = std::get_if<untagged>(&*a)) untagged_ += render(u->r) + "\n";
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

    void expect_send(const std::string& want, const std::string& at) {
        pull();
        ASSERT_TRUE(held_) << at << "expected the client to send " << want << " but it sent nothing";
        auto* s = std::get_if<send_bytes>(&*held_);
        ASSERT_TRUE(s) << at << "expected the client to send " << want << " but got " << render(*held_);
        EXPECT_EQ(s->bytes, want) << at;
        held_.reset();
    }

    void step(const transcript_line& l) {
        const std::string at = "transcript line " + std::to_string(l.number) + ": ";
        if (l.tag == "C") {
            expect_send(test::unescape(l.text) + "\r\n", at);
        } else if (l.tag == "L") {
            expect_send(test::unescape(l.text), at);
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
        else if (what == "sasl_initial") {
            if (arg.empty()) session_->sasl_initial(std::nullopt);
            else session_->sasl_initial(secret(arg == "=" ? std::string() : test::unescape(arg)));
        } else if (what == "sasl") session_->sasl_response(secret(test::unescape(arg)));
        else if (what == "sasl_cancel") session_->sasl_cancel();
        else if (what == "literal_sent") session_->literal_sent();
        else if (what == "command") session_->add_command(parse_command(arg));
        else if (what == "no_more_commands") session_->no_more_commands();
        else ADD_FAILURE() << at << "unknown answer " << l.text;
    }

    // = body BYTES | = trace TEXT | = no_trace TEXT | = untagged TEXT
    // (the untagged responses since the last check, one per line) | = caps A,B | = tls B
    void check(const transcript_line& l, const std::string& at) {
        pull();
        const auto space = l.text.find(' ');
        const std::string what = l.text.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : l.text.substr(space + 1);
        if (what == "body") {
            EXPECT_EQ(body_, test::unescape(arg)) << at;
            body_.clear();
        } else if (what == "untagged") {
            EXPECT_EQ(untagged_, test::unescape(arg)) << at;
            untagged_.clear();
        } else if (what == "trace") {
            EXPECT_NE(trace_.find(test::unescape(arg)), std::string::npos) << at << "trace lacks " << arg << ":\n"
                                                                           << trace_;
        } else if (what == "no_trace") {
            EXPECT_EQ(trace_.find(test::unescape(arg)), std::string::npos) << at << "trace shows " << arg;
        } else if (what == "caps") {
            std::string got;
            for (const auto& c : session_->capabilities()) got += (got.empty() ? "" : ",") + c;
            EXPECT_EQ(got, arg) << at;
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
        c.allowed = {auth_method::scram_sha_256, auth_method::scram_sha_1, auth_method::cram_md5,
                     auth_method::plain,         auth_method::sasl_login,  auth_method::login};
        return c;
    }();
    std::vector<command> initial_;
    bool open_ = false;
    std::optional<client_session> session_;
    std::optional<action> held_;
    std::string trace_;
    std::string body_;
    std::string untagged_;
};

using test::transcript_case;

class ImapClientTranscript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(ImapClientTranscript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, ImapClientTranscript,
                         ::testing::ValuesIn(test::transcript_cases(MAILROOM_IMAP_CLIENT_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(ImapClientTranscriptSuite, HasFiles) {
    EXPECT_GE(test::transcript_cases(MAILROOM_IMAP_CLIENT_TRANSCRIPT_DIR).size(), 20u);
}

}  // namespace
}  // namespace mailroom::imap::client
