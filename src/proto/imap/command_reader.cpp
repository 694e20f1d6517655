// imap::command_reader: the token grammar of RFC 9051 §4 and §9 (tag, atom,
// quoted, literal, literal8, lists) over complete lines of input_buffer,
// with the literal hand-shake and the skipping of a failed command.
#include "proto/imap/command_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "proto/common/keyword.hpp"

namespace mailroom::imap {
namespace {

using status = command_reader::status;

bool is_ctl(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

// ATOM-CHAR plus what atoms carry in practice (argument.hpp): everything
// but SP, CTL, 8-bit, "(", ")", "{" and DQUOTE.
bool is_atom_char(unsigned char c) noexcept {
    return !is_ctl(c) && c < 0x80 && c != ' ' && c != '(' && c != ')' && c != '{' && c != '"';
}

// tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9).
bool is_tag_char(unsigned char c) noexcept { return is_atom_char(c) && c != '+' && c != '%' && c != '*' && c != '\\'; }

struct literal_header {
    std::size_t start = 0;  // of "{" or "~{"
    std::uint64_t size = 0;
    bool overflow = false;  // more digits than number64 holds
    bool sync = true;
    bool binary = false;
};

// A literal header ending the line: "{n}", "{n+}", "{n-}", "~{n}" ...
// (RFC 9051 §9 literal, RFC 7888 §3, RFC 3516 §4.3 literal8).
std::optional<literal_header> trailing_literal(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    std::size_t end = line.size() - 1;
    literal_header h;
    if (end > 0 && (line[end - 1] == '+' || line[end - 1] == '-')) {
        h.sync = false;
        --end;
    }
    std::size_t digits = end;
    while (digits > 0 && line[digits - 1] >= '0' && line[digits - 1] <= '9') --digits;
    if (digits == end || digits == 0 || line[digits - 1] != '{') return std::nullopt;
    for (std::size_t i = digits; i < end; ++i) {
        const auto d = static_cast<std::uint64_t>(line[i] - '0');
        if (h.size > (UINT64_MAX - d) / 10) {
            h.overflow = true;
            break;
        }
        h.size = h.size * 10 + d;
    }
    h.start = digits - 1;
    if (h.start > 0 && line[h.start - 1] == '~') {
        h.binary = true;
        --h.start;
    }
    return h;
}

}  // namespace

command_reader::command_reader(proto::input_buffer& in, const limits& lim) : in_(in), lim_(lim) {}

raw_command command_reader::take_command() noexcept { return std::exchange(cmd_, {}); }

const std::vector<argument>& command_reader::arguments_so_far() const noexcept { return cmd_.args; }

bool command_reader::idle() const noexcept { return phase_ == phase::start; }

void command_reader::clear_command() noexcept {
    cmd_ = {};
    stack_.clear();
    literal_data_.clear();
    literal_data_.shrink_to_fit();
    literal_left_ = 0;
    command_bytes_ = 0;
    arguments_ = 0;
    messages_ = 0;
    message_bytes_ = 0;
    last_ = after::open;
}

void command_reader::reset() noexcept {
    clear_command();
    phase_ = phase::start;
    lit_ = {};
}

std::vector<argument>& command_reader::current() noexcept { return stack_.empty() ? cmd_.args : *stack_.back(); }

status command_reader::fail(reader_error what, std::string text, bool fatal) {
    fail_ = {what, cmd_.tag, std::move(text), {}, fatal};
    if (what == reader_error::bad_tag) fail_.tag.clear();
    if (what == reader_error::literal_too_large) fail_.code = "TOOBIG";
    clear_command();
    phase_ = phase::start;
    return status::error;
}

// The command failed at some point of `line`: the rest of the command is
// skipped. Only a non-synchronizing literal ending the line is still sent
// by the client (RFC 7888 §4); a synchronizing one never comes, since the
// client gets this BAD instead of "+" (RFC 9051 §7.5).
status command_reader::skip_rest(std::string_view line, reader_error what, std::string text) {
    const auto lit = trailing_literal(line);
    const status s = fail(what, std::move(text), false);
    if (!lit || lit->sync) return s;
    if (lit->overflow || lit->size > lim_.max_discard_bytes) {
        fail_.fatal = true;
        fail_.code = "TOOBIG";
        return s;
    }
    literal_left_ = lit->size;
    phase_ = literal_left_ > 0 ? phase::discard_literal : phase::skip_line;
    return s;
}

status command_reader::next() {
    if (pending_failure_) {
        pending_failure_ = false;
        return status::error;
    }
    for (;;) {
        switch (phase_) {
            case phase::literal_wait: return status::literal_wanted;
            case phase::literal_read: {
                if (literal_left_ > 0) {
                    const auto got = in_.take(literal_left_);
                    literal_data_.append(got);
                    literal_left_ -= got.size();
                    if (literal_left_ > 0) return status::need_more;  // the buffer is empty
                }
                if (auto s = finish_literal(); s != status::need_more) return s;
                continue;
            }
            case phase::literal_stream:
                if (literal_left_ > 0) return status::need_more;  // the engine takes them
                if (auto s = finish_literal(); s != status::need_more) return s;
                continue;
            case phase::discard_literal: {
                const auto got = in_.take(literal_left_);
                if (got.empty()) return status::need_more;
                literal_left_ -= got.size();
                if (literal_left_ == 0) phase_ = phase::skip_line;
                continue;
            }
            case phase::skip_line: {
                const auto l = in_.next_line(lim_.max_line_bytes);
                if (l.what == proto::input_buffer::status::need_more) return status::need_more;
                if (l.what == proto::input_buffer::status::too_long)
                    return fail(reader_error::line_too_long, "Command line too long", true);
                phase_ = phase::start;
                const auto lit = trailing_literal(l.line);
                if (lit && !lit->sync) {
                    if (lit->overflow || lit->size > lim_.max_discard_bytes)
                        return fail(reader_error::literal_too_large, "Literal too large", true);
                    literal_left_ = lit->size;
                    phase_ = literal_left_ > 0 ? phase::discard_literal : phase::skip_line;
                }
                continue;
            }
            case phase::start:
            case phase::in_line: {
                const auto l = in_.next_line(lim_.max_line_bytes);
                if (l.what == proto::input_buffer::status::need_more) return status::need_more;
                // The dropped rest of the line may announce a literal whose
                // octets follow: nothing after it can be trusted.
                if (l.what == proto::input_buffer::status::too_long)
                    return fail(reader_error::line_too_long, "Command line too long", true);
                return lex_line(l.line);
            }
        }
    }
}

status command_reader::lex_line(std::string_view line) {
    if (phase_ == phase::start) clear_command();  // the previous command and its counts
    command_bytes_ += line.size() + 2;
    if (phase_ == phase::in_line) {
        if (command_bytes_ > lim_.max_command_bytes)
            return skip_rest(line, reader_error::command_too_long, "Command too long");
        return lex_arguments(line, 0);
    }
    // A new command: tag SP name [SP arguments].
    std::size_t i = 0;
    while (i < line.size() && is_tag_char(static_cast<unsigned char>(line[i]))) ++i;
    if (i == 0 || i > lim_.max_tag_bytes || i == line.size() || line[i] != ' ')
        return skip_rest(line, reader_error::bad_tag, line.empty() ? "Empty command line" : "Invalid tag");
    cmd_.tag.assign(line.substr(0, i));
    phase_ = phase::in_line;
    const std::size_t name_start = ++i;
    while (i < line.size() && is_atom_char(static_cast<unsigned char>(line[i]))) ++i;
    if (i == name_start) return skip_rest(line, reader_error::syntax, "Missing command name");
    cmd_.name.assign(line.substr(name_start, i - name_start));
    if (command_bytes_ > lim_.max_command_bytes)
        return skip_rest(line, reader_error::command_too_long, "Command too long");
    if (i == line.size()) {
        phase_ = phase::start;
        return status::command;
    }
    if (line[i] != ' ') return skip_rest(line, reader_error::syntax, "Invalid command name");
    last_ = after::space;
    return lex_arguments(line, i + 1);
}

status command_reader::lex_arguments(std::string_view line, std::size_t i) {
    while (i < line.size()) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c == ' ') {
            if (last_ != after::token && last_ != after::close)
                return skip_rest(line, reader_error::syntax, "Unexpected space");
            last_ = after::space;
            ++i;
            continue;
        }
        if (c == ')') {
            if (stack_.empty() || last_ == after::space) return skip_rest(line, reader_error::syntax, "Unexpected )");
            stack_.pop_back();
            last_ = after::close;
            ++i;
            continue;
        }
        // A token starts: after "(", SP, or glued to a ")".
        if (last_ == after::token) return skip_rest(line, reader_error::syntax, "Missing space between arguments");
        const bool glued = last_ == after::close;
        if (++arguments_ > lim_.max_arguments)
            return skip_rest(line, reader_error::too_many_arguments, "Too many arguments");
        if (c == '(') {
            if (glued) return skip_rest(line, reader_error::syntax, "Missing space before (");
            if (stack_.size() >= lim_.max_nesting_depth)
                return skip_rest(line, reader_error::too_deep, "Lists nested too deeply");
            auto& list = current().emplace_back();
            list.kind = argument_kind::list;
            stack_.push_back(&list.children);
            last_ = after::open;
            ++i;
            continue;
        }
        if (c == '"') {
            std::string text;
            std::size_t j = i + 1;
            for (; j < line.size() && line[j] != '"'; ++j) {
                auto q = static_cast<unsigned char>(line[j]);
                if (q == '\\') {
                    // RFC 9051 §9 quoted-specials: only \" and \\ are escapes.
                    if (j + 1 == line.size() || (line[j + 1] != '"' && line[j + 1] != '\\'))
                        return skip_rest(line, reader_error::syntax, "Invalid escape in quoted string");
                    q = static_cast<unsigned char>(line[++j]);
                } else if (q == '\0' || q == '\r') {
                    return skip_rest(line, reader_error::syntax, "Control character in quoted string");
                }
                text.push_back(static_cast<char>(q));
            }
            if (j == line.size()) return skip_rest(line, reader_error::syntax, "Unterminated quoted string");
            auto& a = current().emplace_back();
            a.kind = argument_kind::quoted;
            a.text = std::move(text);
            a.glued = glued;
            last_ = after::token;
            i = j + 1;
            continue;
        }
        if (c == '{' || (c == '~' && i + 1 < line.size() && line[i + 1] == '{')) {
            const auto h = trailing_literal(line);
            if (!h || h->start != i) return skip_rest(line, reader_error::bad_literal, "Invalid literal");
            if (glued) return skip_rest(line, reader_error::syntax, "Missing space before literal");
            if (h->overflow) {
                if (h->sync) return skip_rest(line, reader_error::bad_literal, "Literal too large");
                return fail(reader_error::literal_too_large, "Literal too large", true);
            }
            return add_literal_request(h->size, h->sync, h->binary);
        }
        if (!is_atom_char(c)) return skip_rest(line, reader_error::syntax, "Invalid character in argument");
        std::size_t j = i;
        while (j < line.size() && is_atom_char(static_cast<unsigned char>(line[j]))) ++j;
        if (j < line.size() && line[j] != ' ' && line[j] != ')')
            return skip_rest(line, reader_error::syntax, "Invalid character in atom");
        auto& a = current().emplace_back();
        a.kind = argument_kind::atom;
        a.text.assign(line.substr(i, j - i));
        a.glued = glued;
        last_ = after::token;
        i = j;
    }
    if (!stack_.empty()) return skip_rest(line, reader_error::syntax, "Unterminated list");
    // A trailing space is tolerated (some clients send one).
    phase_ = phase::start;
    stack_.clear();
    return status::command;
}

