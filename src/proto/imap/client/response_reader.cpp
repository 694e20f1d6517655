#include "proto/imap/client/response_reader.hpp"

#include "proto/common/peer_text.hpp"

namespace mailroom::imap::client {
namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (upper(a[i]) != upper(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = upper(c);
    return out;
}

std::optional<status> status_word(std::string_view w) {
    if (iequals(w, "OK")) return status::ok;
    if (iequals(w, "NO")) return status::no;
    if (iequals(w, "BAD")) return status::bad;
    if (iequals(w, "BYE")) return status::bye;
    if (iequals(w, "PREAUTH")) return status::preauth;
    return std::nullopt;
}

// A per-token allowance so a response of many tiny tokens is bounded too.
constexpr std::uint64_t token_overhead = 32;

}  // namespace

bool value::is_atom(std::string_view u) const { return what == kind::atom && iequals(text, u); }

std::optional<std::string> value::as_string() const {
    if (what == kind::atom || what == kind::string) return text;
    if (what == kind::number) return std::to_string(number);
    return std::nullopt;
}

std::string_view describe(reader_error e) noexcept {
    switch (e) {
        case reader_error::bad_syntax: return "malformed response";
        case reader_error::line_too_long: return "response line too long";
        case reader_error::literal_too_large: return "literal too large";
        case reader_error::response_too_large: return "response too large";
    }
    return "bad response";
}

response_reader::event response_reader::fail(reader_error e) {
    failed_ = e;
    return e;
}

void response_reader::clear() noexcept {
    in_.clear();
    pending_line_.reset();
    in_response_ = false;
    in_literal_ = false;
    stack_.clear();
    literal_buf_.clear();
}

response_reader::event response_reader::next() {
    if (failed_) return *failed_;
    if (pending_line_) {
        const std::string line = std::move(*pending_line_);
        pending_line_.reset();
        return parse_line(line);
    }
    if (in_literal_) return read_literal();
    const auto got = in_.next_line(lim_.max_line_bytes);
    if (got.what == proto::input_buffer::status::need_more) return std::monostate{};
    if (got.what == proto::input_buffer::status::too_long) return fail(reader_error::line_too_long);
    pending_line_ = std::string(got.line);
    return line_read{proto::peer_text(*pending_line_)};
}

response_reader::event response_reader::parse_line(std::string_view line) {
    if (in_response_) {  // the rest of a response after a literal
        if (auto e = tokenize(line)) return fail(*e);
        return finish_segment();
    }
    // RFC 9051 §7.5: "+" [SP text]; some servers send a bare "+".
    if (!line.empty() && line[0] == '+') {
        auto text = line.substr(1);
        if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
        return continuation_request{proto::peer_text(text)};
    }
    const auto sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos) return fail(reader_error::bad_syntax);
    const auto tag = line.substr(0, sp);
    const auto rest = line.substr(sp + 1);
    const auto word = rest.substr(0, rest.find(' '));
    if (auto st = status_word(word)) return parse_status(tag, *st, rest.substr(word.size()));
    if (tag != "*") return fail(reader_error::bad_syntax);  // RFC 9051 §7.1: tagged means status
    cur_ = response{};
    cur_.tag = std::string(tag);
    stack_.assign(1, value{value::kind::list, {}, 0, {}});
    response_bytes_ = 0;
    in_response_ = true;
    if (auto e = tokenize(rest)) return fail(*e);
    return finish_segment();
}

// resp-text = ["[" resp-text-code "]" SP] text (RFC 9051 §7.1).
response_reader::event response_reader::parse_status(std::string_view tag, status st, std::string_view rest) {
    response r;
    r.tag = std::string(tag);
    r.tagged = tag != "*";
    r.state = st;
    if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    if (!rest.empty() && rest[0] == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return fail(reader_error::bad_syntax);
        const auto inside = rest.substr(1, close - 1);
        const auto sp = inside.find(' ');
        r.code = to_upper(inside.substr(0, sp));
        if (sp != std::string_view::npos) r.code_args = proto::peer_text(inside.substr(sp + 1));
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    }
    r.text = proto::peer_text(rest);
    return r;
}

std::optional<reader_error> response_reader::add(value v) {
    response_bytes_ += v.text.size() + token_overhead;
    if (response_bytes_ > lim_.max_response_bytes) return reader_error::response_too_large;
    stack_.back().items.push_back(std::move(v));
    return std::nullopt;
}

