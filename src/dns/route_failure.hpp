// Why a destination cannot be reached, in the words a bounce or a deferral
// needs: the reply code and RFC 3463 enhanced status the DSN will carry.
// Made by the route planners; read by src/delivery/ and src/queue/.
#pragma once

#include <string>

namespace mailroom::dns {

struct route_failure {
    bool permanent = false;       // true: bounce now; false: queue and retry
    unsigned reply_code = 451;    // 4xx or 5xx
    std::string enhanced_status;  // "4.4.3", "5.1.10", ...
    std::string text;             // for the log and the DSN, no secrets

    friend bool operator==(const route_failure&, const route_failure&) = default;
};

}  // namespace mailroom::dns
