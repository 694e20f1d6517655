#include "storage/sqlite/userdb.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::storage {
namespace {

using strings = std::vector<std::string>;

user_record sample(const std::string& address) {
    user_record u;
    u.address = address;
    u.cred.password_hash = "$y$j9T$salt$hash";
    u.cred.scram_sha1 = {4096, "c2FsdDE=", "aa", "bb"};
    u.cred.scram_sha256 = {4096, "c2FsdDI=", "cc", "dd"};
    return u;
}

// example.test and other.local are local; alice, bob, carol@example.test are users.
class storage_alias : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = userdb::open(tmp_.path() / "mailroom.db").value();
        ASSERT_FALSE(db_->add_domain("example.test"));
        ASSERT_FALSE(db_->add_domain("other.local"));
        for (const char* u : {"alice@example.test", "bob@example.test", "carol@example.test"})
            ASSERT_FALSE(db_->add_user(sample(u)));
    }
    void alias(const std::string& source, const strings& targets) {
        for (const auto& t : targets) ASSERT_FALSE(db_->add_alias(source, t)) << source << " -> " << t;
    }
    static std::string e(const std::string& local) { return local + "@example.test"; }

    test::temp_dir tmp_;
    std::unique_ptr<userdb> db_;
};

void expect_resolves(userdb& db, const std::string& address, const strings& local, const strings& remote) {
    auto r = db.resolve(address);
    ASSERT_TRUE(r) << address << ": " << r.error().message();
    EXPECT_EQ(r->local_mailboxes, local) << address;
    EXPECT_EQ(r->remote, remote) << address;
    EXPECT_EQ(r->unknown, local.empty() && remote.empty()) << address;
}

TEST_F(storage_alias, AddAndErrors) {
    EXPECT_FALSE(db_->add_alias("Info@Example.TEST", "Alice@example.test"));
    EXPECT_EQ(db_->add_alias("info@example.test", "ALICE@EXAMPLE.TEST"), errc::already_exists);
    EXPECT_FALSE(db_->add_alias("info@example.test", "friend@Remote.TEST"));       // remote target
    EXPECT_FALSE(db_->add_alias("info@example.test", "nobody-yet@example.test"));  // target need not exist
    EXPECT_FALSE(db_->add_alias("@Example.test", "carol@example.test"));           // catch-all
    EXPECT_EQ(db_->add_alias("@example.test", "carol@example.test"), errc::already_exists);
    EXPECT_FALSE(db_->add_alias("alice@example.test", "alice@example.test"));  // a user may be a source

    EXPECT_EQ(db_->add_alias("x@nowhere.test", "alice@example.test"), errc::invalid_argument);  // not local
    EXPECT_EQ(db_->add_alias("@nowhere.test", "alice@example.test"), errc::invalid_argument);
    for (const char* bad : {"", "@", "nobody", "a@", "a@@example.test", "@bad domain", "a b@example.test",
                            "../x@example.test", "@example.test@example.test"})
        EXPECT_EQ(db_->add_alias(bad, "alice@example.test"), errc::invalid_argument) << bad;
    for (const char* bad : {"", "@example.test", "nobody", "a@b@example.test", "a/b@example.test"})
        EXPECT_EQ(db_->add_alias("info@example.test", bad), errc::invalid_argument) << bad;

    auto all = db_->aliases().value();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].source, "@example.test");
    EXPECT_EQ(all[0].targets, strings{"carol@example.test"});
    EXPECT_EQ(all[1].source, "alice@example.test");
    EXPECT_EQ(all[2].source, "info@example.test");
    EXPECT_EQ(all[2].targets, (strings{"alice@example.test", "friend@remote.test", "nobody-yet@example.test"}));
}

