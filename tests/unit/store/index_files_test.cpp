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
    c.messages[1] = {10, 1600000000, 5, 6, "S"};
    c.messages[3] = {90, 1600000001, 7, 9, ""};
    const auto text = c.serialize();
    EXPECT_EQ(text, "mailroom-index 1 V7 M90\n1 10 1600000000 5 6 S\n3 90 1600000001 7 9 -\n");
    auto back = index_cache::parse(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->serialize(), text);
    for (const char* bad : {"", "mailroom-index 1 V7 M90", "mailroom-index 2 V7 M90\n", "mailroom-index 1 V7\n",
                            "mailroom-index 1 V7 M9\n1 10 0 0 0 -\n", "mailroom-index 1 V7 M90\n0 1 0 0 0 -\n",
                            "mailroom-index 1 V7 M90\n1 1 0 0 0 S\n1 1 0 0 0 S\n",
                            "mailroom-index 1 V7 M90\n1 1 0 0 0 S:\n", "mailroom-index 1 V7 M90\n1 1 0 0 0\n"})
        EXPECT_FALSE(index_cache::parse(bad)) << bad;
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
