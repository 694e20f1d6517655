// mailroom's own error codes, each marked temporary or permanent where it
// arises (STYLE.md §7). Peers see generic text; logs see message().
#pragma once

#include <string>
#include <system_error>

namespace mailroom {

enum class errc {
    ok = 0,
    not_found = 1,     // user, mailbox, message, key: absent
    already_exists,    // user or domain added twice
    in_use,            // mailbox locked by another session
    invalid_argument,  // a caller passed something malformed
    storage_failure,   // disk or database: temporary
    corrupt_data,      // stored data unreadable: needs an administrator
    auth_failed,       // wrong credentials (never say which part)
    unsupported,       // mechanism or feature not available for this user
    limit_exceeded,    // a configured limit was hit
    over_quota,        // the mailbox's quota is full, or the message does not fit it
};

const std::error_category& mailroom_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), mailroom_category()}; }

// True for errors a retry may cure (disk full, lock held, database busy).
bool is_temporary(const std::error_code& ec) noexcept;

}  // namespace mailroom

template <>
struct std::is_error_code_enum<mailroom::errc> : std::true_type {};
