#include "storage/sqlite/userdb.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <iterator>
#include <mutex>
#include <optional>
#include <type_traits>

#include "common/errors.hpp"
#include "common/handles.hpp"
#include "storage/sqlite/detail/statement_cache.hpp"

namespace mailroom::storage {
namespace {

// Schema (PRAGMA user_version): migrations[v] takes a database from version
// v to v + 1; open() runs the missing ones in one transaction. Columns hold
// what auth/credentials.hpp describes; the legacy secret is NULL unless the
// user opted into APOP/CRAM-MD5. Each step is idempotent (IF NOT EXISTS).
constexpr const char* migrations[] = {
    // 0 -> 1: domains and users.
    R"sql(
CREATE TABLE IF NOT EXISTS domains (
    name TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    address TEXT PRIMARY KEY,
    domain TEXT NOT NULL REFERENCES domains(name),
    password_hash TEXT NOT NULL,
    scram_sha1_iter INTEGER NOT NULL, scram_sha1_salt TEXT NOT NULL,
    scram_sha1_stored TEXT NOT NULL, scram_sha1_server TEXT NOT NULL,
    scram_sha256_iter INTEGER NOT NULL, scram_sha256_salt TEXT NOT NULL,
    scram_sha256_stored TEXT NOT NULL, scram_sha256_server TEXT NOT NULL,
    legacy_secret TEXT,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS users_by_domain ON users(domain);
)sql",
    // 1 -> 2: aliases (#3). source is "local@domain" or "@domain" (catch-all)
    // in a local domain, which the domain column ties to domains; target is
    // any canonical address.
    R"sql(
CREATE TABLE IF NOT EXISTS aliases (
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    domain TEXT NOT NULL REFERENCES domains(name),
    PRIMARY KEY (source, target),
    CHECK (substr(source, -length(domain) - 1) = '@' || domain)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_by_domain ON aliases(domain);
)sql",
    // 2 -> 3: per-user quotas (#12); NULL in both: the configured default.
    // Not idempotent by itself (no ADD COLUMN IF NOT EXISTS): migrate()
    // reads the version inside its write transaction, so it runs once.
    R"sql(
ALTER TABLE users ADD COLUMN quota_bytes INTEGER;
ALTER TABLE users ADD COLUMN quota_messages INTEGER;
)sql",
};
constexpr int schema_version = static_cast<int>(std::size(migrations));

constexpr const char* user_columns =
    "address, password_hash, scram_sha1_iter, scram_sha1_salt, scram_sha1_stored, scram_sha1_server, "
    "scram_sha256_iter, scram_sha256_salt, scram_sha256_stored, scram_sha256_server, legacy_secret, quota_bytes, "
    "quota_messages";

// The two quota columns from parameter `first` on (NULL: the default).
void bind_quota(sqlite3_stmt* st, int first, const std::optional<quota_limits>& q) {
    if (!q) {
        sqlite3_bind_null(st, first);
        sqlite3_bind_null(st, first + 1);
        return;
    }
    sqlite3_bind_int64(st, first, static_cast<sqlite3_int64>(q->bytes));
    sqlite3_bind_int64(st, first + 1, static_cast<sqlite3_int64>(q->messages));
}

struct db_closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_closer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, stmt_closer>;

// rc is an extended result code (sqlite3_extended_result_codes is on).
std::error_code db_error(int rc) { return detail::sqlite_error(rc); }

std::string column_text(sqlite3_stmt* s, int i) {
    auto p = sqlite3_column_text(s, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
             : std::string();
}

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// The ten credential columns, in schema order, from parameter `first` on.
void bind_credentials(sqlite3_stmt* st, int first, const auth::credentials& c) {
    int i = first;
    bind_text(st, i++, c.password_hash);
    for (const auto* k : {&c.scram_sha1, &c.scram_sha256}) {
        sqlite3_bind_int64(st, i++, k->iterations);
        bind_text(st, i++, k->salt_b64);
        bind_text(st, i++, k->stored_key_hex);
        bind_text(st, i++, k->server_key_hex);
    }
    if (c.legacy_secret) bind_text(st, i, c.legacy_secret->reveal());
    else sqlite3_bind_null(st, i);
}

// Binds params to ?1, ?2, ... of a fresh or reused statement.
void bind_all(sqlite3_stmt* s, std::initializer_list<std::string_view> params) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    int i = 1;
    for (auto p : params) bind_text(s, i++, p);
}

// Whether the query returns a row. The statement is reset at once: one
// left stepped keeps its read transaction open, so a write after it would
// commit only at that later reset, whose error nobody reads (and would run
// on an old snapshot: SQLITE_BUSY_SNAPSHOT if another process wrote since).
result<bool> exists(sqlite3_stmt* s, std::initializer_list<std::string_view> params) {
    bind_all(s, params);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // result<bool> cannot tell an error_code from a bool by conversion.
    return result<bool>(boost::system::in_place_error, db_error(rc));
}

// The first column of every row.
result<std::vector<std::string>> texts(sqlite3_stmt* s, std::initializer_list<std::string_view> params) {
    bind_all(s, params);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(column_text(s, 0));
    if (rc != SQLITE_DONE) return db_error(rc);
    return out;
}

result<int> read_version(sqlite3* db) {
    sqlite3_stmt* raw = nullptr;
    if (int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr); rc != SQLITE_OK) return db_error(rc);
    statement s(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return db_error(sqlite3_extended_errcode(db));
    return sqlite3_column_int(raw, 0);
}

// Runs the missing migrations in one write transaction. The version is read
// again inside it: another process may have migrated since open() looked.
std::error_code migrate(sqlite3* db) {
    auto exec = [db](const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); };
    if (exec("BEGIN IMMEDIATE") != SQLITE_OK) return db_error(sqlite3_extended_errcode(db));
    auto rollback = [&](std::error_code ec) {
        exec("ROLLBACK");
        return ec;
    };
    auto version = read_version(db);
    if (!version) return rollback(version.error());
    if (*version > schema_version) return rollback(make_error_code(errc::unsupported));
    for (int v = *version; v < schema_version; ++v)
        if (exec(migrations[v]) != SQLITE_OK) return rollback(db_error(sqlite3_extended_errcode(db)));
    if (exec("PRAGMA user_version = " + std::to_string(schema_version)) != SQLITE_OK || exec("COMMIT") != SQLITE_OK)
        return rollback(db_error(sqlite3_extended_errcode(db)));
    return {};
}

}  // namespace

