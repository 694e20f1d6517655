#include "mail/mime/serialize.hpp"

#include <gtest/gtest.h>

#include "mail/mime/parser.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

using namespace std::string_literals;

TEST(mime_serialize, round_trip) {
    for (const auto* msg : {&samples::mixed, &samples::plain, &samples::forwarded}) {
        const auto m = parse_message(*msg);
        const auto blob = serialize(m);
        const auto back = deserialize(blob);
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, m);
        EXPECT_EQ(serialize(*back), blob);
    }
}

TEST(mime_serialize, round_trip_of_every_field) {
    message_structure m;
    m.env.date = "d";
    m.env.subject = "";
    m.env.from = {{"n", "@r", "m", "h"}, {std::nullopt, std::nullopt, "g", std::nullopt}, {}};
    m.env.message_id = "<x@y>";
    m.body.type = "multipart";
    m.body.subtype = "mixed";
    m.body.params = {{"boundary", "b"}};
    body_part leaf;
    leaf.id = "id";
    leaf.description = "de\0sc"s;
    leaf.md5 = "md5";
    leaf.location = "loc";
    leaf.disp = disposition{"attachment", {{"filename", "f"}}};
    leaf.language = {"en", "de"};
    leaf.header_offset = 1;
    leaf.header_length = 300;
    leaf.body_offset = 301;
    leaf.body_length = std::uint64_t{1} << 40;
    leaf.header_size = 7;
    leaf.body_size = ~std::uint64_t{0};
    leaf.body_lines = 9;
    leaf.embedded = m.env;
    leaf.children = {body_part{}};
    m.body.children = {leaf, body_part{}};
    const auto back = deserialize(serialize(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, m);
}

TEST(mime_serialize, foreign_old_and_damaged_blobs_are_refused) {
    const auto blob = serialize(parse_message(samples::mixed));
    EXPECT_FALSE(deserialize(""));
    EXPECT_FALSE(deserialize("XX\1"));
    auto other_version = blob;
    other_version[2] = static_cast<char>(structure_format_version + 1);
    EXPECT_FALSE(deserialize(other_version));
    EXPECT_FALSE(deserialize(blob + "x"));  // trailing bytes
    // Every truncation fails cleanly.
    for (std::size_t n = 0; n < blob.size(); ++n) EXPECT_FALSE(deserialize(blob.substr(0, n))) << n;
    // Every single-byte change either fails or still gives a structure (never crashes).
    for (std::size_t i = 3; i < blob.size(); ++i) {
        auto bad = blob;
        bad[i] = static_cast<char>(bad[i] ^ 0x80);
        (void)deserialize(bad);
    }
    // A huge count cannot make it allocate.
    EXPECT_FALSE(deserialize("MS\1\0\0\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s));
}

}  // namespace
}  // namespace mailroom::mime
