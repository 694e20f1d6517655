// sandbox::add_dev_routes: the REST API of `mailroom dev` (issue #14) on the
// HTTP listener's router - the guard every route goes through (token,
// security headers) and the mailbox and message routes; the other groups
// are in http_api_*.cpp (http_api_routes.hpp lists them). Called once by
// the dev start-up (src/sandbox/dev_server.cpp).
#include <boost/json/serialize.hpp>

#include "common/errors.hpp"
#include "mail/mime/binary.hpp"
#include "mail/mime/parser.hpp"
#include "sandbox/http_api_json.hpp"
#include "sandbox/http_api_routes.hpp"
#include "sandbox/session_json.hpp"

namespace mailroom::sandbox {
namespace {

constexpr std::string_view csp_field = "Content-Security-Policy";

using http::bhttp::status;
using http::bhttp::verb;
using awaitable_response = boost::asio::awaitable<http::response>;
constexpr std::size_t max_facts_text = 64 * 1024;  // text searched per message
constexpr std::string_view token_cookie = "mailroom_dev_token";

// Constant time in the token's length: the token is a secret.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string_view cookie_value(std::string_view cookies, std::string_view name) {
    while (!cookies.empty()) {
        const auto semi = cookies.find(';');
        auto item = cookies.substr(0, semi);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        if (item.size() > name.size() && item.substr(0, name.size()) == name && item[name.size()] == '=')
            return item.substr(name.size() + 1);
        if (semi == std::string_view::npos) break;
        cookies.remove_prefix(semi + 1);
    }
    return {};
}

bool authorised(const dev_api& api, const http::request_context& rc) {
    if (api.ctx.token.empty()) return true;
    const auto auth = rc.req[http::bhttp::field::authorization];
    constexpr std::string_view bearer = "Bearer ";
    if (auth.size() > bearer.size() && auth.substr(0, bearer.size()) == bearer &&
        same_secret(std::string_view(auth.substr(bearer.size())), api.ctx.token))
        return true;
    const auto cookie = cookie_value(rc.req[http::bhttp::field::cookie], token_cookie);
    if (!cookie.empty() && same_secret(cookie, api.ctx.token)) return true;
    const auto* q = rc.query("token");  // the page's first load: "/?token=..."
    return q && rc.target.segments.empty() && same_secret(*q, api.ctx.token);
}

std::optional<message_ref> id_param(const http::request_context& rc) {
    const auto* id = rc.param("id");
    return id ? parse_message_id(*id) : std::nullopt;
}

struct loaded {
    std::string bytes;
    mime::message_structure structure;
};

// The message named by {id}, parsed; or the error answer.
std::variant<loaded, http::response> load(const dev_api& api, const http::request_context& rc) {
    const auto ref = id_param(rc);
    if (!ref) return error_response(rc.req, status::not_found, "no such message id");
    auto bytes = api.mail.read(*ref, api.lim.max_message_bytes);
    if (!bytes) return error_response(rc.req, status::not_found, "no such message");
    auto structure = mime::parse_message(*bytes);
    return loaded{std::move(*bytes), std::move(structure)};
}

// A filename safe inside a quoted Content-Disposition parameter.
std::string safe_filename(std::string_view name) {
    std::string out;
    for (unsigned char c : name)
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/') out.push_back(static_cast<char>(c));
    if (out.empty() || out == "." || out == "..") out = "part";
    if (out.size() > 200) out.resize(200);
    return out;
}

}  // namespace

http::response json_response(const http::request& req, const boost::json::value& v, status st) {
    return http::make_response(req, st, boost::json::serialize(v) + "\n", "application/json");
}

http::response error_response(const http::request& req, status st, std::string_view text) {
    return http::make_response(req, st, error_json(text) + "\n", "application/json");
}

void set_security_headers(http::response& res) {
    if (res.find(csp_field) == res.end()) res.set(csp_field, "default-src 'none'; frame-ancestors 'none'");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "SAMEORIGIN");  // CSP frame-ancestors decides where it matters
    res.set("Referrer-Policy", "no-referrer");
}

