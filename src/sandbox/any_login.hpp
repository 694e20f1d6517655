// sandbox::any_login: the login policy of `mailroom dev` without --users
// (installed by dev_server.cpp as services::login_policy): every
// USER/PASS, APOP, IMAP LOGIN and SASL PLAIN, LOGIN or CRAM-MD5 login
// succeeds, whatever the password or digest. SCRAM is not served: its
// client checks the server's signature, which needs the real password.
#pragma once

#include "sandbox/base64.hpp"  // the tests decode challenges with it

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "server/login_policy.hpp"

namespace mailroom::sandbox {

// The mailbox a login name stands for: the canonical address, or
// "name@localhost" for a bare name; nullopt for anything else.
std::optional<std::string> login_mailbox(std::string_view user);

class any_login final : public server::login_policy {
public:
    // `rnd` makes the CRAM-MD5 challenges; `host` ends them (RFC 2195 §2).
    any_login(random_source& rnd, std::string host) : rnd_(rnd), host_(std::move(host)) {}

    pop3::login_verdict check(const pop3::login_credentials& cred) override;
    // PLAIN, LOGIN and CRAM-MD5 (any case); nullptr for the rest.
    std::unique_ptr<server::policy_exchange> begin(std::string_view mechanism) override;

private:
    random_source& rnd_;
    std::string host_;
};

}  // namespace mailroom::sandbox
