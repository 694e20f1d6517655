// imap::command: the typed arguments of every IMAP command this server
// knows (RFC 9051 §6, RFC 3501 §6 rev1 forms, and the extensions of
// issue #11), one struct per command, as a variant. Built from a
// raw_command by parse_command (command_parser.hpp); the session engine
// dispatches on the variant. Mailbox names are as sent (modified UTF-7,
// or UTF-8 after ENABLE UTF8=ACCEPT): the engine decodes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "proto/imap/date_time.hpp"
#include "proto/imap/fetch_items.hpp"
#include "proto/imap/search_program.hpp"
#include "proto/imap/sequence_set.hpp"

namespace mailroom::imap {

// --- any state (RFC 9051 §6.1) ---
struct capability_command {};
struct noop_command {};
struct logout_command {};
struct id_command {  // RFC 2971 §3.1: ID NIL / ID ("key" "value" ...)
    // nullopt for NIL; values nullopt for NIL.
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> fields;
};

// --- not authenticated (§6.2) ---
struct starttls_command {};
struct authenticate_command {
    std::string mechanism;  // as sent; compare case-insensitively
    // RFC 4959 SASL-IR: the base64 initial response as sent; "=" is an
    // empty one (the engine decodes). nullopt: no initial response.
    std::optional<std::string> initial_response;
};
struct login_command {
    std::string user;
    std::string password;  // never logged: move it into a secret at once
};

// --- authenticated (§6.3) ---
struct enable_command {                     // RFC 5161
    std::vector<std::string> capabilities;  // as sent
};
struct qresync_params {  // RFC 7162 §3.2.5
    std::uint32_t uidvalidity = 0;
    std::uint64_t modseq = 0;
    std::optional<sequence_set> known_uids;
    struct seq_match {  // known-sequence-set known-uid-set
        sequence_set sequences;
        sequence_set uids;
    };
    std::optional<seq_match> match;
};
struct select_command {  // SELECT and EXAMINE
    bool examine = false;
    std::string mailbox;
    bool condstore = false;  // (CONDSTORE), RFC 7162 §3.1.8
    std::optional<qresync_params> qresync;
};
struct create_command {
    std::string mailbox;
    std::vector<std::string> use;  // RFC 6154 §3: CREATE name (USE (\Drafts))
};
struct delete_command {
    std::string mailbox;
};
struct rename_command {
    std::string from, to;
};
struct subscribe_command {
    std::string mailbox;
};
struct unsubscribe_command {
    std::string mailbox;
};

enum class status_item {
    messages,
    recent,
    uidnext,
    uidvalidity,
    unseen,
    deleted,        // RFC 9051 §6.3.11
    size,           // RFC 9051 (STATUS=SIZE)
    highestmodseq,  // RFC 7162 §3.1.6
    appendlimit,    // RFC 7889 §5
};

struct list_command {
    // RFC 5258 §3 selection options (SUBSCRIBED, REMOTE, RECURSIVEMATCH,
    // SPECIAL-USE of RFC 6154 §5.3), upper-cased; unknown ones are refused.
    std::vector<std::string> selection;
    std::string reference;
    std::vector<std::string> patterns;  // one, or several in "( ... )" (RFC 5258 §3)
    bool extended = false;              // any of the RFC 5258 forms was used
    bool return_subscribed = false, return_children = false, return_special_use = false;
    std::optional<std::vector<status_item>> return_status;  // RFC 5819 RETURN (STATUS (...))
};
struct lsub_command {  // RFC 3501 §6.3.9
    std::string reference;
    std::string pattern;
};
struct namespace_command {};  // RFC 2342
struct status_command {
    std::string mailbox;
    std::vector<status_item> items;
};

struct catenate_part {  // RFC 4469 §5: URL "imap-url" / TEXT literal
    bool is_url = false;
    std::string data;       // the URL, or the text (bytes)
    bool streamed = false;  // the text went to the engine as a stream (empty data)
    std::uint64_t streamed_size = 0;
};
struct append_message {
    std::vector<std::string> flags;  // as sent ("\Seen", "$Label")
    std::optional<date_time> internal_date;
    std::string data;     // the message (a literal), empty when catenated
    bool binary = false;  // literal8 (RFC 3516 §4.4): may hold NUL
    std::optional<std::vector<catenate_part>> catenate;
    // The message went to the engine as a stream (accept_literal_streamed):
    // data is empty, streamed_size is its length.
    bool streamed = false;
    std::uint64_t streamed_size = 0;
};
struct append_command {
    std::string mailbox;
    std::vector<append_message> messages;  // several with MULTIAPPEND (RFC 3502)
};
struct idle_command {};  // RFC 2177; the engine then waits for a DONE line

// --- selected (§6.4) ---
struct check_command {};  // rev1 only
struct close_command {};
struct unselect_command {};  // RFC 3691
struct expunge_command {
    std::optional<sequence_set> uids;  // UID EXPUNGE (RFC 4315 §2.1)
};

struct search_return {     // RFC 4731 §3, RFC 5182 SAVE
    bool present = false;  // RETURN (...) was given, even empty: answer ESEARCH
    bool min = false, max = false, all = false, count = false, save = false;
};
struct search_command {
    bool uid = false;
    std::optional<std::string> charset;  // CHARSET x
    search_return ret;
    search_key program;  // an and_ node
};

struct fetch_command {
    bool uid = false;
    sequence_set set;
    std::vector<fetch_item> items;
    std::optional<std::uint64_t> changedsince;  // RFC 7162 §3.1.4.1
    bool vanished = false;                      // RFC 7162 §3.2.6 (UID FETCH only)
};

enum class store_mode { replace, add, remove };  // FLAGS, +FLAGS, -FLAGS
struct store_command {
    bool uid = false;
    sequence_set set;
    std::optional<std::uint64_t> unchangedsince;  // RFC 7162 §3.1.3
    store_mode mode = store_mode::replace;
    bool silent = false;
    std::vector<std::string> flags;
};

struct copy_command {  // COPY and UID COPY
    bool uid = false;
    sequence_set set;
    std::string mailbox;
};
struct move_command {  // RFC 6851
    bool uid = false;
    sequence_set set;
    std::string mailbox;
};

enum class sort_key { arrival, cc, date, from, size, subject, to, display_from, display_to };
struct sort_criterion {
    bool reverse = false;
    sort_key key = sort_key::arrival;
};
struct sort_command {  // RFC 5256 §3
    bool uid = false;
    std::vector<sort_criterion> criteria;
    std::string charset;
    search_key program;
};
enum class thread_algorithm { orderedsubject, references };
struct thread_command {  // RFC 5256 §3
    bool uid = false;
    thread_algorithm algorithm = thread_algorithm::references;
    std::string charset;
    search_key program;
};

// --- QUOTA (RFC 9208 §4) ---
struct getquota_command {
    std::string root;
};
struct getquotaroot_command {
    std::string mailbox;
};
struct setquota_command {
    std::string root;
    std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource names as sent
};

using command_args = std::variant<
    capability_command, noop_command, logout_command, id_command, starttls_command, authenticate_command, login_command,
    enable_command, select_command, create_command, delete_command, rename_command, subscribe_command,
    unsubscribe_command, list_command, lsub_command, namespace_command, status_command, append_command, idle_command,
    check_command, close_command, unselect_command, expunge_command, search_command, fetch_command, store_command,
    copy_command, move_command, sort_command, thread_command, getquota_command, getquotaroot_command, setquota_command>;

struct command {
    std::string tag;
    command_args args;
};

}  // namespace mailroom::imap