void add_route(http::router& r, const std::shared_ptr<dev_api>& api, verb method, std::string_view pattern,
               http::handler h) {
    r.add(method, pattern, [api, h = std::move(h)](http::request_context& rc) -> awaitable_response {
        if (!authorised(*api, rc)) {
            auto res = error_response(rc.req, status::unauthorized, "missing or wrong token");
            res.set(http::bhttp::field::www_authenticate, "Bearer");  // RFC 6750 §3
            set_security_headers(res);
            co_return res;
        }
        auto res = co_await h(rc);
        if (!api->ctx.token.empty() && rc.query("token") && rc.target.segments.empty())
            res.set(http::bhttp::field::set_cookie,
                    std::string(token_cookie) + "=" + api->ctx.token + "; Path=/; HttpOnly; SameSite=Strict");
        set_security_headers(res);
        co_return res;
    });
}

std::optional<message_view> view_message(const dev_api& api, const stored_message& m) {
    auto bytes = api.mail.read(m.ref, api.lim.max_message_bytes);
    if (!bytes) return std::nullopt;
    const auto structure = mime::parse_message(*bytes);
    message_view v{{}, message_facts(*bytes, structure, max_facts_text)};
    v.summary = summary_json(m.ref.id(), m.ref.mailbox, m.size, *bytes, v.facts);
    v.summary["uid"] = m.ref.uid;
    v.summary["received"] = m.received;
    return v;
}

