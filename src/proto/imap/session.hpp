// imap::session: the IMAP server protocol (RFC 9051 IMAP4rev2, RFC 3501
// IMAP4rev1) as a state machine that knows nothing of sockets, files, TLS
// or passwords - states not authenticated / authenticated / selected /
// logout, a command table checked before any handler, and the extensions
// STARTTLS, LOGINDISABLED, SASL-IR, LITERAL+, ENABLE, ID, NAMESPACE, IDLE,
// UNSELECT, CHILDREN, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, UTF8=ACCEPT. Bytes go in with feed(); requests come out of
// next_action(), one at a time, each answered through the matching method
// UNSELECT, CHILDREN, CONDSTORE/QRESYNC (cmd_qresync.cpp). Bytes go in
// with feed(); requests come out of next_action(), one at a time, each
// answered through the matching method
// before the session reads more input. Commands are framed by D's
// command_reader and typed by parse_command. Called by
// server/imap_connection.cpp and the transcript tests (tests/transcripts/imap/).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "common/action_queue.hpp"
#include "common/result.hpp"
#include "common/sasl_mechanisms.hpp"
#include "common/secret.hpp"
#include "proto/common/actions.hpp"
#include "proto/common/command_table.hpp"
#include "proto/common/input_buffer.hpp"
#include "proto/common/login_throttle.hpp"
#include "proto/common/sasl_dialogue.hpp"
#include "proto/imap/command.hpp"
#include "proto/imap/command_reader.hpp"
#include "proto/imap/detail/bare_cr.hpp"
#include "proto/imap/limits.hpp"
#include "proto/imap/mailbox_list.hpp"
#include "proto/imap/response_writer.hpp"
#include "proto/imap/search_result.hpp"
#include "proto/imap/selected_view.hpp"
#include "proto/imap/session_limits.hpp"

