// sandbox::add_dev_routes: the dev API over a temporary maildir, called
// through router.dispatch - inject, list and search, detail, raw, parts,
// delete, reset, sessions, faults, release (its body, the staged copy), the token,
// and the long poll (/api/wait) answering at once, on arrival, or 408.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include "http/router.hpp"
#include "sandbox/dev_context.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::sandbox {
namespace {

namespace asio = boost::asio;
using http::bhttp::status;
using http::bhttp::verb;

const std::string sample =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Quarterly report\r\n"
    "Date: Mon, 07 Dec 2026 09:00:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Hello <img src=\"http://remote.example/x.png\"><script>alert(1)</script></p>\r\n"
    "--b\r\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAw==\r\n"
    "--b--\r\n";

struct fixture : ::testing::Test {
    test::temp_dir tmp;
    session_journal journal;
    fault_book faults{7};
    event_hub<captured_message> messages;
    dev_context ctx{journal, faults, messages, tmp.path(), tmp.path() / "mail", {}, false, {}, {}};
    http::router routes;

    void SetUp() override { add_dev_routes(routes, ctx); }

    http::response call(verb method, const std::string& target, std::string body = "", std::string auth = "") {
        http::request req(method, target, 11);
        req.body() = std::move(body);
        if (!auth.empty()) req.set(http::bhttp::field::authorization, auth);
        req.prepare_payload();
        asio::io_context io;
        auto f = asio::co_spawn(io, routes.dispatch(req), asio::use_future);
        io.run();
        return f.get();
    }
    boost::json::value json(const http::response& res) { return boost::json::parse(res.body()); }
    static std::string str(const boost::json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }
    std::string inject(const std::string& to = "bob@example.net", const std::string& msg = sample) {
        auto res = call(verb::post, "/api/messages?to=" + to, msg);
        EXPECT_EQ(res.result(), status::created) << res.body();
        return std::string(json(res).at("ids").at(0).as_string());
    }
};

TEST_F(fixture, injected_message_is_listed_searched_and_rendered) {
    const auto id = inject();
    EXPECT_EQ(id, "bob@example.net:1");
    inject("carol@example.net", "Subject: other\r\n\r\nplain\r\n");

    auto boxes = json(call(verb::get, "/api/mailboxes")).at("mailboxes").as_array();
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[0].at("name"), "bob@example.net");
    EXPECT_EQ(boxes[0].at("messages"), 1);

    auto all = json(call(verb::get, "/api/messages"));
    EXPECT_EQ(all.at("total"), 2);
    auto hit = json(call(verb::get, "/api/messages?subject=QUARTERLY"));
    ASSERT_EQ(hit.at("total"), 1);
    EXPECT_EQ(str(hit.at("messages").at(0).at("id")), id);
    EXPECT_EQ(json(call(verb::get, "/api/messages?mailbox=carol@example.net&subject=quarterly")).at("total"), 0);
    EXPECT_EQ(call(verb::get, "/api/messages?colour=red").result(), status::bad_request);

    auto detail = json(call(verb::get, "/api/messages/" + id));
    EXPECT_EQ(detail.at("subject"), "Quarterly report");
    EXPECT_NE(std::string(detail.at("html").as_string()).find("<img"), std::string::npos);

    // The store keeps LF line ends: raw is those bytes exactly.
    auto raw = call(verb::get, "/api/messages/" + id + "/raw");
    std::string lf = sample;
    for (auto p = lf.find("\r\n"); p != std::string::npos; p = lf.find("\r\n", p)) lf.erase(p, 1);
    EXPECT_EQ(raw.body(), lf);

    auto part = call(verb::get, "/api/messages/" + id + "/parts/2");
    EXPECT_EQ(part.result(), status::ok);
    EXPECT_EQ(part.body(), std::string("\x00\x01\x02\x03", 4));
    EXPECT_EQ(part[http::bhttp::field::content_disposition], "attachment; filename=\"data.bin\"");
    EXPECT_EQ(call(verb::get, "/api/messages/" + id + "/parts/9").result(), status::not_found);

    auto html = call(verb::get, "/api/messages/" + id + "/html");
    EXPECT_EQ(html.result(), status::ok);
    const auto csp = std::string(html["Content-Security-Policy"]);
    EXPECT_NE(csp.find("sandbox"), std::string::npos);
    EXPECT_EQ(csp.find("http:"), std::string::npos);  // remote images blocked
    EXPECT_NE(std::string(call(verb::get, "/api/messages/" + id + "/html?remote=1")["Content-Security-Policy"])
                  .find("http:"),
              std::string::npos);
}