void add_message_routes(http::router& r, const std::shared_ptr<dev_api>& api) {
    add_route(r, api, verb::get, "/api/mailboxes", [api](http::request_context& rc) -> awaitable_response {
        boost::json::array out;
        for (const auto& name : api->mail.mailboxes()) {
            auto list = api->mail.messages(name);
            std::uint64_t size = 0;
            if (list)
                for (const auto& m : *list) size += m.size;
            out.push_back(boost::json::object{{"name", name}, {"messages", list ? list->size() : 0}, {"size", size}});
        }
        co_return json_response(rc.req, boost::json::object{{"mailboxes", std::move(out)}});
    });
    add_route(r, api, verb::delete_, "/api/mailboxes/{mailbox}",
              [api](http::request_context& rc) -> awaitable_response {
                  if (auto ec = api->mail.clear_mailbox(*rc.param("mailbox")))
                      co_return error_response(rc.req,
                                               ec == errc::not_found ? status::not_found
                                                                     : status::internal_server_error,
                                               ec == errc::not_found ? "no such mailbox" : ec.message());
                  co_return http::make_response(rc.req, status::no_content, "");
              });
    add_route(r, api, verb::get, "/api/messages", [api](http::request_context& rc) -> awaitable_response {
        auto parsed = parse_search(rc.target.query, {}, {"mailbox"});
        if (auto* err = std::get_if<search_error>(&parsed))
            co_return error_response(rc.req, status::bad_request, err->message);
        const auto& s = std::get<message_search>(parsed);
        std::vector<stored_message> list;
        if (const auto* mb = rc.query("mailbox")) {
            auto some = api->mail.messages(*mb);
            if (!some) co_return error_response(rc.req, status::bad_request, "bad mailbox name");
            list.assign(some->rbegin(), some->rend());  // newest first
        } else {
            list = api->mail.all_messages();
        }
        boost::json::array out;
        std::size_t total = 0;
        for (const auto& m : list) {
            auto v = view_message(*api, m);
            if (!v || !search_matches(s, v->facts)) continue;
            if (total++ < s.offset || out.size() >= s.limit) continue;
            out.push_back(std::move(v->summary));
        }
        co_return json_response(rc.req, boost::json::object{{"total", total},
                                                            {"offset", s.offset},
                                                            {"limit", s.limit},
                                                            {"messages", std::move(out)}});
    });
    add_route(r, api, verb::get, "/api/messages/{id}", [api](http::request_context& rc) -> awaitable_response {
        auto got = load(*api, rc);
        if (auto* res = std::get_if<http::response>(&got)) co_return std::move(*res);
        auto& m = std::get<loaded>(got);
        const auto ref = *id_param(rc);
        auto detail = detail_json(ref.id(), ref.mailbox, m.bytes, m.structure);
        detail["uid"] = ref.uid;
        co_return json_response(rc.req, detail);
    });
    add_route(r, api, verb::get, "/api/messages/{id}/raw", [api](http::request_context& rc) -> awaitable_response {
        auto got = load(*api, rc);
        if (auto* res = std::get_if<http::response>(&got)) co_return std::move(*res);
        co_return http::make_response(rc.req, status::ok, std::move(std::get<loaded>(got).bytes), "message/rfc822");
    });
    add_route(r, api, verb::get, "/api/messages/{id}/parts/{n}",
              [api](http::request_context& rc) -> awaitable_response {
                  auto got = load(*api, rc);
                  if (auto* res = std::get_if<http::response>(&got)) co_return std::move(*res);
                  auto& m = std::get<loaded>(got);
                  const auto& n = *rc.param("n");
                  std::size_t index = 0;
                  if (n.size() > 6 || n.empty() || n.find_first_not_of("0123456789") != std::string::npos ||
                      (index = std::stoul(n)) == 0)
                      co_return error_response(rc.req, status::not_found, "no such part");
                  const auto* part = leaf_part(m.structure, index);
                  if (!part) co_return error_response(rc.req, status::not_found, "no such part");
                  auto content = mime::decode_binary(m.bytes, *part);
                  if (content.unknown_cte)
                      co_return error_response(rc.req, status::unprocessable_entity,
                                               "unknown Content-Transfer-Encoding");
                  auto res = http::make_response(rc.req, status::ok, std::move(content.bytes),
                                                 part_content_type(*part));
                  auto name = part_filename(*part);
                  res.set(http::bhttp::field::content_disposition,
                          "attachment; filename=\"" + safe_filename(name.empty() ? "part" + n : name) + "\"");
                  res.set(csp_field, "default-src 'none'; sandbox");
                  co_return res;
              });
    add_route(r, api, verb::delete_, "/api/messages/{id}", [api](http::request_context& rc) -> awaitable_response {
        const auto ref = id_param(rc);
        auto gone = ref ? api->mail.remove(*ref) : result<bool>(false);
        if (!gone) co_return error_response(rc.req, status::internal_server_error, gone.error().message());
        if (!*gone) co_return error_response(rc.req, status::not_found, "no such message");
        co_return http::make_response(rc.req, status::no_content, "");
    });
    // The body is the message itself (RFC 5322 bytes, stored as they come);
    // ?to=addr, repeated, names the mailboxes.
    add_route(r, api, verb::post, "/api/messages", [api](http::request_context& rc) -> awaitable_response {
        std::vector<std::string> to;
        for (const auto& q : rc.target.query) {
            if (q.name != "to") co_return error_response(rc.req, status::bad_request, "unknown parameter " + q.name);
            auto lower = mime::ascii_lower(q.value);
            if (!valid_mailbox_name(lower))
                co_return error_response(rc.req, status::bad_request, "bad recipient " + q.value);
            if (std::find(to.begin(), to.end(), lower) == to.end()) to.push_back(std::move(lower));
        }
        if (to.empty()) co_return error_response(rc.req, status::bad_request, "no recipient: give ?to=address");
        if (to.size() > api->lim.max_inject_recipients)
            co_return error_response(rc.req, status::bad_request, "too many recipients");
        if (rc.req.body().empty()) co_return error_response(rc.req, status::bad_request, "empty message");
        if (rc.req.body().size() > api->lim.max_inject_bytes)
            co_return error_response(rc.req, status::payload_too_large, "message too large");
        auto refs = api->mail.inject(to, rc.req.body());
        if (!refs) co_return error_response(rc.req, status::internal_server_error, refs.error().message());
        boost::json::array ids;
        for (const auto& ref : *refs) {
            ids.push_back(boost::json::value(ref.id()));
            api->ctx.messages.publish(captured_message{ref.mailbox, ref.uid, {}, 0});
        }
        co_return json_response(rc.req, boost::json::object{{"ids", std::move(ids)}}, status::created);
    });
}

void add_dev_routes(http::router& r, dev_context& ctx) {
    auto api = std::make_shared<dev_api>(ctx);
    add_message_routes(r, api);
    add_admin_routes(r, api);
    add_live_routes(r, api);
    add_web_routes(r, api);
}

}  // namespace mailroom::sandbox
