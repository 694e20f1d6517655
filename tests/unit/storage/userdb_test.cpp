#include "storage/sqlite/userdb.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <thread>

#include "common/errors.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::storage {
namespace {

user_record sample(const std::string& address, bool legacy) {
    user_record u;
    u.address = address;
    u.cred.password_hash = "$y$j9T$salt$hash";
    u.cred.scram_sha1 = {4096, "c2FsdDE=", "aa", "bb"};
    u.cred.scram_sha256 = {4096, "c2FsdDI=", "cc", "dd"};
    if (legacy) u.cred.legacy_secret = secret(std::string_view("tanstaaf"));
    return u;
}

TEST(storage_canonical_address, ValidAndInvalid) {
    EXPECT_EQ(canonical_address("A@Example.TEST").value(), "a@example.test");
    EXPECT_EQ(canonical_address("first.last+tag@sub.example-1.test").value(), "first.last+tag@sub.example-1.test");
    EXPECT_EQ(canonical_address("x@localhost").value(), "x@localhost");
    for (const char* bad :
         {"", "nobody", "@example.test", "a@", "a@@example.test", "a@b@example.test", "../x@example.test",
          "a/b@example.test", "a@b/c", "a@example..test", ".a@example.test", "a.@example.test", "a..b@example.test",
          "a b@example.test", "a@-x.test", "a@x-.test", "a@example.test.", "a\\b@example.test", "a@exa_mple.test"})
        EXPECT_FALSE(canonical_address(bad)) << bad;
    EXPECT_FALSE(canonical_address(std::string(65, 'a') + "@example.test"));
    EXPECT_FALSE(canonical_address(std::string("a\0b@example.test", 16)));
    EXPECT_FALSE(canonical_address("a@" + std::string(64, 'x') + ".test"));
}

TEST(storage_userdb, DomainsAndUsers) {
    test::temp_dir tmp;
    auto db = userdb::open(tmp.path() / "mailroom.db").value();
    EXPECT_FALSE(db->add_domain("Example.TEST"));
    EXPECT_EQ(db->add_domain("example.test"), errc::already_exists);
    EXPECT_EQ(db->add_domain("bad domain"), errc::invalid_argument);
    EXPECT_TRUE(db->has_domain("EXAMPLE.test").value());
    EXPECT_FALSE(db->has_domain("other.test").value());

    EXPECT_EQ(db->add_user(sample("x@other.test", false)), errc::invalid_argument);  // unknown domain
    EXPECT_FALSE(db->add_user(sample("Alice@example.test", false)));
    EXPECT_EQ(db->add_user(sample("alice@EXAMPLE.test", false)), errc::already_exists);
    EXPECT_FALSE(db->add_user(sample("bob@example.test", true)));

    auto alice = db->find_user("ALICE@example.test").value();
    EXPECT_EQ(alice.address, "alice@example.test");
    EXPECT_EQ(alice.cred.password_hash, "$y$j9T$salt$hash");
    EXPECT_EQ(alice.cred.scram_sha256.salt_b64, "c2FsdDI=");
    EXPECT_EQ(alice.cred.scram_sha1.iterations, 4096u);
    EXPECT_FALSE(alice.cred.legacy_secret);
    EXPECT_EQ(db->find_user("bob@example.test").value().cred.legacy_secret->reveal(), "tanstaaf");
    EXPECT_EQ(db->find_user("carol@example.test").error(), errc::not_found);
    EXPECT_EQ(db->find_user("../etc@example.test").error(), errc::not_found);

    EXPECT_EQ(db->users().value(), (std::vector<std::string>{"alice@example.test", "bob@example.test"}));
    EXPECT_EQ(db->remove_domain("example.test"), errc::in_use);

    auto updated = sample("bob@example.test", false);
    updated.cred.password_hash = "$y$new";
    EXPECT_FALSE(db->update_credentials(updated));
    EXPECT_EQ(db->find_user("bob@example.test").value().cred.password_hash, "$y$new");
    EXPECT_FALSE(db->find_user("bob@example.test").value().cred.legacy_secret);
    EXPECT_EQ(db->update_credentials(sample("carol@example.test", false)), errc::not_found);

    EXPECT_FALSE(db->remove_user("alice@example.test"));
    EXPECT_EQ(db->remove_user("alice@example.test"), errc::not_found);
    EXPECT_FALSE(db->remove_user("bob@example.test"));
    EXPECT_FALSE(db->remove_domain("example.test"));
    EXPECT_EQ(db->remove_domain("example.test"), errc::not_found);
}

TEST(storage_userdb, PersistsAcrossReopen) {
    test::temp_dir tmp;
    {
        auto db = userdb::open(tmp.path() / "u.db").value();
        ASSERT_FALSE(db->add_domain("example.test"));
        ASSERT_FALSE(db->add_user(sample("alice@example.test", true)));
    }
    auto db = userdb::open(tmp.path() / "u.db").value();
    EXPECT_EQ(db->domains().value(), std::vector<std::string>{"example.test"});
    EXPECT_EQ(db->users("example.test").value(), std::vector<std::string>{"alice@example.test"});
    EXPECT_TRUE(db->find_user("alice@example.test").value().cred.legacy_secret);
}

TEST(storage_canonical_domain, ValidAndInvalid) {
    EXPECT_EQ(canonical_domain("Example.TEST").value(), "example.test");
    EXPECT_EQ(canonical_domain("xn--bcher-kva.example").value(), "xn--bcher-kva.example");
    EXPECT_EQ(canonical_domain("a1.b-2.c").value(), "a1.b-2.c");
    EXPECT_EQ(canonical_domain(std::string(63, 'x') + ".test").value(), std::string(63, 'x') + ".test");
    std::string long_ok = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                          std::string(61, 'd');  // 253 octets
    EXPECT_TRUE(canonical_domain(long_ok));
    EXPECT_FALSE(canonical_domain(long_ok + "d"));
    for (const char* bad : {"", ".", "example.test.", ".example.test", "exa mple.test", "a..b", "-a.test", "a-.test",
                            "a/b", "..", "a\\b", "ex@mple.test", "exämple.test"})
        EXPECT_FALSE(canonical_domain(bad)) << bad;
}

TEST(storage_userdb, UsersByDomainAndLegacySecretUpdate) {
    test::temp_dir tmp;
    auto db = userdb::open(tmp.path() / "mailroom.db").value();
    ASSERT_FALSE(db->add_domain("b.test"));
    ASSERT_FALSE(db->add_domain("a.test"));
    EXPECT_EQ(db->domains().value(), (std::vector<std::string>{"a.test", "b.test"}));
    ASSERT_FALSE(db->add_user(sample("z@a.test", false)));
    ASSERT_FALSE(db->add_user(sample("y@b.test", false)));
    ASSERT_FALSE(db->add_user(sample("x@b.test", false)));
    EXPECT_EQ(db->users("B.test").value(), (std::vector<std::string>{"x@b.test", "y@b.test"}));
    EXPECT_EQ(db->users().value(), (std::vector<std::string>{"z@a.test", "x@b.test", "y@b.test"}));
    EXPECT_TRUE(db->users("nothing.test").value().empty());
    EXPECT_EQ(db->users("bad domain").error(), errc::invalid_argument);
    EXPECT_EQ(db->add_user(sample("bad address", false)), errc::invalid_argument);
    EXPECT_EQ(db->remove_domain("c.test"), errc::not_found);
    EXPECT_FALSE(db->has_domain("not a domain").value());

    EXPECT_FALSE(db->update_credentials(sample("X@B.TEST", true)));  // opt into the legacy secret
    EXPECT_EQ(db->find_user("x@b.test").value().cred.legacy_secret->reveal(), "tanstaaf");
    EXPECT_FALSE(db->find_user("y@b.test").value().cred.legacy_secret);
}

TEST(storage_userdb, FileIsPrivateAndSchemaVersioned) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    { ASSERT_TRUE(userdb::open(file)); }
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(s, 0), 3);  // 2: aliases (#3), 3: quotas (#12)
    sqlite3_finalize(s);
    ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
    sqlite3_finalize(s);
    // A database from a newer mailroom is not touched.
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 4", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto newer = userdb::open(file);
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error(), errc::unsupported);
}

