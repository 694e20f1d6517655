// Replays tests/transcripts/smtp_client/*.txt against
// smtp::client::client_session, whole and with every server write split
// into single bytes (format in tests/transcripts/README.md). The roles are
// mirrored from the server runners: S:/B: are what the server writes (fed
// to the engine), C: what the client must send, one write per C: group.
#include "proto/smtp/client/client_session.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "transcript_file.hpp"

namespace mailroom::smtp::client {
namespace {

using test::transcript_line;

const char* status_name(delivery_status s) {
    switch (s) {
        case delivery_status::delivered: return "delivered";
        case delivery_status::temporary: return "temporary";
        case delivery_status::permanent: return "permanent";
    }
    return "?";
}

const char* stage_name(stage s) {
    switch (s) {
        case stage::connection: return "connection";
        case stage::local: return "local";
        case stage::mail: return "mail";
        case stage::rcpt: return "rcpt";
        case stage::data: return "data";
        case stage::end_of_data: return "end_of_data";
    }
    return "?";
}

const char* reason_name(close_reason r) {
    switch (r) {
        case close_reason::quit: return "quit";
        case close_reason::failed: return "failed";
        case close_reason::server_closed: return "server_closed";
        case close_reason::protocol_error: return "protocol_error";
        case close_reason::connection_lost: return "connection_lost";
        case close_reason::timeout: return "timeout";
        case close_reason::tls_failed: return "tls_failed";
    }
    return "?";
}

std::string render(const action& a) {
    struct visitor {
        std::string operator()(const send_bytes& s) const { return "send " + s.bytes; }
        std::string operator()(const send_content& c) const {
            return "send_content " + std::to_string(c.content->size());
        }
        std::string operator()(const start_tls&) const { return "start_tls"; }
        std::string operator()(const sasl_start& s) const { return "sasl_start " + s.mechanism; }
        std::string operator()(const sasl_step& s) const { return "sasl_step " + s.challenge_b64; }
        std::string operator()(const message_done& d) const {
            std::string s = "done " + d.id;
            for (const auto& r : d.recipients) {
                s += " " + r.address + ":" + status_name(r.status) + ":" +
                     (r.response.code ? std::to_string(r.response.code) : "local") + ":" +
                     (r.response.enhanced.empty() ? "-" : r.response.enhanced) + ":" + stage_name(r.where);
            }
            return s;
        }
        std::string operator()(const close_connection& c) const { return std::string("close ") + reason_name(c.why); }
    };
    return std::visit(visitor{}, a);
}

bool flag(const std::string& v) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw std::runtime_error("expected true or false, got " + v);
}

unsigned notify_bits(const std::string& v) {
    unsigned bits = 0;
    std::stringstream ss(v);
    for (std::string w; std::getline(ss, w, ',');) {
        if (w == "success") bits |= 1;
        else if (w == "failure") bits |= 2;
        else if (w == "delay") bits |= 4;
        else if (w == "never") bits |= 8;
        else throw std::runtime_error("unknown notify " + w);
    }
    return bits;
}

// "id=m1 from=a@b to=c@d,e@f eight_bit=true smtputf8=true envid=X ret=full|hdrs | body"
outgoing_message parse_message(const std::string& text) {
    outgoing_message m;
    m.content = "Subject: test\r\n\r\nHello\r\n";
    auto bar = text.find(" | ");
    if (bar != std::string::npos) m.content = test::unescape(text.substr(bar + 3));
    for (const auto& [key, v] : test::key_values(text.substr(0, bar))) {
        if (key == "id") m.id = v;
        else if (key == "from") m.sender = test::unescape(v);
        else if (key == "to") {
            std::stringstream ss(v);
            for (std::string a; std::getline(ss, a, ',');) m.recipients.push_back({test::unescape(a), 0, ""});
        } else if (key == "eight_bit") m.eight_bit = flag(v);
        else if (key == "smtputf8") m.smtputf8 = flag(v);
        else if (key == "envid") m.envid = test::unescape(v);
        else if (key == "ret") m.ret = v == "full" ? dsn_ret::full : dsn_ret::headers;
        else if (key == "size") m.content = std::string(std::stoul(v), 'x');
        else throw std::runtime_error("unknown message key " + key);
    }
    return m;
}

class replay {
public:
    replay(const std::vector<transcript_line>& lines, bool per_byte) : lines_(lines), per_byte_(per_byte) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && lines_[i].tag == "!"; ++i) setup(lines_[i]);
        session_.emplace(config_);
        for (auto& m : initial_) session_->add_message(std::move(m));
        if (!open_) session_->no_more_messages();
        while (i < lines_.size()) {
            const auto& tag = lines_[i].tag;
            if (tag == "S" || tag == "B" || tag == "C") {
                std::string bytes;
                const int first = lines_[i].number;
                const bool server = tag != "C";
                auto same_group = [&](const std::string& t) { return server ? (t == "S" || t == "B") : t == "C"; };
                for (; i < lines_.size() && same_group(lines_[i].tag); ++i) {
                    bytes += test::unescape(lines_[i].text);
                    if (lines_[i].tag != "B") bytes += "\r\n";
                }
                if (server) server_write(bytes, first);
                else client_write(bytes, first);
            } else {
                step(lines_[i]);
                ++i;
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
        if (what == "message") return initial_.push_back(parse_message(rest));
        if (what == "open") {
            open_ = true;
            return;
        }
        if (what == "rcpt") {  // rcpt ADDR notify=a,b orcpt=type;addr   (to the last message)
            auto kv = test::key_values(rest);
            outgoing_recipient r{test::unescape(kv.at(0).first), 0, ""};
            for (std::size_t k = 1; k < kv.size(); ++k) {
                if (kv[k].first == "notify") r.notify = notify_bits(kv[k].second);
                else if (kv[k].first == "orcpt") r.orcpt = test::unescape(kv[k].second);
                else throw std::runtime_error("unknown rcpt key " + kv[k].first);
            }
            return initial_.at(initial_.size() - 1).recipients.push_back(std::move(r));
        }
        if (what != "client") throw std::runtime_error("unknown setup " + what);
        for (const auto& [key, v] : test::key_values(rest)) {
            if (key == "helo") config_.helo_name = v;
            else if (key == "tls") {
                config_.tls = v == "none"       ? tls_policy::none
                              : v == "required" ? tls_policy::required
                              : v == "implicit" ? tls_policy::implicit
                                                : tls_policy::opportunistic;
            } else if (key == "auth") {
                config_.authenticate = true;
                config_.sasl_mechanisms.clear();
                std::stringstream ss(v);
                for (std::string m; std::getline(ss, m, ',');) config_.sasl_mechanisms.push_back(m);
            } else if (key == "plaintext_auth") config_.plaintext_auth = flag(v);
            else if (key == "auth_failure_permanent") config_.auth_failure_permanent = flag(v);
            else if (key == "max_line") config_.limits.max_line_bytes = std::stoul(v);
            else if (key == "max_lines") config_.limits.max_lines = std::stoul(v);
            else if (key == "max_reply_bytes") config_.limits.max_reply_bytes = std::stoul(v);
            else throw std::runtime_error("unknown client key " + key);
        }
    }

    void pull() {
        if (!held_) held_ = session_->next_action();
    }

    void server_write(const std::string& bytes, int line) {
        pull();
        ASSERT_FALSE(held_) << "transcript line " << line << ": before the server writes, unexpected "
                            << render(*held_);
        if (!per_byte_) return session_->feed(bytes);
        for (char c : bytes) session_->feed(std::string_view(&c, 1));
    }

    void client_write(const std::string& bytes, int line) {
        pull();
        const std::string at = "transcript line " + std::to_string(line) + ": ";
        ASSERT_TRUE(held_) << at << "expected the client to send " << bytes << " but it sent nothing";
        auto* s = std::get_if<send_bytes>(&*held_);
        ASSERT_TRUE(s) << at << "expected the client to send " << bytes << " but got " << render(*held_);
        EXPECT_EQ(s->bytes, bytes) << at;
        held_.reset();
    }

    void step(const transcript_line& l) {
        const std::string at = "transcript line " + std::to_string(l.number) + ": ";
        if (l.tag == "A") {
            pull();
            ASSERT_TRUE(held_) << at << "expected action " << l.text << " but the session wants input";
            EXPECT_EQ(render(*held_), test::unescape(l.text)) << at;
            if (auto* d = std::get_if<message_done>(&*held_)) last_done_ = *d;
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
        else if (what == "sasl_initial") {
            if (arg.empty()) session_->sasl_initial(std::nullopt);
            else session_->sasl_initial(secret(arg == "=" ? "" : test::unescape(arg)));
        } else if (what == "sasl") session_->sasl_response(secret(test::unescape(arg)));
        else if (what == "sasl_cancel") session_->sasl_cancel();
        else if (what == "message") session_->add_message(parse_message(arg));
        else if (what == "no_more_messages") session_->no_more_messages();
        else ADD_FAILURE() << at << "unknown answer " << l.text;
    }

    // = phase NAME | = timeout N | = text ADDRESS words...  (the last done's reply for that address)
    void check(const transcript_line& l, const std::string& at) {
        const auto space = l.text.find(' ');
        const std::string what = l.text.substr(0, space);
        const std::string arg = space == std::string::npos ? "" : l.text.substr(space + 1);
        if (what == "phase") {
            EXPECT_EQ(phase_name(session_->current_phase()), arg) << at;
        } else if (what == "timeout") {
            const auto t = session_->reply_timeout();
            EXPECT_EQ(t ? std::to_string(t->count()) : "none", arg) << at;
        } else if (what == "text") {
            const auto sp = arg.find(' ');
            const auto address = arg.substr(0, sp);
            const auto want = arg.substr(sp + 1);
            ASSERT_TRUE(last_done_) << at << "no message result yet";
            bool found = false;
            for (const auto& r : last_done_->recipients) {
                if (r.address != address) continue;
                found = true;
                const auto text = r.response.summary();
                EXPECT_NE(text.find(want), std::string::npos) << at << "reply text " << text << " lacks " << want;
            }
            EXPECT_TRUE(found) << at << "no recipient " << address << " in the last result";
        } else {
            FAIL() << at << "unknown check " << what;
        }
    }

    const std::vector<transcript_line>& lines_;
    bool per_byte_;
    client_config config_ = [] {
        client_config c;
        c.helo_name = "out.example.test";
        return c;
    }();
    std::vector<outgoing_message> initial_;
    bool open_ = false;
    std::optional<client_session> session_;
    std::optional<action> held_;
    std::optional<message_done> last_done_;
};

using test::transcript_case;

class SmtpClientTranscript : public ::testing::TestWithParam<transcript_case> {};

TEST_P(SmtpClientTranscript, Replays) {
    auto lines = test::read_transcript(GetParam().file);
    replay(lines, GetParam().per_byte).run();
}

INSTANTIATE_TEST_SUITE_P(Files, SmtpClientTranscript,
                         ::testing::ValuesIn(test::transcript_cases(MAILROOM_SMTP_CLIENT_TRANSCRIPT_DIR)),
                         [](const ::testing::TestParamInfo<transcript_case>& param_info) {
                             return test::transcript_case_name(param_info.param);
                         });

TEST(SmtpClientTranscriptSuite, HasFiles) {
    EXPECT_GE(test::transcript_cases(MAILROOM_SMTP_CLIENT_TRANSCRIPT_DIR).size(), 40u);
}

}  // namespace
}  // namespace mailroom::smtp::client
