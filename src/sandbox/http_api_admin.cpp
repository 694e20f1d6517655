// sandbox dev API: sessions (the journal), fault rules (the fault book),
// release of a captured message to a smarthost, and POST /api/reset.
// Registered by add_dev_routes (http_api.cpp).
#include <boost/json/parse.hpp>

#include "proto/smtp/address.hpp"
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

constexpr std::size_t max_release_recipients = 100;  // RFC 5321 §4.5.3.1.8: at least 100 must be accepted

// An envelope address as MAIL FROM / RCPT TO would take it (RFC 5321
// §4.1.2, SMTPUTF8 allowed); the null sender only where allow_null.
bool valid_address(std::string_view a, bool allow_null) {
    if (a.size() > 254) return false;
    const auto parsed = smtp::parse_path("<" + std::string(a) + ">", allow_null, true);
    return !parsed.error && parsed.rest.empty();
}

// The release body's "to" and "from" into request; "" or what is wrong.
std::string parse_release_body(const boost::json::value& v, release_request& request) {
    const auto* obj = v.if_object();
    if (!obj) return "give a JSON object: {\"to\": [addresses], \"from\": address}, both optional";
    for (const auto& [key, value] : *obj) {
        if (key == "smarthost")
            return "the smarthost is configured ([delivery.smarthost] in the --config file), not named per request";
        if (key == "to") {
            const auto* list = value.if_array();
            if (!list || list->empty() || list->size() > max_release_recipients)
                return "\"to\" must be a list of 1 to 100 addresses";
            for (const auto& a : *list) {
                if (!a.is_string() || !valid_address(a.as_string(), false))
                    return "\"to\" holds an address that is not a valid RCPT TO path";
                request.recipients.emplace_back(a.as_string());
            }
        } else if (key == "from") {
            if (!value.is_string() || !valid_address(value.as_string(), true))
                return "\"from\" must be an address (\"\" for the null sender)";
            request.sender = std::string(value.as_string());
        } else {
            return "unknown key \"" + std::string(key) + "\": give \"to\" and \"from\"";
        }
    }
    return "";
}

// SMTP content (RFC 5321 §4.1.1.4): CRLF lines, the last one ended too.
std::string crlf_lines(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32 + 2);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
        out += in[i];
    }
    if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
    return out;
}

bool write_file(const std::filesystem::path& file, std::string_view bytes) {
    std::FILE* out = std::fopen(file.c_str(), "wb");
    if (!out) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
    return std::fclose(out) == 0 && ok;
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

    // {"to": [addresses], "from": address}, both optional: by default the
    // mailbox it was captured in, from the message's Return-Path. The
    // smarthost is the configured one ([delivery.smarthost]), never named by
    // the request: the API must not become a relay to anywhere.
    add_route(r, api, verb::post, "/api/messages/{id}/release", [api](http::request_context& rc) -> awaitable_response {
        if (!api->ctx.release)
            co_return error_response(rc.req, status::not_implemented,
                                     "no smarthost is configured: add [delivery.smarthost] to the --config file");
        const auto ref = parse_message_id(*rc.param("id"));
        if (!ref || !api->mail.find(*ref)) co_return error_response(rc.req, status::not_found, "no such message");
        release_request request;
        if (!rc.req.body().empty()) {
            auto body = json_body(rc);
            if (auto* res = std::get_if<http::response>(&body)) co_return std::move(*res);
            auto parsed = parse_release_body(std::get<boost::json::value>(body), request);
            if (!parsed.empty()) co_return error_response(rc.req, status::bad_request, parsed);
        }
        if (request.recipients.empty()) request.recipients.push_back(ref->mailbox);
        auto bytes = api->mail.read(*ref, api->lim.max_message_bytes);
        if (!bytes) co_return error_response(rc.req, status::not_found, "no such message");
        // The release reads a file while it sends: a copy in the data dir,
        // so a DELE or expunge meanwhile cannot change it; removed after.
        // Maildir keeps LF line ends; the release sends the copy as it is.
        request.file = api->ctx.data_dir / ("release-" + std::to_string(++api->releases) + ".eml");
        if (!write_file(request.file, crlf_lines(*bytes)))
            co_return error_response(rc.req, status::internal_server_error, "cannot stage the message");
        bytes->clear();
        const auto file = request.file;
        auto outcome = co_await api->ctx.release(std::move(request));
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        boost::json::array rcpts;
        for (const auto& o : outcome.recipients)
            rcpts.push_back(boost::json::object{{"address", o.address}, {"status", o.status}, {"reply", o.reply}});
        boost::json::object out{{"released", ref->id()},
                                {"smarthost", outcome.smarthost},
                                {"peer", outcome.peer},
                                {"tls", outcome.tls},
                                {"recipients", std::move(rcpts)}};
        if (!outcome.error.empty()) {
            out["error"] = outcome.error;
            co_return json_response(rc.req, out, status::bad_gateway);
        }
        co_return json_response(rc.req, out);
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