TEST(storage_userdb, QuotasKeptPerUserAndDefaultByNull) {
    test::temp_dir tmp;
    auto db = userdb::open(tmp.path() / "mailroom.db").value();
    ASSERT_FALSE(db->add_domain("example.test"));
    auto a = sample("a@example.test", false);
    a.quota = quota_limits{1 << 20, 0};
    ASSERT_FALSE(db->add_user(a));
    ASSERT_FALSE(db->add_user(sample("b@example.test", false)));
    EXPECT_EQ(db->find_user("a@example.test")->quota, (quota_limits{1 << 20, 0}));
    EXPECT_FALSE(db->find_user("b@example.test")->quota);
    EXPECT_TRUE(db->has_quota_users().value());
    EXPECT_EQ(db->has_quota_users_now(), std::optional<bool>(true));

    ASSERT_FALSE(db->set_quota("A@Example.TEST", std::nullopt));
    EXPECT_FALSE(db->find_user("a@example.test")->quota);
    EXPECT_FALSE(db->has_quota_users().value());  // the cached answer follows the write
    ASSERT_FALSE(db->set_quota("b@example.test", quota_limits{0, 100}));
    EXPECT_EQ(db->find_user("b@example.test")->quota, (quota_limits{0, 100}));
    EXPECT_TRUE(db->has_quota_users().value());
    EXPECT_EQ(db->set_quota("nobody@example.test", quota_limits{}), errc::not_found);
    // Changing the password keeps the quota.
    ASSERT_FALSE(db->update_credentials(sample("b@example.test", true)));
    EXPECT_EQ(db->find_user("b@example.test")->quota, (quota_limits{0, 100}));
}