TEST_F(fixture, bad_ids_and_deletes) {
    EXPECT_EQ(call(verb::get, "/api/messages/nonsense").result(), status::not_found);
    EXPECT_EQ(call(verb::get, "/api/messages/bob@example.net:0").result(), status::not_found);
    EXPECT_EQ(call(verb::get, "/api/messages/..%2f..@x:1").result(), status::not_found);
    EXPECT_EQ(call(verb::post, "/api/messages", sample).result(), status::bad_request);  // no ?to=
    EXPECT_EQ(call(verb::post, "/api/messages?to=../../etc", sample).result(), status::bad_request);

    const auto first = inject();
    const auto second = inject();
    EXPECT_EQ(call(verb::delete_, "/api/messages/" + first).result(), status::no_content);
    EXPECT_EQ(call(verb::delete_, "/api/messages/" + first).result(), status::not_found);
    EXPECT_EQ(call(verb::get, "/api/messages/" + first).result(), status::not_found);
    EXPECT_EQ(call(verb::get, "/api/messages/" + second).result(), status::ok);
    EXPECT_EQ(call(verb::delete_, "/api/mailboxes/bob@example.net").result(), status::no_content);
    EXPECT_EQ(json(call(verb::get, "/api/messages")).at("total"), 0);
    // UIDs are not reused: ids stay unique after a delete.
    EXPECT_EQ(inject(), "bob@example.net:3");
    journal.close(journal.open("smtp", "smtp", "127.0.0.1:1"));
    EXPECT_EQ(call(verb::post, "/api/reset").result(), status::no_content);
    EXPECT_EQ(json(call(verb::get, "/api/messages")).at("total"), 0);
    EXPECT_TRUE(json(call(verb::get, "/api/sessions")).at("sessions").as_array().empty());
}

TEST_F(fixture, sessions_faults_and_release) {
    const auto sid = journal.open("pop3", "pop3", "127.0.0.1:5");
    journal.record(sid, direction::server, "+OK hi\r\n");
    auto list = json(call(verb::get, "/api/sessions")).at("sessions").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_FALSE(list[0].as_object().contains("dialogue"));
    auto one = json(call(verb::get, "/api/sessions/" + std::to_string(sid)));
    EXPECT_EQ(one.at("dialogue").at(0).at("bytes"), "+OK hi\r\n");
    EXPECT_EQ(call(verb::get, "/api/sessions/99").result(), status::not_found);

    auto added = call(verb::post, "/api/faults", R"({"protocol":"pop3","command":"RETR","action":"drop"})");
    ASSERT_EQ(added.result(), status::created) << added.body();
    const auto rule = json(added).at("id").as_int64();
    EXPECT_EQ(faults.list().size(), 1u);
    EXPECT_EQ(call(verb::post, "/api/faults", R"({"action":"explode"})").result(), status::bad_request);
    EXPECT_EQ(call(verb::post, "/api/faults", "not json").result(), status::bad_request);
    EXPECT_EQ(json(call(verb::get, "/api/faults")).at("faults").as_array().size(), 1u);
    EXPECT_EQ(json(call(verb::post, "/api/faults/seed", R"({"seed":42})")).at("seed"), 42);
    EXPECT_EQ(faults.seed(), 42u);
    EXPECT_EQ(call(verb::delete_, "/api/faults/" + std::to_string(rule)).result(), status::no_content);
    EXPECT_TRUE(faults.list().empty());

    const auto id = inject();
    EXPECT_EQ(call(verb::post, "/api/messages/" + id + "/release", "").result(), status::not_implemented);
    std::string sent;
    release_request seen;
    ctx.release = [&](release_request request) -> asio::awaitable<release_outcome> {
        std::ifstream in(request.file, std::ios::binary);
        sent.assign(std::istreambuf_iterator<char>(in), {});
        seen = request;
        release_outcome out;
        out.smarthost = "relay.test:587";
        for (const auto& r : request.recipients)
            out.recipients.push_back({r, r == "bad@example.net" ? "refused" : "accepted", "250 ok"});
        if (request.recipients.front() == "bad@example.net") out.error = "not every recipient was accepted";
        co_return out;
    };
    // No body: to the mailbox it was captured in, the sender left to the release.
    auto ok = call(verb::post, "/api/messages/" + id + "/release", "");
    ASSERT_EQ(ok.result(), status::ok) << ok.body();
    EXPECT_NE(sent.find("Subject: Quarterly report\r\n"), std::string::npos);
    EXPECT_EQ(seen.recipients, std::vector<std::string>{"bob@example.net"});
    EXPECT_FALSE(seen.sender);
    EXPECT_EQ(json(ok).at("recipients").at(0).at("status"), "accepted");
    EXPECT_FALSE(std::filesystem::exists(seen.file));  // the staged copy is removed
    // Chosen recipients and sender.
    ok = call(verb::post, "/api/messages/" + id + "/release", R"({"to":["x@example.com","y@example.com"],"from":""})");
    ASSERT_EQ(ok.result(), status::ok) << ok.body();
    EXPECT_EQ(seen.recipients, (std::vector<std::string>{"x@example.com", "y@example.com"}));
    EXPECT_EQ(seen.sender, std::optional<std::string>(""));
    // The smarthost's refusal is a 502 with the outcome.
    auto refused = call(verb::post, "/api/messages/" + id + "/release", R"({"to":["bad@example.net"]})");
    EXPECT_EQ(refused.result(), status::bad_gateway);
    EXPECT_EQ(json(refused).at("recipients").at(0).at("status"), "refused");
    // Never a smarthost named by the request, never a malformed address.
    for (const char* body : {R"({"smarthost":"x:25"})", R"({"to":[]})", R"({"to":["no spaces@x.test"]})",
                             R"({"to":["a@b.test\r\nRCPT TO:<c@d.test>"]})", R"({"to":"a@b.test"})",
                             R"({"from":"<a@b.test>"})", R"({"cc":["a@b.test"]})", "[1]", "not json"}) {
        seen = {};
        EXPECT_EQ(call(verb::post, "/api/messages/" + id + "/release", body).result(), status::bad_request) << body;
        EXPECT_TRUE(seen.recipients.empty()) << body;
    }
    EXPECT_EQ(call(verb::post, "/api/messages/nobody@example.net:9/release", "").result(), status::not_found);
}