TEST_F(storage_alias, ListByDomainAndRemove) {
    alias("b@other.local", {"x@remote.test"});
    alias("a@other.local", {"bob@example.test", "alice@example.test"});
    alias("info@example.test", {"alice@example.test"});

    auto other = db_->aliases("OTHER.local").value();
    ASSERT_EQ(other.size(), 2u);
    EXPECT_EQ(other[0].source, "a@other.local");
    EXPECT_EQ(other[0].targets, (strings{"alice@example.test", "bob@example.test"}));
    EXPECT_EQ(other[1].source, "b@other.local");
    auto everything = db_->aliases().value();
    ASSERT_EQ(everything.size(), 3u);
    EXPECT_EQ(everything[0].source, "info@example.test");  // by domain, then source
    EXPECT_TRUE(db_->aliases("nowhere.test").value().empty());
    EXPECT_EQ(db_->aliases("bad domain").error(), errc::invalid_argument);

    // A domain with aliases (and no users) is still in use.
    EXPECT_EQ(db_->remove_domain("other.local"), errc::in_use);

    EXPECT_FALSE(db_->remove_alias("A@Other.Local", "BOB@example.test"));
    EXPECT_EQ(db_->remove_alias("a@other.local", "bob@example.test"), errc::not_found);
    EXPECT_EQ(db_->aliases("other.local").value()[0].targets, strings{"alice@example.test"});
    EXPECT_FALSE(db_->remove_alias("b@other.local"));  // every target
    EXPECT_EQ(db_->remove_alias("b@other.local"), errc::not_found);
    EXPECT_EQ(db_->remove_alias("nobody@example.test"), errc::not_found);
    EXPECT_EQ(db_->remove_alias("@example.test"), errc::not_found);
    EXPECT_EQ(db_->remove_alias("bad address"), errc::invalid_argument);
    EXPECT_EQ(db_->remove_alias("a@other.local", "bad address"), errc::invalid_argument);
    EXPECT_FALSE(db_->remove_alias("a@other.local"));
    EXPECT_FALSE(db_->remove_domain("other.local"));
    EXPECT_EQ(db_->aliases().value().size(), 1u);
}

TEST_F(storage_alias, ResolveUsersAliasesAndRemote) {
    alias(e("team"), {e("bob"), e("alice")});
    alias(e("fwd"), {"x@remote.test"});
    alias(e("mixed"), {"y@remote.test", e("carol"), "x@remote.test"});
    expect_resolves(*db_, e("alice"), {e("alice")}, {});
    expect_resolves(*db_, "ALICE@Example.TEST", {e("alice")}, {});
    expect_resolves(*db_, "Team@EXAMPLE.test", {e("alice"), e("bob")}, {});
    expect_resolves(*db_, e("fwd"), {}, {"x@remote.test"});
    expect_resolves(*db_, e("mixed"), {e("carol")}, {"x@remote.test", "y@remote.test"});
    expect_resolves(*db_, "Someone@Remote.TEST", {}, {"someone@remote.test"});  // not ours: as it is
    expect_resolves(*db_, e("nobody"), {}, {});                                 // unknown
    expect_resolves(*db_, "alice@other.local", {}, {});
    EXPECT_EQ(db_->resolve("not an address").error(), errc::invalid_argument);
    EXPECT_EQ(db_->resolve("@example.test").error(), errc::invalid_argument);
}

TEST_F(storage_alias, ResolveTellsWhetherTheAddressIsInALocalDomain) {
    alias(e("fwd"), {"x@remote.test"});
    EXPECT_TRUE(db_->resolve(e("alice")).value().local_domain);
    EXPECT_TRUE(db_->resolve(e("fwd")).value().local_domain);     // local, though it leads elsewhere
    EXPECT_TRUE(db_->resolve(e("nobody")).value().local_domain);  // unknown, still ours
    EXPECT_TRUE(db_->resolve("x@other.local").value().local_domain);
    EXPECT_FALSE(db_->resolve("x@remote.test").value().local_domain);
}

TEST_F(storage_alias, ResolveAllAnswersEachAddressInOrder) {
    alias(e("team"), {e("bob"), e("alice")});
    alias(e("fwd"), {"x@remote.test"});
    const strings in{"Team@example.test", "someone@remote.test", e("nobody"), e("fwd"), e("carol")};
    auto all = db_->resolve_all(in);
    ASSERT_TRUE(all) << all.error().message();
    ASSERT_EQ(all->size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        auto one = db_->resolve(in[i]).value();
        EXPECT_EQ((*all)[i].local_mailboxes, one.local_mailboxes) << in[i];
        EXPECT_EQ((*all)[i].remote, one.remote) << in[i];
        EXPECT_EQ((*all)[i].unknown, one.unknown) << in[i];
        EXPECT_EQ((*all)[i].local_domain, one.local_domain) << in[i];
    }
    EXPECT_EQ((*all)[0].local_mailboxes, (strings{e("alice"), e("bob")}));
    EXPECT_EQ((*all)[1].remote, strings{"someone@remote.test"});
    EXPECT_TRUE((*all)[2].unknown);
    EXPECT_TRUE(db_->resolve_all({}).value().empty());
    // One malformed address fails the whole call.
    EXPECT_EQ(db_->resolve_all({e("alice"), "not an address"}).error(), errc::invalid_argument);
}