// Is the literal about to be read an APPEND message? At the top level after
// the mailbox (RFC 9051 §6.3.12, RFC 3502 for the next messages), or in a
// CATENATE list after TEXT (RFC 4469 §5), or in UTF8 (...) (RFC 6855 §4).
bool command_reader::message_literal_here() const noexcept {
    if (!proto::keyword_equals(cmd_.name, "APPEND")) return false;
    if (stack_.empty()) return !cmd_.args.empty();
    if (stack_.size() != 1 || cmd_.args.size() < 2) return false;
    const auto& before = cmd_.args[cmd_.args.size() - 2];
    const auto& list = cmd_.args.back().children;
    if (is_keyword(before, "UTF8")) return list.empty();
    return is_keyword(before, "CATENATE") && !list.empty() && is_keyword(list.back(), "TEXT");
}

status command_reader::add_literal_request(std::uint64_t size, bool sync, bool binary) {
    lit_ = {};
    lit_.size = size;
    lit_.synchronizing = sync;
    lit_.binary = binary;
    lit_.tag = cmd_.tag;
    lit_.command = cmd_.name;
    lit_.message = message_literal_here();
    lit_.catenate = lit_.message && !stack_.empty() && !is_keyword(cmd_.args[cmd_.args.size() - 2], "UTF8");
    if (lit_.message) {
        const std::uint64_t room = message_bytes_ < lim_.max_append_total_bytes
                                       ? lim_.max_append_total_bytes - message_bytes_
                                       : 0;
        lit_.limit = messages_ < lim_.max_append_messages ? std::min(lim_.max_message_bytes, room) : 0;
    } else {
        const std::uint64_t room = command_bytes_ < lim_.max_command_bytes ? lim_.max_command_bytes - command_bytes_
                                                                           : 0;
        lit_.limit = std::min(lim_.max_literal_bytes, room);
    }
    phase_ = phase::literal_wait;
    return status::literal_wanted;
}