// SQLite's own wait when another process holds a lock (a write from the CLI).
constexpr int busy_wait_ms = 5000;

struct userdb::impl {
    std::unique_ptr<sqlite3, db_closer> db;
    std::mutex mu;  // one statement sequence at a time on the one connection
    // Declared after db: finalized before the connection closes.
    detail::statement_cache statements{nullptr};
    // has_legacy_users' last answer, valid while PRAGMA data_version still
    // reads `version`: no other connection has committed since. Writes
    // through this connection (which data_version does not count) clear it
    // in run().
    struct cached_flag {
        bool valid = false;
        sqlite3_int64 version = 0;
        bool value = false;
    };
    cached_flag legacy, quotas;  // has_legacy_users, has_quota_users

    // The cached statement for sql; needs mu held while it is in use.
    result<detail::statement_use> prepare(std::string_view sql) { return statements.get(sql); }
    static void bind(sqlite3_stmt* s, int i, std::string_view v) { bind_text(s, i, v); }
    // Runs a statement that returns no rows; returns the rows changed.
    result<int> run(sqlite3_stmt* s) {
        legacy.valid = quotas.valid = false;
        int rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) return db_error(rc);
        return sqlite3_changes(db.get());
    }

    // The rest need mu held.
    result<bool> has_legacy_users() {
        return flag(legacy, "SELECT 1 FROM users WHERE legacy_secret IS NOT NULL LIMIT 1");
    }
    result<bool> has_quota_users() {
        return flag(quotas, "SELECT 1 FROM users WHERE quota_bytes IS NOT NULL OR quota_messages IS NOT NULL LIMIT 1");
    }
    result<bool> flag(cached_flag& cache, std::string_view query);
    result<std::vector<resolution>> resolve(const std::vector<std::string>& canonical);

    // f() with mu held and without SQLite's busy wait, for a caller that
    // must not block: nullopt when mu is taken or f fails (the caller asks
    // again the ordinary way, which waits and reports the real error).
    template <class F>
    auto without_waiting(F f) -> std::optional<typename std::invoke_result_t<F&>::value_type> {
        std::unique_lock lock(mu, std::try_to_lock);
        if (!lock) return std::nullopt;
        sqlite3_busy_timeout(db.get(), 0);
        auto r = f();
        sqlite3_busy_timeout(db.get(), busy_wait_ms);
        if (!r) return std::nullopt;
        return std::move(*r);
    }
};