TEST_F(storage_alias, ResolveNestedBreadthFirstWithoutDuplicates) {
    alias(e("team"), {e("alice"), e("bob")});
    alias(e("all"), {e("team"), e("carol"), e("alice"), "x@remote.test"});
    alias(e("outer"), {e("all"), e("fwd")});
    alias(e("fwd"), {"x@remote.test"});
    // all: alice, carol, team, x@remote (depth 1, sorted); team: alice (seen), bob (2).
    expect_resolves(*db_, e("all"), {e("alice"), e("carol"), e("bob")}, {"x@remote.test"});
    expect_resolves(*db_, e("outer"), {e("alice"), e("carol"), e("bob")}, {"x@remote.test"});
    // A target that was a user and is gone leads nowhere; the rest still counts.
    ASSERT_FALSE(db_->remove_user(e("carol")));
    expect_resolves(*db_, e("all"), {e("alice"), e("bob")}, {"x@remote.test"});
}

TEST_F(storage_alias, AliasReplacesMailboxUnlessItListsItself) {
    alias(e("alice"), {e("bob")});
    expect_resolves(*db_, e("alice"), {e("bob")}, {});
    alias(e("alice"), {e("alice")});
    expect_resolves(*db_, e("alice"), {e("alice"), e("bob")}, {});
    // A self-reference without a user behind it delivers nothing.
    alias(e("ghost"), {e("ghost")});
    expect_resolves(*db_, e("ghost"), {}, {});
}

TEST_F(storage_alias, LoopsEndTheirBranchOnly) {
    alias(e("l1"), {e("l2")});
    alias(e("l2"), {e("l1"), e("bob")});
    expect_resolves(*db_, e("l1"), {e("bob")}, {});
    expect_resolves(*db_, e("l2"), {e("bob")}, {});
    alias(e("p1"), {e("p2")});
    alias(e("p2"), {e("p1")});
    expect_resolves(*db_, e("p1"), {}, {});  // a pure loop is unknown, not an error
    // A loop through a user: the alias on alice replaces her mailbox.
    alias(e("alice"), {e("round")});
    alias(e("round"), {e("alice")});
    expect_resolves(*db_, e("round"), {}, {});
}

TEST_F(storage_alias, DepthLimit) {
    // c1 -> c2 -> ... -> c10 -> alice: alice is reached through ten aliases.
    static_assert(max_alias_depth == 10);
    for (unsigned i = 1; i < max_alias_depth; ++i) alias(e("c" + std::to_string(i)), {e("c" + std::to_string(i + 1))});
    alias(e("c10"), {e("alice"), "far@remote.test"});
    expect_resolves(*db_, e("c1"), {e("alice")}, {"far@remote.test"});
    // One more in front: eleven aliases, the chain is cut (not an error).
    alias(e("c0"), {e("c1")});
    expect_resolves(*db_, e("c0"), {}, {});
    // A cut branch does not hide its siblings.
    alias(e("d"), {e("c0"), e("bob")});
    expect_resolves(*db_, e("d"), {e("bob")}, {});
}

