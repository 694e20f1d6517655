#include "proxy/smtp_outcome.hpp"

#include <gtest/gtest.h>

namespace mailroom::proxy {
namespace {

namespace sc = smtp::client;

sc::recipient_outcome outcome(const char* who, sc::delivery_status s, int code, std::string enhanced,
                              std::string text) {
    sc::recipient_outcome o;
    o.address = who;
    o.status = s;
    o.response.code = code;
    o.response.enhanced = std::move(enhanced);
    o.response.lines = {std::move(text)};
    return o;
}

delivery::transfer_report report_of(std::vector<sc::recipient_outcome> rcpts) {
    delivery::transfer_report r;
    sc::message_done d;
    d.recipients = std::move(rcpts);
    r.messages.push_back(std::move(d));
    return r;
}

TEST(DeviceReply, AllDeliveredIs250) {
    const auto v = device_reply(report_of({outcome("a@x", sc::delivery_status::delivered, 250, "2.0.0", "ok")}));
    EXPECT_TRUE(v.accepted());
}

TEST(DeviceReply, PermanentRefusalKeepsCodeAndText) {
    const auto v = device_reply(
        report_of({outcome("a@x", sc::delivery_status::permanent, 550, "5.1.1", "5.1.1 no such user")}));
    EXPECT_EQ(v.code, 550);
    EXPECT_EQ(v.enhanced, "5.1.1");
    EXPECT_EQ(v.text, "upstream: no such user");
}

TEST(DeviceReply, TemporaryWinsOverPermanentAndPartialIsNamed) {
    const auto v = device_reply(report_of({outcome("a@x", sc::delivery_status::delivered, 250, "2.0.0", "ok"),
                                           outcome("b@x", sc::delivery_status::permanent, 550, "5.1.1", "no"),
                                           outcome("c@x", sc::delivery_status::temporary, 452, "4.2.2", "full")}));
    EXPECT_EQ(v.code, 452);
    EXPECT_EQ(v.text, "upstream took 1 of 3 recipients, not <c@x>: full");
}

TEST(DeviceReply, RefusedLoginIsTemporaryInTheTemporaryClass) {
    // The client engine makes a 535 at AUTH a temporary outcome: the device retries.
    const auto v = device_reply(
        report_of({outcome("a@x", sc::delivery_status::temporary, 535, "5.7.8", "bad credentials")}));
    EXPECT_EQ(v.code, 451);
    EXPECT_EQ(v.enhanced, "4.7.8");
    EXPECT_EQ(v.text, "upstream: 535 bad credentials");
}

TEST(DeviceReply, NoAnswerAndLongTextAreBounded) {
    delivery::transfer_report none;
    none.detail = "connect to h[1.2.3.4]:587: Connection refused";
    EXPECT_EQ(device_reply(none).code, 451);
    const auto v = device_reply(
        report_of({outcome("a@x", sc::delivery_status::permanent, 554, "", std::string(2000, 'x'))}));
    EXPECT_EQ(v.enhanced, "5.0.0");
    EXPECT_LE(v.text.size(), max_relayed_text);
}

}  // namespace
}  // namespace mailroom::proxy
