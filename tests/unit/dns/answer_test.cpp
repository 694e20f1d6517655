#include "dns/detail/answer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/errors.hpp"

namespace mailroom::dns::detail {
namespace {

// A ub_result as libunbound fills it, over rdata items owned by the test.
class fake_result {
public:
    explicit fake_result(std::vector<std::string> items, int rcode = 0) : items_(std::move(items)) {
        for (auto& i : items_) {
            data_.push_back(i.data());
            len_.push_back(static_cast<int>(i.size()));
        }
        data_.push_back(nullptr);
        r_.data = data_.data();
        r_.len = len_.data();
        r_.rcode = rcode;
        r_.havedata = items_.empty() ? 0 : 1;
        r_.nxdomain = rcode == 3 ? 1 : 0;
    }
    ub_result* get() { return &r_; }

private:
    std::vector<std::string> items_;
    std::vector<char*> data_;
    std::vector<int> len_;
    ub_result r_{};
};

TEST(Answer, MxItemsParsedAndBadOnesSkipped) {
    fake_result r({std::string("\x00\x0a\x02mx\x04test\x00", 11), std::string("\x00\x14\xc0\x0c", 4),
                   std::string("\x00\x00\x00", 3)});
    auto a = mx_answer(0, r.get());
    ASSERT_TRUE(a) << a.error().message();
    ASSERT_EQ(a->size(), 2u);
    EXPECT_EQ((*a)[0], (mx_record{10, "mx.test"}));
    EXPECT_EQ((*a)[1], (mx_record{0, ""}));
}

TEST(Answer, AllItemsBrokenIsMalformed) {
    fake_result r({std::string("\x00", 1), std::string("\x00\x14\xc0\x0c", 4)});
    EXPECT_EQ(mx_answer(0, r.get()).error(), errc::malformed_answer);
    fake_result wrong_length({std::string("\x7f\x00\x00", 3)});
    EXPECT_EQ(a_answer(0, wrong_length.get()).error(), errc::malformed_answer);
}

TEST(Answer, RcodesAndFlags) {
    fake_result nx({}, 3);
    EXPECT_EQ(mx_answer(0, nx.get()).error(), errc::no_such_domain);
    fake_result servfail({}, 2);
    EXPECT_EQ(a_answer(0, servfail.get()).error(), errc::server_failure);
    fake_result refused({}, 5);
    EXPECT_EQ(aaaa_answer(0, refused.get()).error(), errc::server_failure);
    fake_result nodata({});
    EXPECT_EQ(mx_answer(0, nodata.get()).error(), errc::no_data);
}

TEST(Answer, CallbackErrors) {
    EXPECT_EQ(mx_answer(UB_SERVFAIL, nullptr).error(), errc::server_failure);
    EXPECT_EQ(mx_answer(UB_NOMEM, nullptr).error(), errc::resolver_failure);
    EXPECT_EQ(a_answer(0, nullptr).error(), errc::resolver_failure);
}

TEST(Answer, Addresses) {
    fake_result v4({std::string("\x7f\x00\x00\x01", 4), std::string("\xc0\x00\x02\x05", 4)});
    auto a = a_answer(0, v4.get());
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 2u);
    EXPECT_EQ((*a)[1].to_string(), "192.0.2.5");
    std::string one(16, '\0');
    one[15] = '\x01';
    fake_result v6({one});
    auto aaaa = aaaa_answer(0, v6.get());
    ASSERT_TRUE(aaaa);
    EXPECT_EQ((*aaaa)[0].to_string(), "::1");
}

}  // namespace
}  // namespace mailroom::dns::detail