namespace mailroom::imap {

// RFC 9051 §3. `closed`: the connection is to be closed (after logout, a
// BYE or a failure); the driver stops there.
enum class state { not_authenticated, authenticated, selected, logout, closed };

// What this listener allows; fixed for the connection except tls_active.
struct listener_policy {
    bool tls_active = false;        // implicit-TLS listener: true from the start
    bool starttls_offered = false;  // listener tls=starttls and a certificate exists
    bool plaintext_auth = false;    // LOGIN, AUTHENTICATE PLAIN/LOGIN allowed without TLS
    // Configured SASL mechanisms, upper case, in the order AUTH= lists them.
    std::vector<std::string> sasl_mechanisms = default_sasl_mechanisms();
    std::string implementation = "mailroom";  // greeting text, ID "name"
};

// ---- requests (actions) ----------------------------------------------------

using proto::close_connection;
using proto::close_reason;
using proto::pause;
using proto::sasl_abort;
using proto::sasl_begin;
using proto::sasl_continue;
using proto::send_reply;
using proto::start_tls;
struct verify_login {
    std::string user;
    secret password;
};  // LOGIN; answer: login_done()
// The mail store's folders, for LIST and LSUB (and CHILDREN, SPECIAL-USE,
// \Subscribed); answer: folders_listed() with a folder_list (mailbox_list.hpp).
struct list_folders {
    bool subscriptions = false;  // the subscriptions are wanted too
};
// Names are UTF-8 (decoded from modified UTF-7 for rev1 clients). SUBSCRIBE
// of a folder that does not exist is errc::not_found.
enum class folder_operation { create, remove, rename, subscribe, unsubscribe };
struct change_folder {
    folder_operation op = folder_operation::create;
    std::string name;
    std::string new_name;  // rename only
};                         // answer: folder_changed()
// SELECT / EXAMINE: the session's mailbox from now on; answer: mailbox_opened().
struct open_mailbox {
    std::string name;
    bool read_only = false;
    bool claim_recent = false;  // RFC 3501 §2.3.2: a rev1 SELECT takes \Recent (store::mailbox::claim_recent)
};
// STATUS of a mailbox other than (or equal to) the selected one; answer: status_ready().
struct mailbox_status {
    std::string name;
};
// CLOSE (expunge: remove \Deleted messages first, RFC 9051 §6.4.1), UNSELECT
// (no expunge), or a SELECT replacing the mailbox. answer: mailbox_closed().
struct close_mailbox {
    bool expunge = false;
};
// Brings the selected mailbox's view up to date (after mailbox_changed(),
// NOOP, IDLE); answer: mailbox_synced().
struct sync_mailbox {};

// ---- the selected state: FETCH, STORE, EXPUNGE (engineer H1) ----
// One message's items that need the message itself (ENVELOPE, BODY[...],
// BINARY...); answer: message_fetched(), values in the order of `items`.
struct fetch_message {
    std::uint32_t uid = 0;
    std::vector<fetch_item> items;
};
// No answer: the driver sends the literal bytes of value `item` of the last
// message_fetched() (exactly its announced size), by ranges of the file.
struct stream_body {
    std::size_t item = 0;
};
// STORE (and FETCH's implicit \Seen); answer: flags_stored(). With
// unchangedsince, messages whose MODSEQ is higher are left alone and named
// in store_outcome::modified (RFC 7162 §3.1.3).
struct store_flags {
    std::vector<std::uint32_t> uids;
    store_mode mode = store_mode::add;
    std::uint8_t flags = 0;  // message_flag bits
    std::vector<std::string> keywords;
    std::optional<std::uint64_t> unchangedsince;
};
// EXPUNGE / UID EXPUNGE: removes these (\Deleted) messages through the
// store; answer: messages_expunged().
struct expunge_messages {
    std::vector<std::uint32_t> uids;
};
// RFC 7162 §3.2.5.2, §3.2.6: the UIDs of the selected mailbox expunged
// after `modseq` (more where the store no longer knows); answer: vanished_listed().
struct list_vanished {
    std::uint64_t modseq = 0;
};
struct uid_span {  // first <= last
    std::uint32_t first = 0, last = 0;
    friend bool operator==(const uid_span&, const uid_span&) = default;
};
// ---- end of the selected state's actions (H1) ----
// ---- SEARCH, SORT, THREAD (engineer H2) ----
// search_messages (search_result.hpp): the driver evaluates the program
// over the copy of the view it carries; answer: messages_searched().
// ---- end of H2's actions ----

// ---- APPEND, COPY, MOVE (engineer H3) ----
// One APPEND message: its bytes (CRLF lines, stored as LF), flag bits and keywords.
struct appended_message {
    std::string data;
    // The literal went to the driver as it arrived (append_open, then
    // append_write): data is empty and the message is the oldest open stream.
    bool streamed = false;
    std::uint64_t streamed_size = 0;  // its octets as sent, when streamed (quota checks)
    std::uint8_t flags = 0;           // message_flag bits
    std::vector<std::string> keywords;
    std::optional<std::int64_t> internal_date;  // APPEND's date-time, seconds since the epoch
};
// APPEND (MULTIAPPEND: several, all or none, RFC 3502 §6.3.11); answer:
// messages_appended(); errc::not_found: no such mailbox ([TRYCREATE]).
struct append_messages {
    std::string mailbox;
    std::vector<appended_message> messages;
};
// APPEND streamed (issue #10 §3: memory bounded whatever the message
// size): before "+" for a message literal the driver stages a new message
// in `mailbox` as sent (answer: append_opened(); errc::not_found is
// [TRYCREATE] before any octet is sent, RFC 9051 §6.3.12); its octets come
// in append_write pieces of at most append_stream_chunk bytes, each
// answered by append_written() before more input is read (backpressure).
// append_messages then finishes and commits the open streams in order;
// append_discard (no answer) drops them all when the command fails.
inline constexpr std::size_t append_stream_chunk = 64 * 1024;
struct append_open {
    std::string mailbox;
};
struct append_write {
    std::string bytes;
};
struct append_discard {};
// COPY / MOVE of these UIDs of the selected mailbox (ascending) into
// `mailbox`; answer: messages_copied().
struct copy_to_mailbox {
    std::vector<std::uint32_t> uids;
    std::string mailbox;
    bool move = false;
};
// ---- end of APPEND, COPY, MOVE's actions (H3) ----
// ---- QUOTA, RFC 9208 (opsquota) ----
// The logged-in user's quota and usage (every folder: one quota root, "");
// with a mailbox, also whether it exists (GETQUOTAROOT). answer: quota_ready().
struct get_quota {
    std::optional<std::string> mailbox;
};
// ---- end of QUOTA's actions ----

using action =
    std::variant<send_reply, start_tls, verify_login, sasl_begin, sasl_continue, sasl_abort, pause, list_folders,
                 change_folder, open_mailbox, mailbox_status, close_mailbox, sync_mailbox, close_connection,
                 fetch_message, stream_body, store_flags, expunge_messages, search_messages, append_messages,
                 copy_to_mailbox, list_vanished, append_open, append_write, append_discard, get_quota>;

// ---- answers -----------------------------------------------------------------

using proto::login_status;
struct login_verdict {
    login_status status = login_status::bad_credentials;
    std::string user;  // canonical address when ok
};

// What SELECT, STATUS and a sync report of a mailbox.
struct mailbox_info {
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;        // messages without \Seen
    std::uint32_t first_unseen = 0;  // sequence number of the first, 0: none
    std::uint32_t deleted = 0;       // messages with \Deleted
    std::uint32_t recent = 0;        // messages with \Recent (STATUS RECENT)
    std::uint64_t size = 0;          // RFC822.SIZE total (STATUS SIZE)
    std::uint64_t highest_modseq = 0;
    std::vector<message_state> view;  // SELECT and syncs: every message, ascending UID (H1)
};

// ---- answers of the selected state (H1) ----
// A value of fetch_message: rendered text (ENVELOPE, BODYSTRUCTURE, a
// number), NIL (a section that does not exist), or a literal the driver
// streams on stream_body (binary: literal8, RFC 3516 §4.3).
struct fetched_value {
    enum class kind { text, literal, nil };
    kind what = kind::nil;
    std::string text;
    std::uint64_t size = 0;
    bool binary = false;
};
struct fetched_message {
    std::vector<fetched_value> values;
    bool unknown_cte = false;  // BINARY of an unknown transfer encoding: NO [UNKNOWN-CTE]
};
struct store_outcome {
    std::vector<message_state> view;      // the mailbox after the change
    std::vector<std::uint32_t> modified;  // UIDs refused by UNCHANGEDSINCE
};

// ---- answers of APPEND, COPY, MOVE (H3) ----
// RFC 4315 §3: the UIDs given, 0 where the store gives them only at the next sync.
struct append_outcome {
    std::uint32_t uidvalidity = 0;
    std::vector<std::uint32_t> uids;
};
struct copy_outcome {
    std::uint32_t uidvalidity = 0;           // of the destination
    std::vector<std::uint32_t> source_uids;  // those copied (not expunged meanwhile), ascending
    std::vector<std::uint32_t> uids;         // their new UIDs, in the same order
    std::vector<message_state> view;         // MOVE: the selected mailbox after the expunge
};

// ---- answers of QUOTA ----
// Octets and messages; a limit of 0 is none (the resource is not reported).
struct quota_report {
    std::uint64_t storage_used = 0, storage_limit = 0;
    std::uint64_t messages_used = 0, messages_limit = 0;
};

// Counts for the session's closing log line.
struct session_summary {
    std::string user;
    std::string mechanism;  // LOGIN or the SASL mechanism
    std::string mailbox;    // the last one selected
    unsigned selects = 0;
    unsigned auth_failures = 0;
    unsigned commands = 0;
};

class session {
public:
    session(listener_policy policy, const limits& lim, const session_limits& slim);

