// proto::command_table: the shape every engine dispatches through (STYLE.md
// §4; Dovecot imap-commands.c, OpenSMTPD commands[]) - one row per command
// {name, verb, handler, allowed states, flags}. The engine looks the verb up
// and checks the state (and its flags) before any handler runs; a wrong
// state gets the protocol's wrong-state reply, counted as a bad command.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mailroom::proto {

// A set of states as a bit mask: in(state::a, state::b).
template <class... State>
constexpr std::uint32_t in(State... s) noexcept {
    return ((std::uint32_t{1} << static_cast<unsigned>(s)) | ...);
}
inline constexpr std::uint32_t any_state = ~std::uint32_t{0};

template <class State>
constexpr bool state_in(std::uint32_t states, State s) noexcept {
    return (states & (std::uint32_t{1} << static_cast<unsigned>(s))) != 0;
}

// Session: the engine; Command: its parsed command; Verb: its verb enum.
template <class Session, class Command, class Verb>
struct command_spec {
    std::string_view name;  // as the RFC spells it
    Verb verb;
    void (Session::*handler)(const Command&);
    std::uint32_t states;               // where the command is allowed
    unsigned flags = 0;                 // the protocol's own checks (see its flag enum)
    std::string_view wrong_state = {};  // this command's wrong-state text; empty: the protocol's
};

// The row for `verb`, or nullptr (an unknown command).
template <class Spec, class Verb>
constexpr const Spec* find_command(std::span<const Spec> table, Verb verb) noexcept {
    for (const auto& row : table)
        if (row.verb == verb) return &row;
    return nullptr;
}

}  // namespace mailroom::proto
