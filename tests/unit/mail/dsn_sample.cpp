// Writes one DSN to stdout for check_dsn.py, which reads it back with
// Python's email package (an independent MIME parser). Usage:
//   dsn_sample failure|delay|utf8|hostile
// Fixed clock and seeded random, so the output is the same every run.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "mail/dsn.hpp"
#include "support/fixed_env.hpp"

namespace {

using namespace mailroom;
using namespace std::chrono_literals;

queue::envelope sample(std::string_view variant) {
    const std::chrono::system_clock::time_point t0{std::chrono::seconds(1700000000)};
    queue::envelope e;
    e.id = "0123456789abcdef";
    e.sender = "alice@example.test";
    e.envid = "QQ+314159";
    e.arrived = t0;
    queue::recipient gone;
    gone.address = "gone@remote.test";
    gone.orcpt = "rfc822;gone@remote.test";
    gone.last_error = "550-5.1.1 The account does not exist.\r\n550 5.1.1 Check the address.";
    gone.remote_mta = "mx1.remote.test";
    gone.last_attempt = t0 + 10min;
    queue::recipient slow;
    slow.address = "slow@remote.test";
    slow.last_error = "451 4.7.1 Greylisted";
    slow.remote_mta = "mx2.remote.test";
    slow.last_attempt = t0 + 1h;
    e.recipients = {gone, slow};
    if (variant == "utf8") {
        e.smtputf8 = true;
        e.sender = "j\xc3\xb6rg@example.test";
        e.recipients[0].address = "\xe7\x94\xa8\xe6\x88\xb7@remote.test";
    }
    if (variant == "hostile") {
        e.recipients[0].last_error = "550 5.1.1 x\r\nAction: delivered\r\n\r\n--" + std::string(3000, 'A');
        e.envid = "id\r\nReporting-MTA: dns; evil";
    }
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view variant = argc > 1 ? argv[1] : "failure";
    const auto env = sample(variant);
    std::string original =
        "From: Alice <alice@example.test>\r\nTo: gone@remote.test\r\nSubject: Lunch?\r\n"
        "Message-ID: <lunch@example.test>\r\n\r\nAre you free on Friday?\r\n";
    if (variant == "utf8")
        original =
            "Subject: Gr\xc3\xbc\xc3\x9f"
            "e\r\n\r\nHallo \xe2\x82\xac\r\n";
    mail::dsn_request req;
    req.reporting_mta = "mx.example.test";
    req.kind = variant == "delay" ? mail::dsn_kind::delay : mail::dsn_kind::failure;
    req.recipients = variant == "delay" ? std::vector<std::size_t>{1} : std::vector<std::size_t>{0, 1};
    req.now = env.arrived + 2h;
    req.retry_until = env.arrived + std::chrono::days(5);
    test::seeded_random random;
    const auto dsn = mail::compose_dsn(req, env, original, random);
    if (!dsn) return 2;
    std::fwrite(dsn->bytes.data(), 1, dsn->bytes.size(), stdout);
    return 0;
}