    void feed(std::string_view bytes);  // any split: whole, per line, per byte
    void feed_eof();
    void timed_out();      // the autologout timer (RFC 9051 §5.4)
    void shutting_down();  // the server is stopping: BYE and close (RFC 9051 §7.1.5)
    // Unsolicited: the selected mailbox may have changed (store/change_bus).
    // Reported at once while idling, otherwise after the next command.
    void mailbox_changed();

    void tls_started();
    void login_done(login_verdict v);
    void sasl_challenge(std::string challenge_b64);
    void sasl_done(login_status status, std::string user, std::optional<std::string> final_b64);
    void folders_listed(result<folder_list> folders);
    // errc::already_exists, errc::not_found, errc::invalid_argument are the
    // client's errors; anything else a server failure.
    void folder_changed(std::error_code ec);
    void mailbox_opened(result<mailbox_info> info);  // errc::not_found: no such mailbox
    void status_ready(result<mailbox_info> info);
    void mailbox_closed(std::error_code ec);
    void mailbox_synced(result<mailbox_info> info);
    // The selected state (H1): errc::not_found for a message expunged meanwhile.
    void message_fetched(result<fetched_message> m);
    void flags_stored(result<store_outcome> r);
    void messages_expunged(result<std::vector<message_state>> view);
    void vanished_listed(result<std::vector<uid_span>> uids);  // ascending, apart
    const selected_view& view() const noexcept { return selected_; }
    // SEARCH, SORT, THREAD (H2): the matches of the last search_messages.
    void messages_searched(result<search_outcome> r);
    // APPEND, COPY, MOVE (H3): errc::not_found for a missing mailbox.
    void messages_appended(result<append_outcome> r);
    void messages_copied(result<copy_outcome> r);
    void append_opened(std::error_code ec);  // errc::not_found: no such mailbox ([TRYCREATE])
    void append_written(std::error_code ec);
    // QUOTA (cmd_quota.cpp); errc::not_found: GETQUOTAROOT's mailbox does not exist.
    void quota_ready(result<quota_report> r);