userdb::userdb(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
userdb::~userdb() = default;

result<std::unique_ptr<userdb>> userdb::open(const std::filesystem::path& file) {
    {
        // Created 0600 before SQLite sees it (its -wal and -shm files copy
        // these permissions): the file holds password hashes.
        unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) return std::error_code(errno, std::generic_category());
        ::fchmod(fd.get(), 0600);  // best effort for a file made by hand
    }
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    auto p = std::make_unique<impl>();
    p->db.reset(raw);
    p->statements = detail::statement_cache(raw);
    if (rc != SQLITE_OK) return db_error(rc);
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_wait_ms);
    // WAL lets the CLI add users while the server reads; FULL makes each
    // commit durable; foreign keys keep users tied to existing domains.
    const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
    if (sqlite3_exec(raw, setup, nullptr, nullptr, nullptr) != SQLITE_OK)
        return db_error(sqlite3_extended_errcode(raw));
    auto version = read_version(raw);
    if (!version) return version.error();
    if (*version > schema_version) return make_error_code(errc::unsupported);  // from a newer mailroom
    if (*version < schema_version)
        if (auto ec = migrate(raw)) return ec;
    return std::unique_ptr<userdb>(new userdb(std::move(p)));
}

std::error_code userdb::add_domain(std::string_view domain) {
    auto d = canonical_domain(domain);
    if (!d) return d.error();
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("INSERT INTO domains(name) VALUES (?1)");
    if (!s) return s.error();
    impl::bind(s->get(), 1, *d);
    auto r = impl_->run(s->get());
    return r ? std::error_code{} : r.error();
}

std::error_code userdb::remove_domain(std::string_view domain) {
    auto d = canonical_domain(domain);
    if (!d) return d.error();
    std::lock_guard lock(impl_->mu);
    // Users keep mail and aliases route it: both must go first.
    auto count = impl_->prepare(
        "SELECT 1 FROM users WHERE domain = ?1 UNION ALL SELECT 1 FROM aliases WHERE domain = ?1 LIMIT 1");
    if (!count) return count.error();
    // exists() resets the query before the DELETE: see there.
    auto used = exists(count->get(), {*d});
    if (!used) return used.error();
    if (*used) return make_error_code(errc::in_use);
    auto s = impl_->prepare("DELETE FROM domains WHERE name = ?1");
    if (!s) return s.error();
    impl::bind(s->get(), 1, *d);
    auto r = impl_->run(s->get());
    // The foreign keys refuse it if another process added a user meanwhile.
    if (!r && r.error() == errc::invalid_argument) return make_error_code(errc::in_use);
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::not_found) : std::error_code{};
}

result<std::vector<std::string>> userdb::domains() {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("SELECT name FROM domains ORDER BY name");
    if (!s) return s.error();
    return texts(s->get(), {});
}

result<bool> userdb::has_domain(std::string_view domain) {
    auto d = canonical_domain(domain);
    if (!d) return false;
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("SELECT 1 FROM domains WHERE name = ?1");
    if (!s) return result<bool>(boost::system::in_place_error, s.error());
    return exists(s->get(), {*d});
}

