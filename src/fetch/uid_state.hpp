// fetch::uid_state: which messages of one server mailbox a fetch has stored,
// kept in a small journal file next to the destination, keyed by protocol,
// server, user and folder (IMAP). A message is "begun" (durably, with the
// sink's recovery token) before its first byte is written and "stored" only
// after the sink made it durable; the server may delete it only then. After
// a crash, a begun-but-not-stored message is resolved with the sink's
// recover(). Callers: `mailroom pop3 fetch`, `mailroom imap fetch`.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "durable/file_system.hpp"

namespace mailroom::fetch {

struct state_key {
    std::string protocol;  // "pop3", "imap"
    std::string host;
    std::uint16_t port = 0;
    std::string user;
    std::string folder;  // IMAP; "" for POP3
};
// A file name for key: readable (sanitised) and unique (a hash of the key).
std::string state_file_name(const state_key& key);

// A UID a server may send and the journal can hold: 1-70 printable ASCII
// characters without space (RFC 1939 §7's UIDL; IMAP UIDs are decimal).
bool valid_uid(std::string_view uid) noexcept;

class uid_state {
public:
    // Reads (or creates) the journal at `file` and locks it (file + ".lock")
    // for this process: errc::in_use while another fetch holds it. A torn
    // last record (a crash mid-append) is ignored.
    static result<std::unique_ptr<uid_state>> open(durable::file_system& fs, std::filesystem::path file);

    bool stored(std::string_view uid) const { return stored_.count(std::string(uid)) != 0; }
    std::size_t stored_count() const noexcept { return stored_.size(); }
    // Begun and never stored nor dropped: uid → the sink's recovery token.
    const std::map<std::string, std::string>& pending() const noexcept { return pending_; }
    // IMAP UIDVALIDITY the UIDs belong to ("" until set).
    const std::string& validity() const noexcept { return validity_; }

    // Each appends one record and syncs it before returning.
    std::error_code begin(std::string_view uid, std::string_view token);
    std::error_code mark_stored(std::string_view uid);
    std::error_code drop(std::string_view uid);  // a pending one that recover() found absent

    // Rewrites the journal atomically keeping only the stored UIDs in
    // `present` (what the server still has), with `validity`: a new
    // validity starts over (IMAP UIDVALIDITY changed). Resolve pending()
    // first: a new validity forgets them.
    std::error_code compact(const std::set<std::string>& present, std::string_view validity);

private:
    uid_state(durable::file_system& fs, std::filesystem::path file) : fs_(fs), file_(std::move(file)) {}
    std::error_code append(std::string record);
    // The whole journal replaced atomically (tmp, sync, rename, sync dir).
    std::error_code rewrite(const std::set<std::string>& stored, const std::map<std::string, std::string>& pending,
                            std::string_view validity);

    durable::file_system& fs_;
    std::filesystem::path file_;
    std::unique_ptr<durable::directory_lock> lock_;
    std::unique_ptr<durable::appendable_file> journal_;
    std::set<std::string> stored_;
    std::map<std::string, std::string> pending_;
    std::string validity_;
};

}  // namespace mailroom::fetch