    std::optional<action> next_action();  // nullopt: wants more input
    state current_state() const noexcept { return state_; }
    bool idling() const noexcept { return idling_; }
    const session_summary& summary() const noexcept { return summary_; }
    const listener_policy& policy() const noexcept { return policy_; }
    bool rev2_enabled() const noexcept { return rev2_; }
    // Mailbox names are UTF-8 on the wire (IMAP4rev2 or UTF8=ACCEPT, RFC
    // 6855 §3), not modified UTF-7.
    bool utf8_names() const noexcept { return rev2_ || utf8_accept_; }
    bool condstore_enabled() const noexcept { return condstore_; }  // RFC 7162 §3.1
    bool qresync_enabled() const noexcept { return qresync_; }      // RFC 7162 §3.2.3
    // RFC 9051 §5.4 autologout: the driver's read deadline.
    std::chrono::milliseconds idle_timeout() const noexcept { return lim_.autologout; }

    // The CAPABILITY list as sent now (for the state and the TLS state).
    std::string capabilities() const;

    // The command table (commands.cpp). Public for the table's own use.
    enum flag : unsigned {
        plaintext_policy = 1,  // carries a password: refused without TLS unless plaintext_auth
        ends_pipeline = 2,     // STARTTLS: nothing after it in the same read may run
    };
    using handler = void (session::*)(const command&);
    struct command_row {
        std::string_view name;
        handler run;
        std::uint32_t states;
        unsigned flags;
    };

private:
    // The one answer the session waits for; no input is read meanwhile.
    enum class awaiting {
        nothing,
        tls,
        login,
        sasl,
        folders,
        list_status,  // RFC 5819 RETURN (STATUS): one mailbox's STATUS
        folder_change,
        open,
        status,
        close,
        sync,
        fetch_seen,
        fetch,
        store,
        expunge,   // the selected state (H1)
        vanished,  // SELECT (QRESYNC), UID FETCH (VANISHED)
        search,    // SEARCH, SORT, THREAD (H2)
        append,
        copy,  // APPEND, COPY, MOVE (H3)
        append_open,
        append_write,  // APPEND streamed (append_stream.cpp)
        quota          // GETQUOTA, GETQUOTAROOT
    };

    void process();
    void read_commands();
    void handle_literal();
    void handle_failure();
    void handle_command(raw_command raw);
    void handle_sasl_line(std::string_view line);
    void handle_idle_line(std::string_view line);
    static std::span<const command_row> commands();
    static const command_row* find(std::string_view name);

