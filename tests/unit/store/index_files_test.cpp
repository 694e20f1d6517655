#include "store/maildir/index_files.hpp"

#include <gtest/gtest.h>

#include "store/maildir/names.hpp"

namespace mailroom::store::maildir {
namespace {

TEST(store_index_files, KeywordsRoundTripAndRejectDamage) {
    auto k = parse_keywords("0 $Forwarded\n2 Junk\n");
    ASSERT_TRUE(k);
    EXPECT_EQ(*k, (std::vector<std::string>{"$Forwarded", "", "Junk"}));
    EXPECT_EQ(serialize_keywords(*k), "0 $Forwarded\n2 Junk\n");
    EXPECT_TRUE(parse_keywords("")->empty());
    for (const char* bad : {"0 a", "0 a\n0 b\n", "26 a\n", "x a\n", "0 a b\n", "0 \\Seen\n", "0\n"})
        EXPECT_FALSE(parse_keywords(bad)) << bad;
}

TEST(store_index_files, CacheRoundTripsAndRejectsDamage) {
    index_cache c;
    c.uidvalidity = 7;
    c.highest_modseq = 90;
    c.messages[1] = {10, 1600000000, 5, 6, "S", false, "cur/1.a b:2,S"};
    c.messages[3] = {90, 1600000001, 7, 9, "", false, ""};
    c.expunge_floor = 20;
    c.add_expunged(40, {2});
    c.add_expunged(80, {4, 5, 6, 9});
    const auto text = c.serialize();
    EXPECT_EQ(text,
              "mailroom-index 3 V7 M90 E20\n1 10 1600000000 5 6 S cur/1.a b:2,S\n3 90 1600000001 7 9 - -\n"
              "x 40 2\nx 80 4:6,9\n");
    auto back = index_cache::parse(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->serialize(), text);
    // Version 1 (before expunges were kept): read, with nothing remembered.
    auto v1 = index_cache::parse("mailroom-index 1 V7 M90\n1 10 1600000000 5 6 S\n");
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->expunge_floor, 90u);
    EXPECT_TRUE(v1->expunged.empty());
    EXPECT_EQ(v1->first_recent, 0u);
    // Sizes of versions 1 and 2 may miss a final line end the file lacks: sync checks them.
    EXPECT_TRUE(v1->messages.at(1).unverified_end);
    EXPECT_FALSE(back->messages.at(1).unverified_end);
    // RFC 3501 \Recent: the first UID no session has claimed, kept when known.
    c.first_recent = 4;
    auto with_recent = index_cache::parse(c.serialize());
    ASSERT_TRUE(with_recent);
    EXPECT_EQ(with_recent->first_recent, 4u);
    EXPECT_EQ(with_recent->serialize(), c.serialize());
    // The listing's stamps and the next UID, so sync may skip the rescan.
    c.stamps = maildir_stamps{11, 12, 13, 14};
    c.next_uid = 4;
    EXPECT_NE(c.serialize().find(" R4 S11,12,13,14,4\n"), std::string::npos);
    auto stamped = index_cache::parse(c.serialize());
    ASSERT_TRUE(stamped);
    ASSERT_TRUE(stamped->stamps);
    EXPECT_EQ(*stamped->stamps, *c.stamps);
    EXPECT_EQ(stamped->next_uid, 4u);
    EXPECT_EQ(stamped->messages.at(1).file, "cur/1.a b:2,S");
    EXPECT_EQ(stamped->messages.at(3).file, "");
    EXPECT_EQ(stamped->serialize(), c.serialize());
    for (const char* bad : {"",
                            "mailroom-index 1 V7 M90",
                            "mailroom-index 2 V7 M90\n",
                            "mailroom-index 1 V7\n",
                            "mailroom-index 9 V7 M90 E1\n",
                            "mailroom-index 3 V7 M90 E20\n1 10 0 0 0 -\n",
                            "mailroom-index 3 V7 M90 E20\n1 10 0 0 0 - tmp/x\n",
                            "mailroom-index 3 V7 M90 E20\n1 10 0 0 0 - cur/\n",
                            "mailroom-index 3 V7 M90 E20\n1 10 0 0 0 - cur/a/b\n",
                            "mailroom-index 3 V7 M90 E20\n1 10 0 0 0 - new/.x\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,3,4\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,3,4,0\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,3,4,5,6\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,-3,4,5\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,3,4,5 R4\n",
                            "mailroom-index 3 V7 M90 E20 S1,2,3,4,2\n2 10 0 0 0 - cur/x\n",
                            "mailroom-index 2 V7 M90 E20 S1,2,3,4,5\n",
                            "mailroom-index 2 V7 M90 E20\n1 10 0 0 0 - cur/x\n",
                            "mailroom-index 2 V7 M90 E91\n",
                            "mailroom-index 2 V7 M90 E20 R0\n",
                            "mailroom-index 2 V7 M90 E20 Rx\n",
                            "mailroom-index 2 V7 M90 E20 Q4\n",
                            "mailroom-index 2 V7 M90 E20 R4 R5\n",
                            "mailroom-index 2 V7 M90 E20\nx 20 1\n",
                            "mailroom-index 2 V7 M90 E20\nx 91 1\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 1\nx 40 2\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 1\n1 10 0 0 0 -\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 2:1\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 1,2\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 0\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 1,\n",
                            "mailroom-index 2 V7 M90 E20\nx 40 3:3\n",
                            "mailroom-index 1 V7 M90\nx 40 1\n",
                            "mailroom-index 1 V7 M9\n1 10 0 0 0 -\n",
                            "mailroom-index 1 V7 M90\n0 1 0 0 0 -\n",
                            "mailroom-index 1 V7 M90\n1 1 0 0 0 S\n1 1 0 0 0 S\n",
                            "mailroom-index 1 V7 M90\n1 1 0 0 0 S:\n",
                            "mailroom-index 1 V7 M90\n1 1 0 0 0\n"})
        EXPECT_FALSE(index_cache::parse(bad)) << bad;
}

TEST(store_index_files, ExpungeHistoryIsBoundedByRaisingTheFloor) {
    index_cache c;
    c.highest_modseq = 1 << 20;
    for (std::uint64_t m = 1; m <= max_expunge_records + 5; ++m) c.add_expunged(m, {static_cast<std::uint32_t>(m)});
    EXPECT_EQ(c.expunged.size(), max_expunge_records);
    EXPECT_EQ(c.expunge_floor, 5u);
    EXPECT_EQ(c.expunged.front().modseq, 6u);
    auto back = index_cache::parse(c.serialize());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->expunged.size(), max_expunge_records);
}

