#include "storage/userdb.hpp"

#include <gtest/gtest.h>

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

TEST(CanonicalAddress, ValidAndInvalid) {
    EXPECT_EQ(canonical_address("A@Example.TEST").value(), "a@example.test");
    EXPECT_EQ(canonical_address("first.last+tag@sub.example-1.test").value(), "first.last+tag@sub.example-1.test");
    EXPECT_EQ(canonical_address("x@localhost").value(), "x@localhost");
    for (const char* bad : {"", "nobody", "@example.test", "a@", "a@@example.test", "a@b@example.test",
                            "../x@example.test", "a/b@example.test", "a@b/c", "a@example..test", ".a@example.test",
                            "a.@example.test", "a..b@example.test", "a b@example.test", "a@-x.test",
                            "a@x-.test", "a@example.test.", "a\\b@example.test", "a@exa_mple.test"})
        EXPECT_FALSE(canonical_address(bad)) << bad;
    EXPECT_FALSE(canonical_address(std::string(65, 'a') + "@example.test"));
    EXPECT_FALSE(canonical_address(std::string("a\0b@example.test", 16)));
    EXPECT_FALSE(canonical_address("a@" + std::string(64, 'x') + ".test"));
}

TEST(Userdb, DomainsAndUsers) {
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

TEST(Userdb, PersistsAcrossReopen) {
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

TEST(Userdb, UnopenableFileIsAnError) {
    test::temp_dir tmp;
    EXPECT_FALSE(userdb::open(tmp.path() / "missing-dir" / "u.db"));
}

}  // namespace
}  // namespace mailroom::storage
