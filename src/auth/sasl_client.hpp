// auth::sasl_client: client side of SASL through GNU SASL (PLAIN, LOGIN,
// CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256) for SMTP AUTH (RFC 4954) when we
// deliver through a smarthost or submit with `mailroom send`. It turns a
// user and password into base64 responses; it does no I/O. SCRAM checks the
// server's signature (RFC 5802 §5.1 "v="): complete() is true only then.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace mailroom::auth {

class sasl_client_exchange {
public:
    ~sasl_client_exchange();
    // The initial response (RFC 4954 §4) in base64 ("" = empty response), or
    // nullopt when the mechanism waits for a server challenge first (LOGIN,
    // CRAM-MD5). An error means the mechanism could not start.
    result<std::optional<secret>> initial();
    // The response to one server challenge (base64 in, base64 out). An error
    // means give up (send "*"): malformed challenge or, for SCRAM, a server
    // signature that does not prove the server knows our keys.
    result<secret> step(std::string_view challenge_b64);
    // The mechanism finished on our side (for SCRAM: the server signature
    // was verified). A server that says 235 before that is not trusted.
    bool complete() const noexcept;
    const std::string& mechanism() const noexcept;

private:
    friend class sasl_client_context;
    struct impl;
    explicit sasl_client_exchange(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

class sasl_client_context {
public:
    static result<std::unique_ptr<sasl_client_context>> create();
    ~sasl_client_context();
    // The first of `preference` (upper case) that the server offers and
    // this build of GNU SASL can do; nullopt when none.
    std::optional<std::string> choose(const std::vector<std::string>& preference,
                                      const std::vector<std::string>& offered) const;
    // errc::unsupported for a mechanism we cannot do.
    result<std::unique_ptr<sasl_client_exchange>> begin(std::string_view mechanism, std::string_view user,
                                                        const secret& password);

private:
    struct impl;
    explicit sasl_client_context(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace mailroom::auth
