#include "server/login_check.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <type_traits>
#include <variant>

#include "auth/password.hpp"
#include "common/errors.hpp"
#include "server/login_policy.hpp"

namespace mailroom::server {

pop3::login_verdict check_pop3_login(const login_services& svc, const pop3::login_credentials& cred) {
    if (svc.policy) return svc.policy->check(cred);
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

std::string penalty_key(const std::string& ip) {
    std::array<unsigned char, 16> b{};
    if (::inet_pton(AF_INET6, ip.c_str(), b.data()) != 1) return ip;
    // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 client.
    const bool mapped = std::all_of(b.begin(), b.begin() + 10, [](unsigned char c) { return c == 0; }) &&
                        b[10] == 0xff && b[11] == 0xff;
    if (mapped) return fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
    return fmt::format("{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}::/64", b[0], b[1], b[2], b[3], b[4], b[5],
                       b[6], b[7]);
}

std::chrono::milliseconds login_guard::delay_for(const std::string& ip) const {
    if (exempt_.contains(ip)) return std::chrono::milliseconds(0);
    return penalty_.delay(penalty_key(ip), std::chrono::steady_clock::now());
}

void login_guard::succeeded(const std::string& ip) { penalty_.succeeded(penalty_key(ip)); }

void login_guard::failed(const std::string& id, const std::string& ip, unsigned count) {
    const auto key = penalty_key(ip);
    const auto now = std::chrono::steady_clock::now();
    const bool exempt = exempt_.contains(ip);
    for (unsigned i = 0; i < count; ++i) {
        if (!exempt) penalty_.failed(key, now);
        // The address is ours (the peer's socket address), never the
        // client's words: it is last on the line, so fail2ban's regex can
        // anchor on it (docs/fail2ban.md).
        spdlog::warn("{} login failure penalty_ms={} ip={}", id, exempt ? 0 : penalty_.delay(key, now).count(), ip);
    }
}

}  // namespace mailroom::server
