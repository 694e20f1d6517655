// sandbox dev API, the page: GET / (index.html), /assets/{name} (app.js,
// style.css), /api/openapi.json, all embedded (web_assets.hpp), and GET
// /api/messages/{id}/html - a message's HTML part for the page's
// <iframe sandbox>, under a CSP that runs no script and loads nothing
// remote unless ?remote=1 (the user's "load remote content").
#include "common/errors.hpp"
#include "mail/mime/parser.hpp"
#include "sandbox/http_api_json.hpp"
#include "sandbox/http_api_routes.hpp"
#include "sandbox/web_assets.hpp"

namespace mailroom::sandbox {
namespace {

constexpr std::string_view csp_field = "Content-Security-Policy";

using http::bhttp::status;
using http::bhttp::verb;
using awaitable_response = boost::asio::awaitable<http::response>;

// The page itself: its own script and style only, the API, frames of our
// own (the message HTML), images of our own or data: URLs.
constexpr std::string_view page_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
// A message's HTML: no script ever (the sandbox directive, as the iframe's
// attribute), inline style only, images from the message (cid:, data:).
constexpr std::string_view mail_csp =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; font-src data:; "
    "frame-ancestors 'self'";
constexpr std::string_view mail_csp_remote =
    "sandbox; default-src 'none'; style-src 'unsafe-inline' http: https:; img-src data: cid: http: https:; "
    "font-src data: http: https:; frame-ancestors 'self'";

std::string_view content_type_of(std::string_view name) {
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".json")) return "application/json";
    return "application/octet-stream";
}

http::response asset_response(const http::request& req, std::string_view name) {
    const auto* a = find_web_asset(name);
    if (!a || name == "openapi.json") return error_response(req, status::not_found, "no such asset");
    auto res = http::make_response(req, status::ok, std::string(a->bytes), content_type_of(name));
    res.set(csp_field, page_csp);
    return res;
}

}  // namespace

void add_web_routes(http::router& r, const std::shared_ptr<dev_api>& api) {
    add_route(r, api, verb::get, "/",
              [](http::request_context& rc) -> awaitable_response { co_return asset_response(rc.req, "index.html"); });
    add_route(r, api, verb::get, "/assets/{name}", [](http::request_context& rc) -> awaitable_response {
        co_return asset_response(rc.req, *rc.param("name"));
    });
    add_route(r, api, verb::get, "/api/openapi.json", [](http::request_context& rc) -> awaitable_response {
        const auto* a = find_web_asset("openapi.json");
        co_return http::make_response(rc.req, status::ok, std::string(a ? a->bytes : "{}"), "application/json");
    });
    add_route(r, api, verb::get, "/api/messages/{id}/html", [api](http::request_context& rc) -> awaitable_response {
        const auto* remote = rc.query("remote");
        if (rc.target.query.size() > 1 || (!rc.target.query.empty() && (!remote || *remote != "1")))
            co_return error_response(rc.req, status::bad_request, "the only parameter is remote=1");
        const auto ref = parse_message_id(*rc.param("id"));
        auto bytes = ref ? api->mail.read(*ref, api->lim.max_message_bytes)
                         : result<std::string>(make_error_code(errc::not_found));
        if (!bytes) co_return error_response(rc.req, status::not_found, "no such message");
        const auto detail = detail_json(ref->id(), ref->mailbox, *bytes, mime::parse_message(*bytes));
        const auto* html = detail.if_contains("html");
        if (!html || !html->is_string())
            co_return error_response(rc.req, status::not_found, "the message has no HTML part");
        auto res = http::make_response(rc.req, status::ok, std::string(html->as_string()), "text/html; charset=utf-8");
        res.set(csp_field, remote ? mail_csp_remote : mail_csp);
        co_return res;
    });
}

}  // namespace mailroom::sandbox