std::optional<reader_error> response_reader::tokenize(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ') {
            ++i;
        } else if (c == '(') {
            if (stack_.size() > lim_.max_depth) return reader_error::response_too_large;
            stack_.push_back(value{value::kind::list, {}, 0, {}});
            ++i;
        } else if (c == ')') {
            if (stack_.size() < 2) return reader_error::bad_syntax;
            value done = std::move(stack_.back());
            stack_.pop_back();
            if (auto e = add(std::move(done))) return e;
            ++i;
        } else if (c == '"') {
            std::string text;
            ++i;
            for (;; ++i) {
                if (i >= s.size()) return reader_error::bad_syntax;
                if (s[i] == '"') break;
                if (s[i] == '\\' && i + 1 < s.size()) ++i;  // RFC 9051 §4.3: \" and \\ quoted
                text += s[i];
            }
            ++i;
            if (auto e = add(value{value::kind::string, std::move(text), 0, {}})) return e;
        } else if (c == '{' || (c == '~' && i + 1 < s.size() && s[i + 1] == '{')) {
            // literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" ... (RFC 9051 §4.3, §9)
            i += c == '~' ? 2 : 1;
            std::uint64_t n = 0;
            std::size_t digits = 0;
            for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
                if (digits == 19) return reader_error::literal_too_large;
                n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
            }
            if (i < s.size() && s[i] == '+') ++i;
            if (digits == 0 || i >= s.size() || s[i] != '}' || i + 1 != s.size()) return reader_error::bad_syntax;
            literal_streams_ = streams_literal();
            if (n > (literal_streams_ ? lim_.max_message_bytes : lim_.max_literal_bytes))
                return reader_error::literal_too_large;
            literal_item_ = literal_streams_ ? stack_.back().items.back().text : std::string();
            in_literal_ = true;
            literal_begun_ = false;
            literal_size_ = literal_left_ = n;
            literal_buf_.clear();
            return std::nullopt;
        } else {
            // An atom; "[...]" inside (BODY[HEADER.FIELDS (FROM)]) is taken whole.
            const auto start = i;
            int brackets = 0;
            for (; i < s.size(); ++i) {
                const char a = s[i];
                if (a == '[') ++brackets;
                else if (a == ']' && brackets > 0) --brackets;
                else if (brackets == 0 && (a == ' ' || a == '(' || a == ')' || a == '"')) break;
            }
            if (brackets != 0) return reader_error::bad_syntax;
            const auto word = s.substr(start, i - start);
            value v{value::kind::atom, std::string(word), 0, {}};
            if (iequals(word, "NIL")) {
                v.what = value::kind::nil;
            } else if (word.size() <= 19 && word.find_first_not_of("0123456789") == std::string_view::npos) {
                v.what = value::kind::number;
                for (char d : word) v.number = v.number * 10 + static_cast<std::uint64_t>(d - '0');
            }
            if (auto e = add(std::move(v))) return e;
        }
    }
    return std::nullopt;
}

// Only a message's bytes stream: a body item directly inside "* n FETCH (...)".
bool response_reader::streams_literal() const {
    if (stack_.size() != 2 || stack_.back().items.empty()) return false;
    const auto& top = stack_.front().items;
    if (top.size() < 2 || top[0].what != value::kind::number || !top[1].is_atom("FETCH")) return false;
    const auto& item = stack_.back().items.back();
    if (item.what != value::kind::atom) return false;
    return istarts_with(item.text, "BODY[") || istarts_with(item.text, "BINARY[") || item.is_atom("RFC822") ||
           item.is_atom("RFC822.TEXT") || item.is_atom("RFC822.HEADER");
}

response_reader::event response_reader::read_literal() {
    if (literal_streams_ && !literal_begun_) {
        literal_begun_ = true;
        return literal_begin{literal_size_, literal_item_};
    }
    while (literal_left_ > 0) {
        const auto piece = in_.take(literal_left_);
        if (piece.empty()) return std::monostate{};
        literal_left_ -= piece.size();
        if (literal_streams_) return literal_data{std::string(piece)};
        literal_buf_.append(piece);
    }
    in_literal_ = false;
    if (literal_streams_) {
        if (auto e = add(value{value::kind::streamed, {}, literal_size_, {}})) return fail(*e);
        return literal_end{};
    }
    if (auto e = add(value{value::kind::string, std::move(literal_buf_), 0, {}})) return fail(*e);
    literal_buf_.clear();
    return next();  // the line goes on after the literal
}

response_reader::event response_reader::finish_segment() {
    if (in_literal_) return read_literal();
    if (stack_.size() != 1) return fail(reader_error::bad_syntax);  // a list left open
    in_response_ = false;
    cur_.data = std::move(stack_.front().items);
    stack_.clear();
    return std::move(cur_);
}

}  // namespace mailroom::imap::client
