#include "sandbox/any_login.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <variant>

#include "common/secret.hpp"
#include "sandbox/base64.hpp"
#include "storage/directory.hpp"

namespace mailroom::sandbox {
namespace {

using outcome = auth::sasl_step::outcome;
constexpr std::size_t max_response_bytes = 16 * 1024;  // far above any PLAIN/LOGIN/CRAM answer

auth::sasl_step failed() { return {outcome::failure, {}, {}}; }
auth::sasl_step challenge(std::string_view text) { return {outcome::challenge, encode_base64(text), {}}; }
auth::sasl_step succeeded_as(std::string_view name) {
    auto box = login_mailbox(name);
    if (!box) return failed();
    return {outcome::success, {}, std::move(*box)};
}

std::optional<secret> decoded(std::string_view b64) {
    if (b64.size() > max_response_bytes) return std::nullopt;
    auto d = decode_base64(b64);
    if (!d) return std::nullopt;
    return secret(std::move(*d));
}

// RFC 4616 §2: [authzid] NUL authcid NUL passwd; the authcid is the user.
class plain_exchange final : public server::policy_exchange {
public:
    auth::sasl_step start(const std::optional<std::string>& ir) override {
        if (!ir) return challenge("");
        return step(*ir);
    }
    auth::sasl_step step(std::string_view b64) override {
        auto msg = decoded(b64);
        if (!msg) return failed();
        const auto m = msg->reveal();
        const auto first = m.find('\0');
        const auto second = first == m.npos ? m.npos : m.find('\0', first + 1);
        if (second == m.npos || m.find('\0', second + 1) != m.npos) return failed();
        return succeeded_as(m.substr(first + 1, second - first - 1));
    }
};

// The LOGIN mechanism (draft-murchison-sasl-login): user, then password.
class login_exchange final : public server::policy_exchange {
public:
    auth::sasl_step start(const std::optional<std::string>& ir) override {
        if (!ir) return challenge("Username:");
        return step(*ir);
    }
    auth::sasl_step step(std::string_view b64) override {
        auto msg = decoded(b64);
        if (!msg) return failed();
        if (!user_) {
            user_ = std::string(msg->reveal());
            return challenge("Password:");
        }
        return succeeded_as(*user_);
    }

private:
    std::optional<std::string> user_;
};

// RFC 2195 §2: a challenge, then "user SP 32-hex-digest"; the digest is
// not checked (the password is unknown).
class cram_exchange final : public server::policy_exchange {
public:
    explicit cram_exchange(std::string text) : challenge_(std::move(text)) {}
    auth::sasl_step start(const std::optional<std::string>& ir) override {
        if (ir && !ir->empty()) return failed();  // CRAM-MD5 has no initial response
        return challenge(challenge_);
    }
    auth::sasl_step step(std::string_view b64) override {
        auto msg = decoded(b64);
        if (!msg) return failed();
        const auto m = msg->reveal();
        const auto sp = m.rfind(' ');
        if (sp == m.npos || m.size() - sp - 1 != 32) return failed();
        const auto digest = m.substr(sp + 1);
        if (!std::all_of(digest.begin(), digest.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
            return failed();
        return succeeded_as(m.substr(0, sp));
    }

private:
    std::string challenge_;
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::string> login_mailbox(std::string_view user) {
    if (user.empty() || user.size() > 254) return std::nullopt;
    auto a = storage::canonical_address(user.find('@') == user.npos ? std::string(user) + "@localhost"
                                                                    : std::string(user));
    if (!a) return std::nullopt;
    return std::move(*a);
}

pop3::login_verdict any_login::check(const pop3::login_credentials& cred) {
    const auto& user = std::visit([](const auto& c) -> const std::string& { return c.user; }, cred);
    auto box = login_mailbox(user);
    if (!box) return {pop3::login_status::bad_credentials, {}};
    return {pop3::login_status::ok, std::move(*box)};
}

std::unique_ptr<server::policy_exchange> any_login::begin(std::string_view mechanism) {
    const auto m = upper(mechanism);
    if (m == "PLAIN") return std::make_unique<plain_exchange>();
    if (m == "LOGIN") return std::make_unique<login_exchange>();
    if (m == "CRAM-MD5") {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        return std::make_unique<cram_exchange>(fmt::format("<{}.{}@{}>", rnd_.next_u64() % 1000000000, now, host_));
    }
    return nullptr;
}

}  // namespace mailroom::sandbox