    // any state (cmd_any.cpp)
    void cmd_capability(const command& c);
    void cmd_noop(const command& c);
    void cmd_logout(const command& c);
    void cmd_id(const command& c);
    // not authenticated (cmd_login.cpp)
    void cmd_starttls(const command& c);
    void cmd_login(const command& c);
    void cmd_authenticate(const command& c);
    // authenticated and selected (cmd_any.cpp, cmd_mailbox.cpp)
    void cmd_enable(const command& c);
    void cmd_namespace(const command& c);
    void cmd_idle(const command& c);
    void cmd_list(const command& c);
    void cmd_lsub(const command& c);
    void cmd_subscribe(const command& c);
    void cmd_unsubscribe(const command& c);
    void cmd_create(const command& c);
    void cmd_delete(const command& c);
    void cmd_rename(const command& c);
    void cmd_status(const command& c);
    void cmd_select(const command& c);
    void cmd_close(const command& c);
    void cmd_unselect(const command& c);
    void cmd_check(const command& c);
    // the selected state (H1: cmd_fetch.cpp, cmd_store.cpp)
    void cmd_uid(const command& c);
    void cmd_fetch(const command& c);
    void cmd_store(const command& c);
    void cmd_expunge(const command& c);
    // APPEND, COPY, MOVE (H3: cmd_append.cpp, cmd_copy.cpp)
    void cmd_append(const command& c);
    void cmd_copy(const command& c);
    void cmd_move(const command& c);
    void copy_or_move(const sequence_set& set, bool uid, const std::string& mailbox, bool move);
    // QUOTA, RFC 9208 (cmd_quota.cpp)
    void cmd_getquota(const command& c);
    void cmd_getquotaroot(const command& c);
    void cmd_setquota(const command& c);
    void write_quota(const quota_report& q);
    bool moving_ = false;
    bool append_to_selected_ = false;  // the APPEND under way adds to the selected mailbox
    std::string append_code_;          // its tagged OK's code, sent after the sync
    // APPEND streamed (append_stream.cpp).
    bool start_stream();              // handle_literal: stage a message literal
    bool pump_stream();               // false: wants more input
    void drop_streams();              // the command failed: append_discard
    std::string stream_chunk_;        // octets not yet in an append_write
    unsigned streams_ = 0;            // messages of this command staged by the driver
    bool stream_sync_ = false;        // the literal waiting for append_opened() is {n}
    bool stream_nul_ = false;         // a NUL went to a streamed literal8
    bool stream_failed_ = false;      // a write failed: the rest is read and dropped
    detail::bare_cr_scan stream_cr_;  // of the streamed messages: refused if found
    struct fetch_run {
        bool uid = false;
        std::vector<fetch_item> items;    // as the response lists them
        std::vector<fetch_item> storage;  // those the driver answers
        std::vector<std::uint32_t> seqs;
        std::vector<bool> flags_changed;  // by the implicit \Seen: FLAGS joins the response
        std::size_t next = 0;
        bool expunged = false, unknown_cte = false, failed = false;
    };
    struct store_run {
        store_command cmd;
        std::vector<std::uint32_t> seqs;
    };
    void start_fetch(const fetch_command& f);
    void fetch_continue();
    // CONDSTORE / QRESYNC (cmd_qresync.cpp).
    void enable_condstore();               // an enabling command (RFC 7162 §3.1)
    std::uint64_t highest_modseq() const;  // of the view as told, at least 1
    void write_resync(const qresync_params& q);
    void write_vanished_earlier(std::vector<uid_span> spans);
    std::string flags_of(const message_state& m) const { return flag_list(m, !rev2_); }
    bool condstore_ = false, qresync_ = false;
    std::optional<qresync_params> resync_;      // SELECT (QRESYNC ...) under way
    std::optional<fetch_command> vanished_of_;  // UID FETCH (VANISHED) waiting for the store's answer
    std::uint32_t recent_told_ = 0;             // the last RECENT count sent (rev1)
    void write_fetch(std::uint32_t seq, bool flags_changed, const fetched_message* data);
    void tell_update(const view_update& u, const std::vector<std::uint32_t>& quiet);
    bool expunge_allowed() const;
    std::optional<fetch_run> fetch_;
    // SEARCH, SORT, THREAD (H2: cmd_search.cpp)
    void cmd_search(const command& c);
    void cmd_sort(const command& c);
    void cmd_thread(const command& c);
    struct search_run {
        search_kind kind = search_kind::search;
        bool uid = false;
        search_return ret;
        bool modseq = false;  // the program has a MODSEQ key (RFC 7162 §3.1.5)
    };
    void start_search(search_messages req, search_run run);
    void write_search(const search_run& run, const std::vector<std::uint32_t>& seqs);
    std::optional<search_run> search_;
    std::optional<store_run> store_;
    selected_view selected_;

