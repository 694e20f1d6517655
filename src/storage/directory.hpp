// storage::directory: the user directory as the services see it - find a
// user, resolve addresses through aliases, who may send as whom, local
// domains - and storage::directory_admin, its administration by the CLI
// (domains, users, aliases). Backend-neutral: the SQLite implementation is
// storage/sqlite/userdb.hpp, the alias rules are aliases.cpp for any backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"
#include "common/result.hpp"

namespace mailroom::storage {

// A storage quota (issue #12): octets and messages a user's mail may take,
// every folder together; 0 is no limit.
struct quota_limits {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    bool unlimited() const noexcept { return bytes == 0 && messages == 0; }
    friend bool operator==(const quota_limits&, const quota_limits&) = default;
};

struct user_record {
    std::string address;  // canonical local@domain
    auth::credentials cred;
    std::optional<quota_limits> quota;  // nullopt: the configured default_quota
};

// One alias source with its targets, both sorted.
struct alias_entry {
    std::string source;                // "local@domain", or "@domain" for the catch-all
    std::vector<std::string> targets;  // canonical addresses, local or remote
};

// Where mail for one address goes (userdb::resolve), in breadth-first order,
// without duplicates.
struct resolution {
    std::vector<std::string> local_mailboxes;  // users of local domains
    std::vector<std::string> remote;           // addresses in other domains, as they are
    bool unknown = false;                      // a local address that leads nowhere: 550 5.1.1
    bool local_domain = false;                 // the address itself is in a local domain
};

// Alias chains longer than this are cut (Postfix virtual_alias_recursion_limit
// is 1000; ten is plenty for hand-made aliases and bounds the lookups).
constexpr unsigned max_alias_depth = 10;

// What every service asks: login, recipient checks, acceptance. Safe to
// call from several threads. Blocking unless the name says _now.
class directory {
public:
    virtual ~directory() = default;

    virtual result<bool> has_domain(std::string_view domain) = 0;
    virtual result<user_record> find_user(std::string_view address) = 0;  // errc::not_found
    // Whether any user keeps a legacy secret: APOP and CRAM-MD5 are offered
    // only then, since they cannot work for anyone else.
    virtual result<bool> has_legacy_users() = 0;
    // Aliases, decided as Postfix virtual_alias_maps: an alias replaces
    // delivery to the mailbox of a user with the same address unless its
    // targets include that address itself ("a@d -> a@d, b@d" keeps a copy);
    // a catch-all "@domain" applies only to local parts that are neither a
    // user nor an alias. Expands recursively, breadth-first, up to
    // max_alias_depth: a loop or a longer chain ends that branch silently
    // (what the branch found so far still counts). An address outside the
    // local domains is remote as it is. invalid_argument for a malformed
    // address; the rest are backend errors. Reads one consistent snapshot.
    virtual result<resolution> resolve(std::string_view address) = 0;
    // resolve() for each address, in order, in one snapshot. Fails whole if
    // any address fails.
    virtual result<std::vector<resolution>> resolve_all(const std::vector<std::string>& addresses) = 0;
    // has_legacy_users() and resolve() for a caller that must not block
    // (the event loop): the answer only if it can be had at once; nullopt
    // otherwise, and on any error: then ask the ordinary way, on a worker
    // thread.
    virtual std::optional<bool> has_legacy_users_now() = 0;
    virtual std::optional<resolution> resolve_now(std::string_view address) = 0;
    // Whether `user` may send as `address`: the same address, or an alias
    // (not a catch-all) listing `user` among its direct targets. False for
    // malformed input; errors only from the backend.
    virtual result<bool> owns_address(std::string_view user, std::string_view address) = 0;
    // Whether any user has a quota of its own (without one, only the
    // configured default applies). _now: as has_legacy_users_now.
    virtual result<bool> has_quota_users() = 0;
    virtual std::optional<bool> has_quota_users_now() = 0;
};

// What the CLI changes (mailroom domain|user|alias).
class directory_admin {
public:
    virtual ~directory_admin() = default;

    virtual std::error_code add_domain(std::string_view domain) = 0;  // already_exists
    virtual std::error_code remove_domain(
        std::string_view domain) = 0;  // not_found; in_use while users or aliases remain
    virtual result<std::vector<std::string>> domains() = 0;

    virtual std::error_code add_user(const user_record& u) = 0;  // domain must exist
    virtual std::error_code update_credentials(const user_record& u) = 0;
    // nullopt: back to the configured default. not_found for no such user.
    virtual std::error_code set_quota(std::string_view address, std::optional<quota_limits> quota) = 0;
    virtual std::error_code remove_user(std::string_view address) = 0;
    virtual result<std::vector<std::string>> users(std::optional<std::string_view> domain) = 0;

    // Targets need not exist (a user added later, or a remote address); the
    // source's domain must be local. already_exists for the same pair
    // twice; invalid_argument for a malformed source or target or a source
    // outside the local domains.
    virtual std::error_code add_alias(std::string_view source, std::string_view target) = 0;
    // Removes one pair, or every target of the source; not_found if nothing
    // was removed, invalid_argument for a malformed source or target.
    virtual std::error_code remove_alias(std::string_view source, std::optional<std::string_view> target) = 0;
    // Sorted by domain then source; invalid_argument for a malformed domain.
    virtual result<std::vector<alias_entry>> aliases(std::optional<std::string_view> domain) = 0;
};

// Lower-cases and validates "local@domain" (dot-atom local part, LDH
// domain labels); errc::invalid_argument for anything else, including
// characters that could escape the mail directory.
result<std::string> canonical_address(std::string_view address);

// Lower-cases and validates a domain name (LDH labels, no trailing dot).
result<std::string> canonical_domain(std::string_view domain);

// An alias source: canonical_address, or "@domain" (the domain's catch-all).
result<std::string> canonical_alias_source(std::string_view source);

namespace detail {

// What expand_aliases (aliases.cpp) asks about the directory; userdb
// answers from SQLite inside one read transaction. Arguments are canonical.
class alias_directory {
public:
    virtual ~alias_directory() = default;
    virtual result<bool> is_local_domain(std::string_view domain) = 0;
    virtual result<bool> is_user(std::string_view address) = 0;
    // The targets of an alias source ("@domain" for the catch-all); empty
    // when there is no such alias.
    virtual result<std::vector<std::string>> alias_targets(std::string_view source) = 0;
};

// The rules of userdb::resolve for a canonical address.
result<resolution> expand_aliases(std::string_view address, alias_directory& dir);

}  // namespace detail

}  // namespace mailroom::storage