TEST_F(storage_alias, CatchAllOnlyForUnknownLocalParts) {
    alias("@example.test", {e("carol")});
    alias(e("team"), {e("alice"), e("bob")});
    expect_resolves(*db_, e("alice"), {e("alice")}, {});           // a user wins
    expect_resolves(*db_, e("team"), {e("alice"), e("bob")}, {});  // an alias wins
    expect_resolves(*db_, "Whoever@Example.TEST", {e("carol")}, {});
    expect_resolves(*db_, "x@other.local", {}, {});  // other domain: no catch-all
    // Also behind an alias: team2's unknown target falls into the catch-all.
    alias(e("team2"), {e("nobody"), e("bob")});
    expect_resolves(*db_, e("team2"), {e("bob"), e("carol")}, {});
    // A catch-all to a remote address, and one naming an unknown address of
    // its own domain (which would fall into it again: it ends there).
    alias("@other.local", {"ghost@other.local", "all@remote.test"});
    expect_resolves(*db_, "x@other.local", {}, {"all@remote.test"});
    expect_resolves(*db_, "ghost@other.local", {}, {"all@remote.test"});
    ASSERT_FALSE(db_->remove_alias("@other.local", "all@remote.test"));
    expect_resolves(*db_, "x@other.local", {}, {});
}

TEST_F(storage_alias, OwnsAddress) {
    alias(e("info"), {e("alice"), e("bob")});
    alias(e("all"), {e("info")});
    alias("@example.test", {e("carol")});
    alias(e("fwd"), {"x@remote.test"});
    EXPECT_TRUE(db_->owns_address(e("alice"), "ALICE@example.TEST").value());
    EXPECT_TRUE(db_->owns_address("Alice@Example.test", "INFO@example.test").value());
    EXPECT_TRUE(db_->owns_address(e("bob"), e("info")).value());
    EXPECT_FALSE(db_->owns_address(e("carol"), e("info")).value());
    EXPECT_FALSE(db_->owns_address(e("alice"), e("all")).value());     // only direct targets
    EXPECT_FALSE(db_->owns_address(e("carol"), e("random")).value());  // never the catch-all
    EXPECT_FALSE(db_->owns_address(e("carol"), "@example.test").value());
    EXPECT_FALSE(db_->owns_address(e("alice"), "x@remote.test").value());
    EXPECT_TRUE(db_->owns_address("x@remote.test", e("fwd")).value());  // the pair is what counts
    EXPECT_FALSE(db_->owns_address(e("alice"), "not an address").value());
    EXPECT_FALSE(db_->owns_address("not an address", e("info")).value());
}

// The version-1 schema exactly as mailroom wrote it before aliases (#3).
constexpr const char* v1_schema = R"sql(
CREATE TABLE domains (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE users (
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
CREATE INDEX users_by_domain ON users(domain);
INSERT INTO domains VALUES ('example.test');
INSERT INTO users VALUES ('alice@example.test', 'example.test', '$y$old', 4096, 's1', 'k1', 'v1',
                          4096, 's2', 'k2', 'v2', NULL, 1700000000);
PRAGMA user_version = 1;
)sql";

int user_version(const std::filesystem::path& file) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    int v = -1;
    if (sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(raw);
    return v;
}

TEST(storage_alias_migration, FromVersion1) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
        char* err = nullptr;
        ASSERT_EQ(sqlite3_exec(raw, v1_schema, nullptr, nullptr, &err), SQLITE_OK) << err;
        sqlite3_close(raw);
    }
    ASSERT_EQ(user_version(file), 1);
    {
        auto db = userdb::open(file).value();
        EXPECT_EQ(db->find_user("alice@example.test").value().cred.password_hash, "$y$old");
        EXPECT_TRUE(db->aliases().value().empty());
        ASSERT_FALSE(db->add_alias("info@example.test", "alice@example.test"));
        EXPECT_EQ(db->add_alias("info@elsewhere.test", "alice@example.test"), errc::invalid_argument);
    }
    EXPECT_EQ(user_version(file), 3);  // 1 -> 2 (aliases) -> 3 (quotas, #12)
    // Opening again migrates nothing and keeps the data.
    auto db = userdb::open(file).value();
    EXPECT_EQ(user_version(file), 3);
    auto r = db->resolve("info@example.test").value();
    EXPECT_EQ(r.local_mailboxes, strings{"alice@example.test"});
    EXPECT_EQ(db->users().value(), strings{"alice@example.test"});
}

TEST(storage_alias_migration, NewDatabaseIsCurrentAndNewerIsRefused) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.db";
    { ASSERT_TRUE(userdb::open(file)); }
    EXPECT_EQ(user_version(file), 3);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 4", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto newer = userdb::open(file);
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error(), errc::unsupported);
    EXPECT_EQ(user_version(file), 4);
}

}  // namespace
}  // namespace mailroom::storage
