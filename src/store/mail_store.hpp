// store::mail_store: one user's mail as POP3, IMAP, local delivery and the
// sandbox see it - folders, a synchronised view of one mailbox (UIDs, flags,
// keywords, MODSEQ, dates, sizes), streamed appends committed through
// durable::group_commit, reads by byte range, flag changes, expunge, copy.
// Backend-neutral: Maildir is in store/maildir/; callers never touch files.
// Blocking calls: run them on the storage pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/result.hpp"
#include "durable/group_commit.hpp"
#include "store/message_reader.hpp"

namespace mailroom::store {

// The IMAP system flags (RFC 9051 §2.3.2) as bits; \Recent is not stored.
enum flag : std::uint8_t { seen = 1, answered = 2, flagged = 4, deleted = 8, draft = 16 };
using flag_set = std::uint8_t;

struct message_record {
    std::uint32_t uid = 0;  // IMAP UID = POP3 UIDL number; never reused
    flag_set flags = 0;
    std::vector<std::string> keywords;  // sorted
    std::uint64_t modseq = 0;           // RFC 7162: raised by every change of this message
    std::int64_t internal_date = 0;     // seconds since the epoch: delivery, or APPEND's date (Maildir: the mtime)
    std::uint64_t size = 0;             // octets as stored
    std::uint64_t crlf_size = 0;        // octets with every line end CRLF (RFC822.SIZE, POP3 LIST)
    // RFC 3501 §2.3.2 \Recent: claimed by this mailbox object (claim_recent),
    // or not yet claimed by any session when the sync ran.
    bool recent = false;
};

// A run of UIDs, first <= last (a sequence-set piece, RFC 9051 §9 "seq-range").
struct uid_range {
    std::uint32_t first = 0, last = 0;
    friend bool operator==(const uid_range&, const uid_range&) = default;
};

struct mailbox_snapshot {
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_uid = 1;  // IMAP UIDNEXT
    std::uint64_t highest_modseq = 0;
    std::vector<message_record> messages;  // ascending UID
};

// The messages that are \Recent (RFC 3501 §2.3.2) in a snapshot.
inline std::uint32_t recent_count(const mailbox_snapshot& s) {
    std::uint32_t n = 0;
    for (const auto& m : s.messages) n += m.recent ? 1 : 0;
    return n;
}

enum class flag_change { replace, add, remove };

// An open mailbox. Not thread-safe: one session uses it at a time.
class mailbox {
public:
    virtual ~mailbox() = default;

    // Brings the view up to date with the backend (UIDs for messages other
    // programs dropped in, flags they changed, messages gone) and returns it.
    virtual result<mailbox_snapshot> sync() = 0;
    // A cheap check (a stat or two): true if sync() may find something new.
    // The "sync on the next command" for changes made by other programs.
    virtual result<bool> changed_since_sync() = 0;
    // RFC 3501 §2.3.2: from now on, each sync() takes \Recent for the
    // messages no session has seen yet, so no later claimant sees them as
    // recent (an IMAP rev1 SELECT; never EXAMINE, POP3 or STATUS). Those
    // stay recent in this object's snapshots. The default keeps no \Recent.
    virtual void claim_recent() {}
    // True if other programs' changes are published on the change bus by
    // themselves (a mailbox_watcher's watch is held), so nobody need poll.
    virtual bool watched() const { return false; }

    // Up to length octets of message uid from offset (as stored: LF line
    // ends); errc::not_found if it has been expunged.
    virtual result<std::string> read(std::uint32_t uid, std::uint64_t offset, std::size_t length) = 0;
    // The message opened for reading front to back in ranges (message_reader.hpp);
    // errc::not_found if expunged. The default reads through read() and is
    // never cached_only.
    virtual result<std::unique_ptr<message_reader>> open_message(std::uint32_t uid, read_mode mode);

    // Changes flags and keywords of the messages; unknown UIDs are ignored.
    virtual std::error_code store_flags(const std::vector<std::uint32_t>& uids, flag_change how, flag_set flags,
                                        const std::vector<std::string>& keywords) = 0;
    // Removes the messages durably; unknown UIDs are ignored.
    virtual std::error_code expunge(const std::vector<std::uint32_t>& uids) = 0;

