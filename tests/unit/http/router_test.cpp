// http::router: routes by method and pattern with {name} segments, and the
// error answers (400, 404, 405 with Allow, 500) dispatch gives by itself.
#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
#include <string>

namespace mailroom::http {
namespace {

namespace asio = boost::asio;

request make_request(bhttp::verb method, std::string target) {
    request req(method, target, 11);
    req.keep_alive(true);
    return req;
}

response run(const router& r, const request& req) {
    asio::io_context io;
    auto f = asio::co_spawn(io, r.dispatch(req), asio::use_future);
    io.run();
    return f.get();
}

handler answer(std::string text) {
    return [text](request_context& ctx) -> asio::awaitable<response> {
        std::string body = text;
        for (const auto& [k, v] : ctx.params) body += " " + k + "=" + v;
        if (auto q = ctx.query("q")) body += " q=" + *q;
        co_return make_response(ctx.req, bhttp::status::ok, body);
    };
}

router sample() {
    router r;
    r.add(bhttp::verb::get, "/metrics", answer("metrics"));
    r.add(bhttp::verb::get, "/api/mailboxes/{mailbox}/messages/{id}", answer("message"));
    r.add(bhttp::verb::delete_, "/api/mailboxes/{mailbox}/messages/{id}", answer("deleted"));
    r.add(bhttp::verb::post, "/api/reset", answer("reset"));
    r.add(bhttp::verb::get, "/api/mailboxes/{mailbox}", answer("mailbox"));
    r.add(bhttp::verb::get, "/boom", [](request_context&) -> asio::awaitable<response> {
        throw std::runtime_error("handler bug");
        co_return response{};
    });
    return r;
}

TEST(http_router, routes_with_parameters_and_query) {
    const auto r = sample();
    auto res = run(r, make_request(bhttp::verb::get, "/metrics"));
    EXPECT_EQ(res.result(), bhttp::status::ok);
    EXPECT_EQ(res.body(), "metrics");
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(res[bhttp::field::content_length], "7");

    res = run(r, make_request(bhttp::verb::get, "/api/mailboxes/alice%40example.test/messages/42?q=a+b"));
    EXPECT_EQ(res.body(), "message mailbox=alice@example.test id=42 q=a b");
    res = run(r, make_request(bhttp::verb::delete_, "/api/mailboxes/bob/messages/7"));
    EXPECT_EQ(res.body(), "deleted mailbox=bob id=7");
    res = run(r, make_request(bhttp::verb::get, "/api/mailboxes/bob"));
    EXPECT_EQ(res.body(), "mailbox mailbox=bob");
}

TEST(http_router, errors) {
    const auto r = sample();
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "/nothing")).result(), bhttp::status::not_found);
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "/metrics/")).result(), bhttp::status::not_found);
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "/api/mailboxes")).result(), bhttp::status::not_found);
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "/a%zz")).result(), bhttp::status::bad_request);
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "http://h/metrics")).result(), bhttp::status::bad_request);

    auto res = run(r, make_request(bhttp::verb::post, "/metrics"));
    EXPECT_EQ(res.result(), bhttp::status::method_not_allowed);
    EXPECT_EQ(res[bhttp::field::allow], "GET");
    res = run(r, make_request(bhttp::verb::put, "/api/mailboxes/x/messages/1"));
    EXPECT_EQ(res.result(), bhttp::status::method_not_allowed);
    EXPECT_EQ(res[bhttp::field::allow], "GET, DELETE");

    res = run(r, make_request(bhttp::verb::get, "/boom"));
    EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
    EXPECT_EQ(res.body().find("handler bug"), std::string::npos);  // the detail goes to the log only
}

TEST(http_router, bad_patterns_refused) {
    router r;
    r.add(bhttp::verb::get, "/x/{id}", answer("x"));
    EXPECT_THROW(r.add(bhttp::verb::get, "/x/{id}", answer("again")), std::invalid_argument);
    EXPECT_NO_THROW(r.add(bhttp::verb::post, "/x/{id}", answer("post")));
    EXPECT_THROW(r.add(bhttp::verb::get, "x", answer("x")), std::invalid_argument);
    EXPECT_THROW(r.add(bhttp::verb::get, "/x/{}", answer("x")), std::invalid_argument);
    EXPECT_THROW(r.add(bhttp::verb::get, "/x?a=1", answer("x")), std::invalid_argument);
}

TEST(http_router, first_match_wins) {
    router r;
    r.add(bhttp::verb::get, "/m/{name}", answer("param"));
    r.add(bhttp::verb::get, "/m/special", answer("literal"));
    EXPECT_EQ(run(r, make_request(bhttp::verb::get, "/m/special")).body(), "param name=special");
}

}  // namespace
}  // namespace mailroom::http