    // After a sync: what the session was doing.
    enum class after_sync { nothing, noop, deferred, append };  // append: its EXISTS, then OK
    void run(const command_row& row, const command& c);
    void login_succeeded(std::string user);
    void login_failed();
    // Folders (cmd_list.cpp): a mailbox name as sent (modified UTF-7, or
    // UTF-8 after IMAP4rev2/UTF8=ACCEPT) to the store's UTF-8, INBOX in any
    // case as "INBOX"; nullopt if malformed. mailbox_arg also sends the NO
    // (bad mUTF-7) or BAD (bad UTF-8) then.
    std::optional<std::string> decoded_mailbox(std::string_view sent) const;
    std::optional<std::string> mailbox_arg(std::string_view sent);
    void append_mailbox(std::string& line, std::string_view utf8) const;
    string_style name_style() const noexcept { return {.utf8_quoted = utf8_names()}; }
    void list_continue();
    void write_status(std::string_view mailbox, const mailbox_info& info, const std::vector<status_item>& items);
    void write_selected(const mailbox_info& info);
    void write_changes(const mailbox_info& info);
    void finish_select();

    // Output. The tag is the current command's.
    void untagged(std::string_view line);                   // "* " + line + CRLF
    void ok(std::string_view code, std::string_view text);  // tagged OK; resets the bad-command count
    void no(std::string_view code, std::string_view text);  // tagged NO
    void bad(std::string_view text);                        // tagged BAD, counted
    void bad_tagged(const std::string& tag, std::string_view text);
    void bye(std::string_view text, close_reason why);  // "* BYE text", then close
    void bye_silently();                                // the peer has gone: close
    void request(action a);
    void wait_for(awaiting what) { awaiting_ = what; }

    listener_policy policy_;
    limits lim_;
    proto::input_buffer in_;
    command_reader reader_;
    state state_ = state::not_authenticated;
    awaiting awaiting_ = awaiting::nothing;
    action_queue<action, send_reply> out_;
    proto::sasl_dialogue sasl_;
    proto::login_throttle throttle_;
    std::string tag_;              // of the command under way
    std::string mechanism_;        // of the login under way
    std::string pending_mailbox_;  // SELECT/EXAMINE/STATUS under way
    std::vector<status_item> status_items_;
    struct list_run {  // LIST/LSUB under way (cmd_list.cpp)
        list_command cmd;
        bool lsub = false;
        std::vector<list_entry> entries;  // once the folders are listed
        std::size_t next = 0;             // the next entry to write
    };
    std::optional<list_run> listing_;
    bool utf8_accept_ = false;                  // ENABLE UTF8=ACCEPT (RFC 6855 §3)
    std::optional<command> deferred_;           // waits for the sync that mailbox_changed() asked for
    std::optional<std::string> quota_mailbox_;  // GETQUOTAROOT under way (nullopt: GETQUOTA)
    const command_row* deferred_row_ = nullptr;
    after_sync after_sync_ = after_sync::nothing;
    bool pending_read_only_ = false;
    bool select_after_close_ = false;  // SELECT while selected: close first
    bool read_only_ = false;
    bool idling_ = false;
    bool changed_ = false;  // mailbox_changed() not yet reported
    bool rev2_ = false;     // ENABLE IMAP4rev2 (RFC 9051 §6.3.1)
    mailbox_info view_;     // what the client was told of the selected mailbox
    unsigned bad_commands_ = 0;
    bool eof_ = false;
    session_summary summary_;
};

}  // namespace mailroom::imap
