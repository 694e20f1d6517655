// storage::userdb: local domains and users in SQLite (DATA/mailroom.db).
// Addresses are stored canonical (lower-case domain and local part). Safe to
// call from several threads (one connection, serialised). Called by the CLI
// (user/domain commands) and the login path of every service.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"
#include "common/result.hpp"

namespace mailroom::storage {

struct user_record {
    std::string address;  // canonical local@domain
    auth::credentials cred;
};

class userdb {
public:
    // Opens or creates the database and its schema (WAL, foreign keys).
    static result<std::unique_ptr<userdb>> open(const std::filesystem::path& file);
    ~userdb();

    std::error_code add_domain(std::string_view domain);     // already_exists
    std::error_code remove_domain(std::string_view domain);  // not_found; refuses if users remain (errc::in_use)
    result<std::vector<std::string>> domains();
    result<bool> has_domain(std::string_view domain);

    std::error_code add_user(const user_record& u);          // domain must exist
    std::error_code update_credentials(const user_record& u);
    std::error_code remove_user(std::string_view address);
    result<user_record> find_user(std::string_view address); // errc::not_found
    result<std::vector<std::string>> users(std::optional<std::string_view> domain = {});
    // Whether any user keeps a legacy secret: APOP and CRAM-MD5 are offered
    // only then, since they cannot work for anyone else.
    result<bool> has_legacy_users();

private:
    struct impl;
    explicit userdb(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

// Lower-cases and validates "local@domain" (dot-atom local part, LDH
// domain labels); errc::invalid_argument for anything else, including
// characters that could escape the mail directory.
result<std::string> canonical_address(std::string_view address);

// Lower-cases and validates a domain name (LDH labels, no trailing dot).
result<std::string> canonical_domain(std::string_view domain);

}  // namespace mailroom::storage
