// server::login_check: answers the engines' login requests from the user
// directory. Blocking (yescrypt, SQLite): call through net::offload. The
// verdict never tells an unknown user from a wrong password, and both cost
// the same time.
#pragma once

#include <string_view>

#include "auth/sasl_server.hpp"
#include "proto/pop3/server_session.hpp"
#include "server/services.hpp"

namespace mailroom::server {

pop3::login_verdict check_pop3_login(const login_services& svc, const pop3::login_credentials& cred);

// For GNU SASL exchanges: the credentials of a user, not_found for unknown
// or malformed names.
auth::credential_lookup make_credential_lookup(storage::directory& users);

}  // namespace mailroom::server
