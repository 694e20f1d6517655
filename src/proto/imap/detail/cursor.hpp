// imap::detail::cursor: walks the arguments of one command for the typed
// parsers (command_parser, fetch_items, search_program), with the small
// grammar pieces they share: astring, nstring, number, flag lists.
// Internal to src/proto/imap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/argument.hpp"

namespace mailroom::imap::detail {

class cursor {
public:
    explicit cursor(std::span<const argument> args) : args_(args) {}

    bool done() const noexcept { return pos_ >= args_.size(); }
    std::size_t position() const noexcept { return pos_; }
    std::span<const argument> rest() const noexcept { return args_.subspan(pos_); }
    const argument* peek() const noexcept { return done() ? nullptr : &args_[pos_]; }
    const argument* next() noexcept { return done() ? nullptr : &args_[pos_++]; }
    void skip(std::size_t n) noexcept { pos_ += n; }
    // Consumes the next argument when it is the atom `keyword`.
    bool keyword(std::string_view keyword) noexcept;

    std::optional<std::string> astring();                    // atom, quoted or literal
    std::optional<std::string> string();                     // quoted or literal
    std::optional<std::string> atom();                       // any atom, as sent
    std::optional<std::uint64_t> number(std::uint64_t max);  // an atom of digits
    std::optional<std::uint32_t> nz_number();

private:
    std::span<const argument> args_;
    std::size_t pos_ = 0;
};

// flag (RFC 9051 §9): "\" atom (system flag or extension), or a keyword
// atom. "\*" is only for PERMANENTFLAGS and is refused here.
bool is_flag(std::string_view text) noexcept;
// flag-list = "(" [flag *(SP flag)] ")".
std::optional<std::vector<std::string>> flag_list(const argument& a);
// The text of an astring argument.
std::optional<std::string> astring_of(const argument& a);

}  // namespace mailroom::imap::detail
