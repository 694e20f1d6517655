#include "proto/common/actions.hpp"

namespace mailroom::proto {

const char* reason_name(close_reason r) noexcept {
    switch (r) {
        case close_reason::quit: return "quit";
        case close_reason::timeout: return "timeout";
        case close_reason::eof: return "disconnected";
        case close_reason::too_many_errors: return "too_many_errors";
        case close_reason::auth_failures: return "too_many_auth_failures";
        case close_reason::tls_failed: return "tls_failed";
        case close_reason::server_error: return "server_error";
        case close_reason::shutdown: return "shutdown";
    }
    return "unknown";
}

}  // namespace mailroom::proto