TEST(storage_userdb, MigratesAVersion2Database) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    {
        // The schema as release 2 made it, with a user.
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
        const char* v2 = R"sql(
CREATE TABLE domains (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE users (address TEXT PRIMARY KEY, domain TEXT NOT NULL REFERENCES domains(name),
    password_hash TEXT NOT NULL, scram_sha1_iter INTEGER NOT NULL, scram_sha1_salt TEXT NOT NULL,
    scram_sha1_stored TEXT NOT NULL, scram_sha1_server TEXT NOT NULL, scram_sha256_iter INTEGER NOT NULL,
    scram_sha256_salt TEXT NOT NULL, scram_sha256_stored TEXT NOT NULL, scram_sha256_server TEXT NOT NULL,
    legacy_secret TEXT, created INTEGER NOT NULL);
CREATE TABLE aliases (source TEXT NOT NULL, target TEXT NOT NULL, domain TEXT NOT NULL REFERENCES domains(name),
    PRIMARY KEY (source, target)) WITHOUT ROWID;
INSERT INTO domains VALUES ('example.test');
INSERT INTO users VALUES ('old@example.test', 'example.test', 'h', 1, 's', 'a', 'b', 1, 's', 'c', 'd', NULL, 0);
PRAGMA user_version = 2;
)sql";
        ASSERT_EQ(sqlite3_exec(raw, v2, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    auto db = userdb::open(file);
    ASSERT_TRUE(db) << db.error().message();
    auto old = (*db)->find_user("old@example.test");
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->quota);
    ASSERT_FALSE((*db)->set_quota("old@example.test", quota_limits{5000, 7}));
    EXPECT_EQ((*db)->find_user("old@example.test")->quota, (quota_limits{5000, 7}));
}

TEST(storage_userdb, GarbageFileIsAnError) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    std::string junk(8192, 'j');
    FILE* f = std::fopen(file.c_str(), "wb");
    ASSERT_TRUE(f);
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
    auto db = userdb::open(file);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), errc::corrupt_data);
}

TEST(storage_userdb, ConcurrentWritersAndReaders) {
    test::temp_dir tmp;
    auto db = userdb::open(tmp.path() / "mailroom.db").value();
    ASSERT_FALSE(db->add_domain("example.test"));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const auto a = "u" + std::to_string(t) + "-" + std::to_string(i) + "@example.test";
                EXPECT_FALSE(db->add_user(sample(a, i % 2 == 0)));
                EXPECT_EQ(db->find_user(a).value().address, a);
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(db->users().value().size(), 40u);
}

// Statements are prepared once and reused: each use must see what other
// connections (the CLI, another process) committed since the last one.
TEST(storage_userdb, CachedStatementsSeeChangesFromOtherConnections) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    auto server = userdb::open(file).value();
    auto cli = userdb::open(file).value();
    for (int round = 0; round < 2; ++round) {
        EXPECT_FALSE(server->has_domain("example.test").value());
        EXPECT_EQ(server->find_user("alice@example.test").error(), errc::not_found);
        EXPECT_FALSE(server->resolve("alice@example.test").value().local_domain);
        EXPECT_FALSE(server->has_legacy_users().value());

        ASSERT_FALSE(cli->add_domain("example.test"));
        ASSERT_FALSE(cli->add_user(sample("alice@example.test", true)));
        EXPECT_TRUE(server->has_domain("example.test").value());
        EXPECT_EQ(server->find_user("alice@example.test").value().address, "alice@example.test");
        EXPECT_EQ(server->resolve("alice@example.test").value().local_mailboxes,
                  std::vector<std::string>{"alice@example.test"});
        EXPECT_TRUE(server->has_legacy_users().value());

        ASSERT_FALSE(cli->remove_user("alice@example.test"));
        ASSERT_FALSE(cli->remove_domain("example.test"));
    }
}

