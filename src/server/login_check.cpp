#include "server/login_check.hpp"

#include <type_traits>
#include <variant>

#include "auth/password.hpp"
#include "common/errors.hpp"

namespace mailroom::server {

pop3::login_verdict check_pop3_login(const login_services& svc, const pop3::login_credentials& cred) {
    return std::visit(
        [&](const auto& c) -> pop3::login_verdict {
            auto address = storage::canonical_address(c.user);
            result<storage::user_record> rec = make_error_code(errc::not_found);
            if (address) rec = svc.users.find_user(*address);
            if (!rec && rec.error() != errc::not_found) return {pop3::login_status::temporary_failure, {}};
            bool ok = false;
            if constexpr (std::is_same_v<std::decay_t<decltype(c)>, pop3::password_login>) {
                // Unknown users pay for a hash too, so timing tells nothing.
                ok = auth::verify_password(c.password, rec ? rec->cred.password_hash : svc.dummy_hash) && rec;
            } else {
                ok = rec && auth::verify_apop(rec->cred, c.timestamp, c.digest_hex);
            }
            if (!ok) return {pop3::login_status::bad_credentials, {}};
            return {pop3::login_status::ok, rec->address};
        },
        cred);
}

auth::credential_lookup make_credential_lookup(storage::directory& users) {
    return [&users](std::string_view user) -> result<auth::lookup_result> {
        auto address = storage::canonical_address(user);
        if (!address) return make_error_code(errc::not_found);
        auto rec = users.find_user(*address);
        if (!rec) return rec.error();
        return auth::lookup_result{rec->address, rec->cred};
    };
}

}  // namespace mailroom::server
