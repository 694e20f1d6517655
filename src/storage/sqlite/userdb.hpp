// storage::userdb: the user directory in SQLite (DATA/mailroom.db), both
// interfaces of storage/directory.hpp. Addresses are stored canonical.
// Safe to call from several threads (one connection, serialised; its
// statements are prepared once and reused). Opened by server::run and the
// CLI; everyone else holds a storage::directory.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/directory.hpp"

namespace mailroom::storage {

class userdb final : public directory, public directory_admin {
public:
    // Opens or creates the database and its schema (WAL, foreign keys).
    static result<std::unique_ptr<userdb>> open(const std::filesystem::path& file);
    ~userdb() override;

    std::error_code add_domain(std::string_view domain) override;
    std::error_code remove_domain(std::string_view domain) override;
    result<std::vector<std::string>> domains() override;
    result<bool> has_domain(std::string_view domain) override;

    std::error_code add_user(const user_record& u) override;
    std::error_code update_credentials(const user_record& u) override;
    std::error_code set_quota(std::string_view address, std::optional<quota_limits> quota) override;
    std::error_code remove_user(std::string_view address) override;
    result<user_record> find_user(std::string_view address) override;
    result<std::vector<std::string>> users(std::optional<std::string_view> domain = {}) override;
    // Remembered until any connection next commits a change.
    result<bool> has_legacy_users() override;

    std::error_code add_alias(std::string_view source, std::string_view target) override;
    std::error_code remove_alias(std::string_view source, std::optional<std::string_view> target = {}) override;
    result<std::vector<alias_entry>> aliases(std::optional<std::string_view> domain = {}) override;
    result<resolution> resolve(std::string_view address) override;
    result<std::vector<resolution>> resolve_all(const std::vector<std::string>& addresses) override;

    // _now: the connection not busy on another thread, SQLite not asking to
    // wait for a lock (busy wait off for the call). A lookup costs a few
    // microseconds, less than the two thread wakeups of the worker detour.
    std::optional<bool> has_legacy_users_now() override;
    std::optional<resolution> resolve_now(std::string_view address) override;
    result<bool> owns_address(std::string_view user, std::string_view address) override;
    result<bool> has_quota_users() override;
    std::optional<bool> has_quota_users_now() override;

private:
    struct impl;
    explicit userdb(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace mailroom::storage