void command_reader::accept_literal() {
    if (phase_ != phase::literal_wait) return;
    if (lit_.message) {
        ++messages_;
        message_bytes_ += lit_.size;
    } else {
        command_bytes_ += lit_.size;
    }
    literal_data_.clear();
    literal_data_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(lit_.size, 1u << 20)));
    literal_left_ = lit_.size;
    phase_ = phase::literal_read;  // an empty literal finishes on the next next()
}

void command_reader::refuse_literal() {
    if (phase_ != phase::literal_wait) return;
    const literal_request lit = lit_;
    clear_command();
    phase_ = phase::start;
    if (lit.synchronizing) return;
    if (lit.size > lim_.max_discard_bytes) {
        fail_ = {reader_error::literal_too_large, std::string(), "Literal too large", "TOOBIG", true};
        pending_failure_ = true;
        return;
    }
    literal_left_ = lit.size;
    phase_ = literal_left_ > 0 ? phase::discard_literal : phase::skip_line;
}

void command_reader::accept_literal_streamed() {
    if (phase_ != phase::literal_wait) return;
    if (!lit_.message) {
        accept_literal();
        return;
    }
    ++messages_;
    message_bytes_ += lit_.size;
    literal_data_.clear();
    literal_left_ = lit_.size;
    streamed_nul_ = false;
    phase_ = phase::literal_stream;
}