std::error_code userdb::add_user(const user_record& u) {
    auto address = canonical_address(u.address);
    if (!address) return address.error();
    const auto domain = address->substr(address->find('@') + 1);
    std::lock_guard lock(impl_->mu);
    auto known = impl_->prepare("SELECT 1 FROM domains WHERE name = ?1");
    if (!known) return known.error();
    // exists() resets the query before the INSERT: see there.
    auto local = exists(known->get(), {domain});
    if (!local) return local.error();
    if (!*local) return make_error_code(errc::invalid_argument);  // not a local domain
    // (Should another process remove the domain now, the foreign key makes
    // the insert fail with invalid_argument all the same.)
    auto s = impl_->prepare(
        "INSERT INTO users(address, domain, password_hash, scram_sha1_iter, scram_sha1_salt, scram_sha1_stored, "
        "scram_sha1_server, scram_sha256_iter, scram_sha256_salt, scram_sha256_stored, scram_sha256_server, "
        "legacy_secret, created, quota_bytes, quota_messages) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!s) return s.error();
    auto* st = s->get();
    impl::bind(st, 1, *address);
    impl::bind(st, 2, domain);
    bind_credentials(st, 3, u.cred);  // ?3 .. ?12
    sqlite3_bind_int64(st, 13, static_cast<sqlite3_int64>(std::time(nullptr)));
    bind_quota(st, 14, u.quota);
    auto r = impl_->run(st);
    return r ? std::error_code{} : r.error();
}

std::error_code userdb::update_credentials(const user_record& u) {
    auto address = canonical_address(u.address);
    if (!address) return address.error();
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare(
        "UPDATE users SET password_hash = ?2, scram_sha1_iter = ?3, scram_sha1_salt = ?4, scram_sha1_stored = ?5, "
        "scram_sha1_server = ?6, scram_sha256_iter = ?7, scram_sha256_salt = ?8, scram_sha256_stored = ?9, "
        "scram_sha256_server = ?10, legacy_secret = ?11 WHERE address = ?1");
    if (!s) return s.error();
    auto* st = s->get();
    impl::bind(st, 1, *address);
    bind_credentials(st, 2, u.cred);  // ?2 .. ?11
    auto r = impl_->run(st);
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::not_found) : std::error_code{};
}

std::error_code userdb::set_quota(std::string_view address, std::optional<quota_limits> quota) {
    auto a = canonical_address(address);
    if (!a) return make_error_code(errc::not_found);
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("UPDATE users SET quota_bytes = ?2, quota_messages = ?3 WHERE address = ?1");
    if (!s) return s.error();
    auto* st = s->get();
    impl::bind(st, 1, *a);
    bind_quota(st, 2, quota);
    auto r = impl_->run(st);
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::not_found) : std::error_code{};
}

std::error_code userdb::remove_user(std::string_view address) {
    auto a = canonical_address(address);
    if (!a) return make_error_code(errc::not_found);
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("DELETE FROM users WHERE address = ?1");
    if (!s) return s.error();
    impl::bind(s->get(), 1, *a);
    auto r = impl_->run(s->get());
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::not_found) : std::error_code{};
}

result<user_record> userdb::find_user(std::string_view address) {
    auto a = canonical_address(address);
    if (!a) return make_error_code(errc::not_found);
    std::lock_guard lock(impl_->mu);
    static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE address = ?1";
    auto s = impl_->prepare(sql);
    if (!s) return s.error();
    auto* st = s->get();
    impl::bind(st, 1, *a);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return make_error_code(errc::not_found);
    if (rc != SQLITE_ROW) return db_error(rc);
    user_record u;
    u.address = column_text(st, 0);
    u.cred.password_hash = column_text(st, 1);
    u.cred.scram_sha1 = {static_cast<unsigned>(sqlite3_column_int64(st, 2)), column_text(st, 3), column_text(st, 4),
                         column_text(st, 5)};
    u.cred.scram_sha256 = {static_cast<unsigned>(sqlite3_column_int64(st, 6)), column_text(st, 7), column_text(st, 8),
                           column_text(st, 9)};
    if (sqlite3_column_type(st, 10) != SQLITE_NULL) u.cred.legacy_secret = secret(column_text(st, 10));
    if (sqlite3_column_type(st, 11) != SQLITE_NULL || sqlite3_column_type(st, 12) != SQLITE_NULL)
        u.quota = quota_limits{static_cast<std::uint64_t>(std::max<sqlite3_int64>(0, sqlite3_column_int64(st, 11))),
                               static_cast<std::uint64_t>(std::max<sqlite3_int64>(0, sqlite3_column_int64(st, 12)))};
    return u;
}