// A cached statement left stepped would hold a read transaction: an old
// snapshot for its connection, and a WAL that no checkpoint can empty.
TEST(storage_userdb, NoReadTransactionStaysOpenBetweenCalls) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    auto db = userdb::open(file).value();
    ASSERT_FALSE(db->add_domain("example.test"));
    ASSERT_FALSE(db->add_user(sample("alice@example.test", false)));
    // Every kind of read, each stopping on a row where it can.
    EXPECT_TRUE(db->has_domain("example.test").value());
    EXPECT_TRUE(db->find_user("alice@example.test"));
    EXPECT_EQ(db->users().value().size(), 1u);
    EXPECT_EQ(db->domains().value().size(), 1u);
    EXPECT_FALSE(db->has_legacy_users().value());
    EXPECT_TRUE(db->resolve("alice@example.test"));
    EXPECT_TRUE(db->aliases().value().empty());
    EXPECT_TRUE(db->owns_address("alice@example.test", "alice@example.test").value());

    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    // (A first read makes this connection see that the database is in WAL mode.)
    ASSERT_EQ(sqlite3_exec(raw, "SELECT count(*) FROM domains", nullptr, nullptr, nullptr), SQLITE_OK);
    int wal_frames = -1, checkpointed = -1;
    // TRUNCATE waits for no reader (no busy handler here): SQLITE_BUSY if
    // any connection still reads from the WAL.
    EXPECT_EQ(sqlite3_wal_checkpoint_v2(raw, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &wal_frames, &checkpointed),
              SQLITE_OK);
    EXPECT_EQ(wal_frames, 0);
    sqlite3_close(raw);
    EXPECT_TRUE(db->has_domain("example.test").value());  // and it still works afterwards
}

// The non-blocking forms answer like the ordinary ones, also while another
// process holds the write lock (WAL: readers do not wait for writers).
TEST(storage_userdb, NowFormsAnswerAtOnceWhileAWriterWorks) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    auto db = userdb::open(file).value();
    ASSERT_FALSE(db->add_domain("example.test"));
    ASSERT_FALSE(db->add_user(sample("alice@example.test", false)));
    EXPECT_EQ(db->has_legacy_users_now(), std::optional<bool>(false));
    auto alice = db->resolve_now("Alice@example.test");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->local_mailboxes, std::vector<std::string>{"alice@example.test"});
    EXPECT_TRUE(alice->local_domain);
    EXPECT_TRUE(db->resolve_now("nobody@example.test").value().unknown);
    EXPECT_FALSE(db->resolve_now("not an address"));  // errors are left to resolve()

    // Another process holds the write lock (as `mailroom user add` does
    // while it commits): readers in WAL mode still answer at once.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE; INSERT INTO domains(name) VALUES ('new.test')", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(db->resolve_now("alice@example.test"));
    EXPECT_FALSE(db->resolve_now("x@new.test").value().local_domain);  // not committed yet
    EXPECT_TRUE(db->has_legacy_users_now());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
    ASSERT_EQ(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_TRUE(db->resolve_now("x@new.test").value().local_domain);
    sqlite3_close(raw);
    EXPECT_TRUE(db->has_domain("example.test").value());
}

// has_legacy_users remembers its answer, but never past a change: its own
// writes and other connections' commits both count.
TEST(storage_userdb, LegacyUsersAnswerFollowsChanges) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    auto server = userdb::open(file).value();
    auto cli = userdb::open(file).value();
    ASSERT_FALSE(server->add_domain("example.test"));
    EXPECT_FALSE(server->has_legacy_users().value());
    EXPECT_FALSE(server->has_legacy_users().value());  // remembered
    ASSERT_FALSE(cli->add_user(sample("bob@example.test", true)));
    EXPECT_TRUE(server->has_legacy_users().value());
    EXPECT_EQ(server->has_legacy_users_now(), std::optional<bool>(true));
    ASSERT_FALSE(server->update_credentials(sample("bob@example.test", false)));  // through itself
    EXPECT_FALSE(server->has_legacy_users().value());
    ASSERT_FALSE(cli->update_credentials(sample("bob@example.test", true)));
    EXPECT_EQ(server->has_legacy_users_now(), std::optional<bool>(true));
    ASSERT_FALSE(cli->remove_user("bob@example.test"));
    EXPECT_FALSE(server->has_legacy_users().value());
}

TEST(storage_userdb, UnopenableFileIsAnError) {
    test::temp_dir tmp;
    EXPECT_FALSE(userdb::open(tmp.path() / "missing-dir" / "u.db"));
}

}  // namespace
}  // namespace mailroom::storage
