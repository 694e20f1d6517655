// imap::selected_view: what a session has told its client of the selected
// mailbox (RFC 9051 §2.3.1): sequence numbers <-> UIDs, flags, keywords,
// MODSEQ, \Recent (rev1), dates and sizes. A new store snapshot is merged in by sync(),
// which says what to announce (EXPUNGE, EXISTS, FETCH FLAGS); expunges held
// back while FETCH/STORE/SEARCH run (§7.5.1) stay as "gone" entries until a
// later sync may tell them. Used by the session engine (cmd_select.cpp,
// cmd_fetch.cpp, cmd_store.cpp); SEARCH/COPY (H2/H3) read it the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/sequence_set.hpp"

namespace mailroom::imap {

// RFC 9051 §2.3.2 system flags as bits (the store's values).
enum message_flag : std::uint8_t {
    flag_seen = 1,
    flag_answered = 2,
    flag_flagged = 4,
    flag_deleted = 8,
    flag_draft = 16
};

struct message_state {
    std::uint32_t uid = 0;
    std::uint8_t flags = 0;
    std::vector<std::string> keywords;
    std::uint64_t modseq = 0;
    std::int64_t internal_date = 0;  // seconds since the epoch
    std::uint64_t size = 0;          // RFC822.SIZE (CRLF form)
    bool gone = false;               // expunged, not yet told (§7.5.1)
    bool recent = false;             // \Recent to this session (RFC 3501 §2.3.2), kept once set
    friend bool operator==(const message_state&, const message_state&) = default;
};

// "(\Seen \Flagged kw)" - FLAGS' value; with_recent (IMAP4rev1 sessions)
// adds \Recent for a recent message.
std::string flag_list(const message_state& m, bool with_recent = false);
// The bit of a system flag named in STORE or APPEND (any case); nullopt for
// a keyword or an unknown backslash name.
std::optional<std::uint8_t> system_flag(std::string_view name);

struct view_update {
    std::vector<std::uint32_t> expunged;  // sequence numbers, in the order to send them
    std::vector<std::uint32_t> expunged_uids;
    bool exists_changed = false;              // send "* n EXISTS" with the new size
    std::vector<std::uint32_t> flag_changes;  // sequence numbers (after the expunges), ascending
    bool held = false;                        // expunges kept back as `gone`, to tell later
};

class selected_view {
public:
    void reset(std::vector<message_state> messages);
    void clear() { messages_.clear(), saved_.clear(); }

    std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(messages_.size()); }
    const message_state& at(std::uint32_t seq) const { return messages_.at(seq - 1); }
    message_state& at(std::uint32_t seq) { return messages_.at(seq - 1); }
    std::uint32_t largest_uid() const noexcept { return messages_.empty() ? 0 : messages_.back().uid; }
    // 0 when no message has that UID.
    std::uint32_t seq_of_uid(std::uint32_t uid) const noexcept;
    std::uint32_t recent() const noexcept;  // messages with \Recent

    // The sequence numbers a set names, ascending. Sequence numbers beyond
    // the view make it nullopt (the caller answers BAD); UIDs that do not
    // exist are left out (RFC 9051 §6.4.9).
    std::optional<std::vector<std::uint32_t>> resolve(const sequence_set& set, bool uid) const;

    // Merges `fresh` (ascending UID, as the store has it now). With
    // allow_expunge false, messages gone from the store stay as `gone`.
    view_update sync(const std::vector<message_state>& fresh, bool allow_expunge);

    // RFC 5182 (H2): the UIDs SEARCH ... RETURN (SAVE) kept as "$", ascending;
    // empty after reset() and clear() (a new SELECT). resolve() reads it for "$".
    void save(std::vector<std::uint32_t> uids) { saved_ = std::move(uids); }
    const std::vector<std::uint32_t>& saved() const noexcept { return saved_; }

private:
    std::vector<message_state> messages_;
    std::vector<std::uint32_t> saved_;
};

}  // namespace mailroom::imap