result<std::vector<std::string>> userdb::users(std::optional<std::string_view> domain) {
    std::optional<std::string> d;
    if (domain) {
        auto cd = canonical_domain(*domain);
        if (!cd) return cd.error();
        d = std::move(*cd);
    }
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare(d ? "SELECT address FROM users WHERE domain = ?1 ORDER BY address"
                              : "SELECT address FROM users ORDER BY domain, address");
    if (!s) return s.error();
    if (d) return texts(s->get(), {*d});
    return texts(s->get(), {});
}

result<bool> userdb::has_legacy_users() {
    std::lock_guard lock(impl_->mu);
    return impl_->has_legacy_users();
}

std::optional<bool> userdb::has_legacy_users_now() {
    return impl_->without_waiting([this] { return impl_->has_legacy_users(); });
}

result<bool> userdb::has_quota_users() {
    std::lock_guard lock(impl_->mu);
    return impl_->has_quota_users();
}

std::optional<bool> userdb::has_quota_users_now() {
    return impl_->without_waiting([this] { return impl_->has_quota_users(); });
}

// Asked on every connection (legacy secrets) or recipient (quotas), and
// without an index a scan of every user: answered again only when another
// connection has committed since.
result<bool> userdb::impl::flag(cached_flag& cache, std::string_view query) {
    // Read before the scan: a commit in between makes the next call look again.
    auto v = prepare("PRAGMA data_version");
    if (!v) return result<bool>(boost::system::in_place_error, v.error());
    if (int rc = sqlite3_step(v->get()); rc != SQLITE_ROW)
        return result<bool>(boost::system::in_place_error, db_error(rc));
    const sqlite3_int64 version = sqlite3_column_int64(v->get(), 0);
    sqlite3_reset(v->get());
    if (cache.valid && cache.version == version) return cache.value;
    auto s = prepare(query);
    if (!s) return result<bool>(boost::system::in_place_error, s.error());
    auto found = exists(s->get(), {});
    if (!found) return found;
    cache = {true, version, *found};
    return found;
}

// ---- aliases (rules in aliases.cpp, contract in storage/directory.hpp)

std::error_code userdb::add_alias(std::string_view source, std::string_view target) {
    auto src = canonical_alias_source(source);
    if (!src) return src.error();
    auto dst = canonical_address(target);
    if (!dst) return dst.error();
    std::lock_guard lock(impl_->mu);
    // Inserts nothing unless the source's domain is local.
    auto s = impl_->prepare(
        "INSERT INTO aliases(source, target, domain) SELECT ?1, ?2, name FROM domains WHERE name = ?3");
    if (!s) return s.error();
    bind_all(s->get(), {*src, *dst, std::string_view(*src).substr(src->find('@') + 1)});
    auto r = impl_->run(s->get());
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::invalid_argument) : std::error_code{};
}

std::error_code userdb::remove_alias(std::string_view source, std::optional<std::string_view> target) {
    auto src = canonical_alias_source(source);
    if (!src) return src.error();
    std::optional<std::string> dst;
    if (target) {
        auto t = canonical_address(*target);
        if (!t) return t.error();
        dst = std::move(*t);
    }
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare(dst ? "DELETE FROM aliases WHERE source = ?1 AND target = ?2"
                                : "DELETE FROM aliases WHERE source = ?1");
    if (!s) return s.error();
    if (dst) bind_all(s->get(), {*src, *dst});
    else bind_all(s->get(), {*src});
    auto r = impl_->run(s->get());
    if (!r) return r.error();
    return *r == 0 ? make_error_code(errc::not_found) : std::error_code{};
}

result<std::vector<alias_entry>> userdb::aliases(std::optional<std::string_view> domain) {
    std::optional<std::string> d;
    if (domain) {
        auto cd = canonical_domain(*domain);
        if (!cd) return cd.error();
        d = std::move(*cd);
    }
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare(d ? "SELECT source, target FROM aliases WHERE domain = ?1 ORDER BY source, target"
                              : "SELECT source, target FROM aliases ORDER BY domain, source, target");
    if (!s) return s.error();
    auto* st = s->get();
    if (d) bind_all(st, {*d});
    std::vector<alias_entry> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        auto source = column_text(st, 0);
        if (out.empty() || out.back().source != source) out.push_back({std::move(source), {}});
        out.back().targets.push_back(column_text(st, 1));
    }
    if (rc != SQLITE_DONE) return db_error(rc);
    return out;
}

