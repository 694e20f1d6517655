#include "server/services.hpp"

#include <fmt/format.h>

namespace mailroom::server {

std::string session_id(services& svc, char prefix) {
    return fmt::format("{}{:x}", prefix, svc.next_session.fetch_add(1));
}

}  // namespace mailroom::server