std::string_view command_reader::take_literal_octets(std::uint64_t max) {
    if (phase_ != phase::literal_stream || literal_left_ == 0) return {};
    const auto got = in_.take(std::min(literal_left_, max));
    literal_left_ -= got.size();
    if (!lit_.binary && got.find('\0') != std::string_view::npos) streamed_nul_ = true;
    return got;
}

status command_reader::finish_literal() {
    const bool binary = lit_.binary;
    if (phase_ == phase::literal_stream) {
        if (!binary && streamed_nul_) {
            const status s = fail(reader_error::bad_literal, "NUL in literal (use literal8)", false);
            phase_ = phase::skip_line;
            return s;
        }
        auto& a = current().emplace_back();
        a.kind = argument_kind::literal;
        a.binary = binary;
        a.streamed = true;
        a.streamed_size = lit_.size;
        last_ = after::token;
        phase_ = phase::in_line;
        return status::need_more;
    }
    // RFC 9051 §4.3: a literal carries CHAR8 (no NUL); literal8 may (RFC 3516).
    if (!binary && literal_data_.find('\0') != std::string::npos) {
        const status s = fail(reader_error::bad_literal, "NUL in literal (use literal8)", false);
        phase_ = phase::skip_line;
        return s;
    }
    auto& a = current().emplace_back();
    a.kind = argument_kind::literal;
    a.binary = binary;
    a.text = std::move(literal_data_);
    literal_data_ = {};
    last_ = after::token;
    phase_ = phase::in_line;
    return status::need_more;
}

}  // namespace mailroom::imap
