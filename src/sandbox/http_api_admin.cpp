// sandbox dev API: sessions (the journal), fault rules (the fault book),
// release of a captured message to a smarthost, and POST /api/reset.
// Registered by add_dev_routes (http_api.cpp).
#include <boost/json/parse.hpp>

#include "sandbox/fault_scenario.hpp"
#include "sandbox/http_api_routes.hpp"
#include "sandbox/session_json.hpp"

namespace mailroom::sandbox {
namespace {

using http::bhttp::status;
using http::bhttp::verb;
using awaitable_response = boost::asio::awaitable<http::response>;
constexpr std::size_t max_json_body = 64 * 1024;

std::optional<std::uint64_t> number_param(const std::string* text) {
    if (!text || text->empty() || text->size() > 19 || text->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoull(*text);
}

// The request body as a JSON value, or the 400 answer.
std::variant<boost::json::value, http::response> json_body(const http::request_context& rc) {
    if (rc.req.body().size() > max_json_body)
        return error_response(rc.req, status::payload_too_large, "body too large");
    boost::system::error_code ec;
    auto v = boost::json::parse(rc.req.body(), ec);
    if (ec) return error_response(rc.req, status::bad_request, "body is not JSON: " + ec.message());
    return v;
}

}  // namespace

void add_admin_routes(http::router& r, const std::shared_ptr<dev_api>& api) {
    add_route(r, api, verb::get, "/api/sessions", [api](http::request_context& rc) -> awaitable_response {
        boost::json::array out;
        for (const auto& s : api->ctx.journal.list()) out.push_back(to_json(s, false));
        co_return json_response(rc.req, boost::json::object{{"sessions", std::move(out)}});
    });
    add_route(r, api, verb::get, "/api/sessions/{id}", [api](http::request_context& rc) -> awaitable_response {
        const auto id = number_param(rc.param("id"));
        auto s = id ? api->ctx.journal.get(*id) : std::nullopt;
        if (!s) co_return error_response(rc.req, status::not_found, "no such session");
        co_return json_response(rc.req, to_json(*s, true));
    });

    add_route(r, api, verb::get, "/api/faults", [api](http::request_context& rc) -> awaitable_response {
        boost::json::array out;
        for (const auto& f : api->ctx.faults.list()) out.push_back(to_json(f));
        co_return json_response(rc.req,
                                boost::json::object{{"seed", api->ctx.faults.seed()}, {"faults", std::move(out)}});
    });
    add_route(r, api, verb::post, "/api/faults", [api](http::request_context& rc) -> awaitable_response {
        auto body = json_body(rc);
        if (auto* res = std::get_if<http::response>(&body)) co_return std::move(*res);
        auto rule = fault_rule_from_json(std::get<boost::json::value>(body));
        if (auto* err = std::get_if<std::string>(&rule)) co_return error_response(rc.req, status::bad_request, *err);
        auto& f = std::get<fault_rule>(rule);
        f.id = api->ctx.faults.add(f);
        co_return json_response(rc.req, to_json(f), status::created);
    });
    add_route(r, api, verb::delete_, "/api/faults", [api](http::request_context& rc) -> awaitable_response {
        api->ctx.faults.clear();
        co_return http::make_response(rc.req, status::no_content, "");
    });
    add_route(r, api, verb::delete_, "/api/faults/{id}", [api](http::request_context& rc) -> awaitable_response {
        const auto id = number_param(rc.param("id"));
        if (!id || !api->ctx.faults.remove(*id))
            co_return error_response(rc.req, status::not_found, "no such fault rule");
        co_return http::make_response(rc.req, status::no_content, "");
    });
    // {"seed": N}: a new seed, every counter restarted (a replay).
    add_route(r, api, verb::post, "/api/faults/seed", [api](http::request_context& rc) -> awaitable_response {
        auto body = json_body(rc);
        if (auto* res = std::get_if<http::response>(&body)) co_return std::move(*res);
        const auto& v = std::get<boost::json::value>(body);
        const auto* obj = v.if_object();
        const auto* seed = obj ? obj->if_contains("seed") : nullptr;
        if (!seed || !(seed->is_uint64() || (seed->is_int64() && seed->as_int64() >= 0)))
            co_return error_response(rc.req, status::bad_request, "give {\"seed\": a number >= 0}");
        api->ctx.faults.reseed(seed->is_uint64() ? seed->as_uint64() : static_cast<std::uint64_t>(seed->as_int64()));
        co_return json_response(rc.req, boost::json::object{{"seed", api->ctx.faults.seed()}});
    });

    // {"smarthost": "host:port"}
    add_route(r, api, verb::post, "/api/messages/{id}/release", [api](http::request_context& rc) -> awaitable_response {
        if (!api->ctx.release)
            co_return error_response(rc.req, status::not_implemented, "release is not available in this sandbox");
        const auto ref = parse_message_id(*rc.param("id"));
        if (!ref || !api->mail.find(*ref)) co_return error_response(rc.req, status::not_found, "no such message");
        auto body = json_body(rc);
        if (auto* res = std::get_if<http::response>(&body)) co_return std::move(*res);
        const auto* obj = std::get<boost::json::value>(body).if_object();
        const auto* host = obj ? obj->if_contains("smarthost") : nullptr;
        if (!host || !host->is_string() || host->as_string().empty() || host->as_string().size() > 300)
            co_return error_response(rc.req, status::bad_request, "give {\"smarthost\": \"host:port\"}");
        auto bytes = api->mail.read(*ref, api->lim.max_message_bytes);
        if (!bytes) co_return error_response(rc.req, status::not_found, "no such message");
        // release() takes a file: hand it a copy in the data dir, removed after.
        const auto file = api->ctx.data_dir / ("release-" + std::to_string(ref->uid) + ".eml");
        {
            std::FILE* out = std::fopen(file.c_str(), "wb");
            if (!out) co_return error_response(rc.req, status::internal_server_error, "cannot stage the message");
            const bool ok = std::fwrite(bytes->data(), 1, bytes->size(), out) == bytes->size();
            if (std::fclose(out) != 0 || !ok)
                co_return error_response(rc.req, status::internal_server_error, "cannot stage the message");
        }
        const auto err = api->ctx.release(file, std::string(host->as_string()));
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        if (!err.empty()) co_return error_response(rc.req, status::bad_gateway, err);
        co_return json_response(rc.req, boost::json::object{{"released", ref->id()}, {"smarthost", host->as_string()}});
    });

    // Everything: every message (UIDs are not reused) and every ended session.
    add_route(r, api, verb::post, "/api/reset", [api](http::request_context& rc) -> awaitable_response {
        if (auto ec = api->mail.clear_all())
            co_return error_response(rc.req, status::internal_server_error, ec.message());
        api->ctx.journal.clear();
        co_return http::make_response(rc.req, status::no_content, "");
    });
}

}  // namespace mailroom::sandbox
