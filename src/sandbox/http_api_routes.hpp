// sandbox::http_api internals: the state the dev API's handlers share and
// the helpers they answer with. add_dev_routes (http_api.cpp) builds one
// dev_api and calls each add_*_routes, one file per group of routes:
//   http_api.cpp          mailboxes, messages (list, detail, raw, parts, delete, inject)
//   http_api_admin.cpp    sessions, faults, release, reset
//   http_api_live.cpp     /api/wait (long poll), /api/events (server-sent events)
//   http_api_web.cpp      the page (/, /assets/*), a message's HTML for its
//                         sandboxed frame, /api/openapi.json
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "sandbox/dev_context.hpp"
#include "sandbox/dev_mail.hpp"
#include "sandbox/http_api_search.hpp"

namespace mailroom::sandbox {

struct dev_api_limits {
    std::size_t max_message_bytes = 64 * 1024 * 1024;  // read for /raw, /parts, detail
    std::size_t max_inject_bytes = 10 * 1024 * 1024;   // POST /api/messages body
    std::size_t max_inject_recipients = 100;
    std::chrono::seconds max_wait{60};  // /api/wait timeout bound
    std::chrono::seconds default_wait{30};
};

struct dev_api {
    explicit dev_api(dev_context& c) : ctx(c), mail(c.mail_root) {}
    dev_context& ctx;
    dev_mail mail;
    dev_api_limits lim;
    std::uint64_t releases = 0;  // names each release's staged copy
};

http::response json_response(const http::request& req, const boost::json::value& v,
                             http::bhttp::status status = http::bhttp::status::ok);
// {"error": text} with this status.
http::response error_response(const http::request& req, http::bhttp::status status, std::string_view text);

// The summary of one stored message, its search facts alongside; false
// when it cannot be read (gone meanwhile).
struct message_view {
    boost::json::object summary;
    search_facts facts;
};
std::optional<message_view> view_message(const dev_api& api, const stored_message& m);

// router.add with the dev API's guard around h: the token check (when
// ctx.token is set: "Authorization: Bearer <token>", or the cookie the page
// got from "/?token=<token>") and the security headers on the answer.
void add_route(http::router& r, const std::shared_ptr<dev_api>& api, http::bhttp::verb method, std::string_view pattern,
               http::handler h);

void add_message_routes(http::router& r, const std::shared_ptr<dev_api>& api);
void add_admin_routes(http::router& r, const std::shared_ptr<dev_api>& api);
void add_live_routes(http::router& r, const std::shared_ptr<dev_api>& api);
void add_web_routes(http::router& r, const std::shared_ptr<dev_api>& api);

// Security headers every answer of the dev listener carries (page CSP,
// nosniff, no framing by others).
void set_security_headers(http::response& res);

}  // namespace mailroom::sandbox
