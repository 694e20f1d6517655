// server::login_policy: an answer to logins other than the user directory's,
// installed by a start-up that needs one (the sandbox's accept-any-login,
// sandbox/any_login.hpp). check_pop3_login and sasl_runner ask it instead of
// the directory when services::login_policy is set; the engines never know.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sasl_server.hpp"
#include "proto/pop3/server_session.hpp"

namespace mailroom::server {

// One SASL exchange run by a policy (base64 in and out, as auth::sasl_exchange).
class policy_exchange {
public:
    virtual ~policy_exchange() = default;
    virtual auth::sasl_step start(const std::optional<std::string>& initial_response_b64) = 0;
    virtual auth::sasl_step step(std::string_view response_b64) = 0;
};

class login_policy {
public:
    virtual ~login_policy() = default;
    // USER/PASS, APOP, IMAP LOGIN. Must not block long: it runs on the pool.
    virtual pop3::login_verdict check(const pop3::login_credentials& cred) = 0;
    // nullptr: the mechanism is not served (the client is told to try later).
    virtual std::unique_ptr<policy_exchange> begin(std::string_view mechanism) = 0;
};

}  // namespace mailroom::server