TEST_F(fixture, token_is_required_when_set) {
    ctx.token = "s3cret";
    EXPECT_EQ(call(verb::get, "/api/messages").result(), status::unauthorized);
    EXPECT_EQ(call(verb::get, "/api/messages", "", "Bearer wrong").result(), status::unauthorized);
    EXPECT_EQ(call(verb::get, "/", "").result(), status::unauthorized);
    EXPECT_EQ(call(verb::get, "/api/messages", "", "Bearer s3cret").result(), status::ok);
    auto page = call(verb::get, "/?token=s3cret");
    EXPECT_EQ(page.result(), status::ok);
    EXPECT_NE(std::string(page[http::bhttp::field::set_cookie]).find("mailroom_dev_token=s3cret"), std::string::npos);
    // The query token opens only the page, not the API.
    EXPECT_EQ(call(verb::get, "/api/messages?token=s3cret").result(), status::unauthorized);
}

TEST_F(fixture, page_and_openapi_are_served_with_a_strict_policy) {
    auto page = call(verb::get, "/");
    EXPECT_EQ(page.result(), status::ok);
    EXPECT_NE(page.body().find("<html"), std::string::npos);
    EXPECT_NE(std::string(page["Content-Security-Policy"]).find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(call(verb::get, "/assets/app.js").result(), status::ok);
    EXPECT_EQ(call(verb::get, "/assets/nothing.js").result(), status::not_found);
    auto spec = json(call(verb::get, "/api/openapi.json"));
    EXPECT_EQ(std::string(spec.at("openapi").as_string()).substr(0, 2), "3.");
    const auto& paths = spec.at("paths").as_object();
    for (const char* p : {"/api/mailboxes", "/api/mailboxes/{mailbox}", "/api/messages", "/api/messages/{id}",
                          "/api/messages/{id}/raw", "/api/messages/{id}/parts/{n}", "/api/messages/{id}/html",
                          "/api/messages/{id}/release", "/api/reset", "/api/wait", "/api/events", "/api/sessions",
                          "/api/sessions/{id}", "/api/faults", "/api/faults/{id}", "/api/faults/seed"})
        EXPECT_TRUE(paths.contains(p)) << p;
}

TEST_F(fixture, wait_answers_existing_arriving_or_timeout) {
    EXPECT_EQ(call(verb::get, "/api/wait?subject=report&timeout=0").result(), status::request_timeout);
    EXPECT_EQ(call(verb::get, "/api/wait?timeout=61").result(), status::bad_request);
    const auto id = inject();
    auto now = call(verb::get, "/api/wait?subject=report&timeout=0");
    ASSERT_EQ(now.result(), status::ok);
    EXPECT_EQ(str(json(now).at("id")), id);

    // One that arrives while the poll waits (published from another thread).
    http::request req(verb::get, "/api/wait?mailbox=dave@example.net&subject=late&timeout=5", 11);
    asio::io_context io;
    auto f = asio::co_spawn(io, routes.dispatch(req), asio::use_future);
    asio::steady_timer later(io, std::chrono::milliseconds(100));
    std::thread injector;
    later.async_wait(
        [&](auto) { injector = std::thread([&] { inject("dave@example.net", "Subject: late one\r\n\r\nx\r\n"); }); });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    injector.join();
    auto res = f.get();
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_EQ(str(json(res).at("id")), "dave@example.net:1");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

}  // namespace
}  // namespace mailroom::sandbox
