// fetch::sink: where `mailroom pop3 fetch` and `mailroom imap fetch` put
// the messages they download — maildir:DIR, mbox:FILE (mboxrd) or
// local:ADDRESS (mailroom's own durable local delivery) — one message at a
// time: begin, write pieces (CRLF lines, any split), commit durably or
// abort. The UID journal (uid_state.hpp) lives in state_directory().
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "common/result.hpp"

namespace mailroom::fetch {

class sink {
public:
    virtual ~sink() = default;

    virtual const std::string& description() const noexcept = 0;  // "maildir:/home/a/Mail"
    virtual std::filesystem::path state_directory() const = 0;    // where the UID journals go

    // Starts a message. recovery_token() then names what recover() needs to
    // find or undo it after a crash (no spaces); journal it before write().
    virtual std::error_code begin() = 0;
    virtual std::string recovery_token() const = 0;
    // The message as the server sent it (CRLF line ends, dot-unstuffed).
    virtual std::error_code write(std::string_view piece) = 0;
    // Durable when it returns {} (file and directory synced).
    virtual std::error_code commit() = 0;
    // Forgets the message begun; nothing of it stays visible.
    virtual void abort() noexcept = 0;

    // After a crash between begin() and the journal's "stored": true if the
    // message is there whole; false if it is not (whatever was left of it
    // is removed), so it is fetched again.
    virtual result<bool> recover(std::string_view token) = 0;
};

// What local:ADDRESS needs from the caller (the CLI opens the user
// directory): a sink for that address, or an error message.
using local_sink_factory = std::function<std::unique_ptr<sink>(const std::string& address)>;

// "maildir:DIR" (created with tmp/ new/ cur/ if missing), "mbox:FILE"
// (created if missing), "local:ADDRESS" (through make_local). Throws
// std::runtime_error with a message for a bad or unusable spec.
std::unique_ptr<sink> open_sink(std::string_view spec, const local_sink_factory& make_local = {});

std::unique_ptr<sink> open_maildir_sink(const std::filesystem::path& dir);
std::unique_ptr<sink> open_mbox_sink(const std::filesystem::path& file);

}  // namespace mailroom::fetch
