// server::imap_mailboxes: what an IMAP session holds of a user's mail store
// - the store itself (Maildir++, made on first use), the selected mailbox
// and the calls the IMAP driver makes for LIST/LSUB, CREATE/DELETE/RENAME,
// SUBSCRIBE/UNSUBSCRIBE, STATUS, SELECT, CLOSE and syncs. Blocking: every call runs on the storage
// pool. One per connection, owned by imap_connection.cpp.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "proto/imap/session.hpp"
#include "server/imap_fetch.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"
#include "store/maildir/maildir_store.hpp"

namespace mailroom::server {

class imap_mailboxes {
public:
    // watcher (if any): the selected mailbox is watched for other programs' changes.
    explicit imap_mailboxes(store::change_bus* events = nullptr, durable::file_system& fs = durable::real_file_system(),
                            store::mailbox_watcher* watcher = nullptr);

    // The user's store, INBOX made where missing. Called once after login.
    std::error_code open_store(const std::filesystem::path& mail_root, const std::string& user);

    // The folders with their special use, and the subscriptions if asked.
    result<imap::folder_list> list(bool subscriptions);
    std::error_code change(const imap::change_folder& c);
    result<imap::mailbox_info> status(const std::string& name);
    // Selects `name` (the previous one is closed first); claim_recent: this
    // session takes \Recent for the messages no session has seen (RFC 3501 §2.3.2).
    result<imap::mailbox_info> select(const std::string& name, bool claim_recent = false);
    // RFC 7162 §3.2.5.2: the selected mailbox's UIDs expunged after modseq.
    result<std::vector<imap::uid_span>> vanished(std::uint64_t modseq);
    // Closes the selected mailbox; with expunge, removes its \Deleted messages first.
    std::error_code close(bool expunge);
    result<imap::mailbox_info> sync();
    // A stat or two: may the selected mailbox have changed (by another
    // program, which the change bus does not see) since the last sync?
    bool changed_since_sync();
    // Whether those changes reach the change bus by themselves (an inotify watch).
    bool watched() const { return box_ && box_->watched(); }

    // The selected mailbox (nullptr: none), for SEARCH/SORT/THREAD (H2).
    store::mailbox* selected_box() noexcept { return box_.get(); }

    // The selected state (H1): FETCH values and their literals' chunks,
    // STORE (UNCHANGEDSINCE checked against the store's MODSEQ), EXPUNGE of
    // those of `uids` that have \Deleted now; each returns the fresh view.
    result<imap::fetched_message> fetch(const imap::fetch_message& f);
    result<std::string> body_chunk(std::size_t item, std::size_t max);
    result<imap::store_outcome> store(const imap::store_flags& s);
    result<std::vector<imap::message_state>> expunge(const std::vector<std::uint32_t>& uids);

    // APPEND, COPY, MOVE (H3, imap_append.cpp): the messages committed in
    // one group commit; errc::not_found for a missing mailbox. append()
    // frees each message's bytes once written.
    result<imap::append_outcome> append(imap::append_messages& a, durable::group_commit& commits);
    result<imap::copy_outcome> copy(const imap::copy_to_mailbox& c, durable::group_commit& commits);
    // APPEND streamed (imap_append.cpp): a message staged in `mailbox`'s
    // tmp/ as its literal arrives; append() finishes and commits the open
    // streams in order, drop_streams() removes them (a failed command; the
    // destructor does too: a dropped connection leaves no staged file).
    std::error_code open_stream(const std::string& mailbox);
    std::error_code write_stream(std::string_view bytes);
    void drop_streams() noexcept { streams_.clear(); }

    // The change-bus key of the selected mailbox (empty: none).
    std::string event_key() const { return box_ ? box_->event_key() : std::string(); }

private:
    store::change_bus* events_;
    durable::file_system& fs_;
    store::mailbox_watcher* watcher_;
    std::optional<store::maildir::maildir_store> store_;
    std::unique_ptr<store::mailbox> box_;
    std::vector<store::message_record> view_;                      // of the selected mailbox, as of the last sync
    message_fetcher fetcher_;                                      // H1
    std::vector<std::unique_ptr<store::message_writer>> streams_;  // APPEND streamed, oldest first
};

// What SELECT and STATUS report of a snapshot.
imap::mailbox_info info_of(const store::mailbox_snapshot& snap);
// The engine's copy of the store's messages.
std::vector<imap::message_state> view_of(const std::vector<store::message_record>& messages);

}  // namespace mailroom::server