    // RFC 7162 §3.2.5.2 (QRESYNC, VANISHED (EARLIER)): the UIDs expunged
    // with a MODSEQ above modseq, as of the last sync, ascending. Where the
    // kept history does not reach back to modseq (a rebuilt index, or very
    // old), every UID below UIDNEXT that is not in the mailbox: more than
    // vanished, which RFC 7162 §3.2.10 allows, never less.
    virtual std::vector<uid_range> vanished_since(std::uint64_t modseq) const = 0;

    // Opaque data a reader derived from message uid (engine F: envelope,
    // BODYSTRUCTURE, ... serialised) kept beside the index so FETCH and
    // SEARCH need not reopen the file. A cache: rebuildable, possibly lost,
    // dropped with the message. key: 1-32 of [a-z0-9._-]; a blob is at
    // most max_cached_blob_bytes (else errc::invalid_argument).
    static constexpr std::size_t max_cached_blob_bytes = 1 << 20;
    virtual result<std::optional<std::string>> cached_blob(std::uint32_t uid, std::string_view key) = 0;
    virtual std::error_code cache_blob(std::uint32_t uid, std::string_view key, std::string_view blob) = 0;

    // Where changes of this mailbox are published (change_bus key).
    virtual std::string event_key() const = 0;
};

// A message being appended: bytes go straight to a staged file (bounded
// memory whatever the size); finish() hands it over for the commit.
struct pending_append;
class message_writer {
public:
    virtual ~message_writer() = default;
    virtual std::error_code write(std::string_view chunk) = 0;
    // Ends the message. Nothing is visible until commit_appends().
    virtual result<pending_append> finish(flag_set flags) = 0;
    // The same with keywords too (APPEND's flag list; COPY and MOVE keep
    // them). A backend without keywords: errc::not_supported unless empty.
    virtual result<pending_append> finish_with_keywords(flag_set flags, const std::vector<std::string>& keywords);
};

// A staged message: a file to commit, and what the backend does once it is
// durable (give it a UID; failure there only delays the UID to the next sync).
struct pending_append {
    durable::staged_file file;
    std::function<std::uint32_t()> assign_uid;  // 0: assigned at the next sync instead
    std::string event_key;
};

// Folder names are UTF-8 with '.' between hierarchy levels ("Archive.2020");
// "INBOX" in any case is the inbox. A backend stores them as it must (Maildir:
// modified UTF-7, common/mutf7.hpp); a name it cannot store is
// errc::invalid_argument.
inline result<pending_append> message_writer::finish_with_keywords(flag_set flags,
                                                                   const std::vector<std::string>& keywords) {
    if (!keywords.empty()) return make_error_code(errc::unsupported);
    return finish(flags);
}

class mail_store {
public:
    virtual ~mail_store() = default;

    // "INBOX" first, then the other folders, sorted.
    virtual result<std::vector<std::string>> list_folders() = 0;
    virtual std::error_code create_folder(std::string_view name) = 0;  // errc::already_exists
    // Not INBOX; with its messages. Its children stay (RFC 9051 §6.3.4).
    virtual std::error_code delete_folder(std::string_view name) = 0;
    // With its children ("from.x" becomes "to.x") and their subscriptions.
    virtual std::error_code rename_folder(std::string_view from, std::string_view to) = 0;

    // RFC 9051 §6.3.7-8: names kept whether or not the folder exists (a
    // deleted folder stays subscribed); in the order subscribed.
    virtual result<std::vector<std::string>> subscriptions() = 0;
    virtual std::error_code subscribe(std::string_view name) = 0;    // already subscribed: no error
    virtual std::error_code unsubscribe(std::string_view name) = 0;  // not subscribed: no error

    virtual result<std::unique_ptr<mailbox>> open(std::string_view folder) = 0;  // errc::not_found
    virtual result<std::unique_ptr<message_writer>> begin_append(std::string_view folder) = 0;
};

class change_bus;

// Commits staged messages (any stores, any folders) in one group commit,
// then gives them their UIDs and publishes one event per mailbox on bus (if
// any). All or none: on error no message is visible. Returns the UIDs in
// order (0 where the UID waits for the next sync).
result<std::vector<std::uint32_t>> commit_appends(durable::group_commit& commits, std::vector<pending_append> appends,
                                                  change_bus* bus);

// Copies messages of `from` into folder `to` of `into` (same or another
// store); returns the new UIDs in order. A move is a copy, then expunge.
result<std::vector<std::uint32_t>> copy_messages(mailbox& from, const std::vector<std::uint32_t>& uids,
                                                 mail_store& into, std::string_view to, durable::group_commit& commits,
                                                 change_bus* bus);

}  // namespace mailroom::store
