#include "storage/uidlist.hpp"

#include <gtest/gtest.h>

namespace mailroom::storage {
namespace {

TEST(storage_uidlist, RoundTrips) {
    uidlist l{1700000000, 4, {{"a.M1", 1}, {"b.M2", 3}}};
    auto back = uidlist::parse(l.serialize());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->uidvalidity, 1700000000u);
    EXPECT_EQ(back->next_uid, 4u);
    EXPECT_EQ(back->uids, l.uids);
    EXPECT_EQ(l.serialize(), "V1700000000 N4\n1 a.M1\n3 b.M2\n");
}

TEST(storage_uidlist, EmptyListParses) {
    auto l = uidlist::parse("V5 N1\n");
    ASSERT_TRUE(l);
    EXPECT_TRUE(l->uids.empty());
}

TEST(storage_uidlist, RejectsMalformedText) {
    for (const char* bad : {"", "V5 N1", "X5 N1\n", "V5 N0\n", "V5 Nx\n", "V5 N3\n1 a\n1 a\n", "V5 N3\n3 a\n",
                            "V5 N3\n0 a\n", "V5 N3\n1\n", "V5 N3\n1 a/b\n", "V5 N3\n1 a", "V-1 N3\n",
                            "V5 N3\n2 a\n1 b\nx c\n", "V5 \n", "V5 N\n", "V5 N3 \n", "V5N3\n"})
        EXPECT_FALSE(uidlist::parse(bad)) << bad;
}

TEST(storage_uidlist, BaseNameDropsInfoSuffix) {
    EXPECT_EQ(maildir_base_name("1.M2P3.host,S=1,W=2:2,S"), "1.M2P3.host,S=1,W=2");
    EXPECT_EQ(maildir_base_name("1.M2P3.host"), "1.M2P3.host");
}

}  // namespace
}  // namespace mailroom::storage

namespace mailroom::storage {
namespace {

// Delivery appends "+" lines; a sync may have numbered the same file first
// (then the first UID stands and the later one stays used up).
TEST(storage_uidlist, AppendedLinesExtendTheList) {
    auto l = uidlist::parse("V5 N3\n1 a\n+3 b\n+4 c\n+5 b\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->next_uid, 6u);
    EXPECT_EQ(l->appended, 3u);
    EXPECT_EQ(l->uids.at("b"), 3u);
    EXPECT_EQ(l->uids.at("c"), 4u);
    EXPECT_EQ(l->serialize(), "V5 N6\n1 a\n3 b\n4 c\n");
    EXPECT_EQ(uidlist::append_line(7, "d"), "+7 d\n");
    for (const char* bad : {"V5 N3\n+2 b\n", "V5 N3\n+4 b\n+4 c\n", "V5 N3\n+3 b\n1 a\n", "V5 N3\n+3 b"})
        EXPECT_FALSE(uidlist::parse(bad)) << bad;
}

}  // namespace
}  // namespace mailroom::storage