namespace {

// The alias rules' questions, answered by three cached statements inside
// the caller's read transaction.
struct sql_alias_directory final : detail::alias_directory {
    detail::statement_use domain, user, targets;
    sql_alias_directory(detail::statement_use d, detail::statement_use u, detail::statement_use t)
        : domain(std::move(d)), user(std::move(u)), targets(std::move(t)) {}
    result<bool> is_local_domain(std::string_view d) override { return exists(domain.get(), {d}); }
    result<bool> is_user(std::string_view a) override { return exists(user.get(), {a}); }
    result<std::vector<std::string>> alias_targets(std::string_view source) override {
        return texts(targets.get(), {source});
    }
};

}  // namespace

result<resolution> userdb::resolve(std::string_view address) {
    auto all = resolve_all({std::string(address)});
    if (!all) return all.error();
    return std::move(all->front());
}

std::optional<resolution> userdb::resolve_now(std::string_view address) {
    auto a = canonical_address(address);
    if (!a) return std::nullopt;
    auto r = impl_->without_waiting([&] { return impl_->resolve({*a}); });
    if (!r) return std::nullopt;
    return std::move(r->front());
}

result<std::vector<resolution>> userdb::resolve_all(const std::vector<std::string>& addresses) {
    std::vector<std::string> canonical;
    canonical.reserve(addresses.size());
    for (const auto& address : addresses) {
        auto a = canonical_address(address);
        if (!a) return a.error();
        canonical.push_back(std::move(*a));
    }
    std::lock_guard lock(impl_->mu);
    return impl_->resolve(canonical);
}

result<std::vector<resolution>> userdb::impl::resolve(const std::vector<std::string>& canonical) {
    auto* conn = db.get();
    // One snapshot (WAL readers never block): the expansion sees one state
    // of the tables even while the CLI changes them. BEGIN and COMMIT are
    // cached statements too (sqlite3_exec would parse them every time).
    {
        auto begin = prepare("BEGIN");
        if (!begin) return begin.error();
        if (int rc = sqlite3_step(begin->get()); rc != SQLITE_DONE) return db_error(rc);
    }
    auto r = [&]() -> result<std::vector<resolution>> {
        auto d = prepare("SELECT 1 FROM domains WHERE name = ?1");
        if (!d) return d.error();
        auto u = prepare("SELECT 1 FROM users WHERE address = ?1");
        if (!u) return u.error();
        auto t = prepare("SELECT target FROM aliases WHERE source = ?1 ORDER BY target");
        if (!t) return t.error();
        sql_alias_directory dir(std::move(*d), std::move(*u), std::move(*t));
        std::vector<resolution> out;
        out.reserve(canonical.size());
        for (const auto& a : canonical) {
            auto one = detail::expand_aliases(a, dir);
            if (!one) return one.error();
            out.push_back(std::move(*one));
        }
        return out;
    }();  // the statements are reset before the transaction ends
    // Read only: nothing to lose, but the connection must leave the transaction.
    auto commit = prepare("COMMIT");
    if (!commit || sqlite3_step(commit->get()) != SQLITE_DONE)
        sqlite3_exec(conn, "ROLLBACK", nullptr, nullptr, nullptr);
    return r;
}

result<bool> userdb::owns_address(std::string_view user, std::string_view address) {
    auto u = canonical_address(user);
    auto a = canonical_address(address);
    if (!u || !a) return false;
    if (*u == *a) return true;
    std::lock_guard lock(impl_->mu);
    auto s = impl_->prepare("SELECT 1 FROM aliases WHERE source = ?1 AND target = ?2");
    if (!s) return result<bool>(boost::system::in_place_error, s.error());
    return exists(s->get(), {*a, *u});
}

}  // namespace mailroom::storage