TEST(store_index_files, UidSets) {
    EXPECT_EQ(serialize_uid_set(to_ranges({1, 2, 3, 7, 9, 10})), "1:3,7,9:10");
    EXPECT_EQ(parse_uid_set("1:3,7,9:10"), to_ranges({1, 2, 3, 7, 9, 10}));
    EXPECT_EQ(parse_uid_set("4294967294:4294967295"), (std::vector<uid_range>{{4294967294u, 4294967295u}}));
    for (const char* bad : {"", ",", "1,", "a", "1:", ":1", "3:1", "1:1", "1,2", "1:3,2", "0", "1::2", "4294967296"})
        EXPECT_FALSE(parse_uid_set(bad)) << bad;
}

TEST(store_index_files, InfoLettersMapToFlagsAndKeywords) {
    auto i = parse_info("123.M4P5.host,S=1,W=2:2,FPSac");
    EXPECT_EQ(i.flags, flagged | seen);
    EXPECT_EQ(i.keyword_bits, 0b101u);
    EXPECT_EQ(i.other, "P");
    EXPECT_EQ(file_name("b", i), "b:2,FPSac");
    EXPECT_EQ(file_name("b", info{draft | deleted | answered, 0, {}}), "b:2,DRT");
    EXPECT_EQ(parse_info("b").flags, 0);
    EXPECT_EQ(size_field("1.M2.h,S=10,W=12", ",W="), 12u);
    EXPECT_FALSE(size_field("1.M2.h,S=1x", ",S="));
}

}  // namespace
}  // namespace mailroom::store::maildir
