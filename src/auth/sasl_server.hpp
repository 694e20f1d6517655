// auth::sasl_server: server side of SASL through GNU SASL (PLAIN, LOGIN,
// CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256). One sasl_context per process, one
// sasl_exchange per authentication attempt. Credentials come from a lookup
// function, so this module does not know the user directory. Steps are
// blocking (lookup, yescrypt): callers run them off the event loop.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"
#include "common/result.hpp"

namespace mailroom::auth {

// Returns the stored credentials and canonical address of a user;
// errc::not_found for unknown users (the exchange then fails like a wrong
// password), another error for a temporary failure.
struct lookup_result {
    std::string address;
    credentials cred;
};
using credential_lookup = std::function<result<lookup_result>(std::string_view user)>;

struct sasl_step {
    enum class outcome { challenge, success, failure, temporary_failure };
    outcome what = outcome::failure;
    std::string data_b64;  // challenge, or final server data on success (may be empty)
    std::string user;      // canonical address on success
};

class sasl_context;

class sasl_exchange {
public:
    ~sasl_exchange();
    // First step; initial response absent or base64 ("" = empty response).
    sasl_step start(const std::optional<std::string>& initial_response_b64);
    sasl_step step(std::string_view response_b64);

private:
    friend class sasl_context;
    struct impl;
    explicit sasl_exchange(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

class sasl_context {
public:
    static result<std::unique_ptr<sasl_context>> create();
    ~sasl_context();
    // The mechanisms this build of GNU SASL can serve, of the five above.
    std::vector<std::string> supported() const;
    // errc::unsupported for a mechanism not in supported().
    result<std::unique_ptr<sasl_exchange>> begin(std::string_view mechanism, credential_lookup lookup);

private:
    struct impl;
    explicit sasl_context(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace mailroom::auth
