#include "http/router.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/log_field.hpp"

namespace mailroom::http {

response make_response(const request& req, bhttp::status status, std::string body, std::string_view content_type) {
    response res(status, req.version());
    res.set(bhttp::field::server, "mailroom");
    res.set(bhttp::field::content_type, content_type);
    res.set(bhttp::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

const std::string* request_context::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return &v;
    return nullptr;
}

void router::add(bhttp::verb method, std::string_view pattern, handler h) {
    auto parsed = parse_target(pattern);
    if (!parsed || !parsed->query.empty()) throw std::invalid_argument("bad route pattern " + std::string(pattern));
    route r{method, std::string(pattern), {}, std::move(h)};
    for (auto& s : parsed->segments) {
        const bool param = s.size() >= 2 && s.front() == '{' && s.back() == '}';
        if (param && s.size() == 2) throw std::invalid_argument("unnamed parameter in route " + std::string(pattern));
        r.segments.push_back({param ? s.substr(1, s.size() - 2) : std::move(s), param});
    }
    for (const auto& other : routes_)
        if (other.method == method && other.pattern == r.pattern)
            throw std::invalid_argument("route added twice: " + std::string(pattern));
    routes_.push_back(std::move(r));
}

bool router::matches(const route& r, const parsed_target& t, std::vector<std::pair<std::string, std::string>>* out) {
    if (r.segments.size() != t.segments.size()) return false;
    for (std::size_t i = 0; i < r.segments.size(); ++i)
        if (!r.segments[i].is_param && r.segments[i].text != t.segments[i]) return false;
    if (out)
        for (std::size_t i = 0; i < r.segments.size(); ++i)
            if (r.segments[i].is_param) out->emplace_back(r.segments[i].text, t.segments[i]);
    return true;
}

router::match router::find(bhttp::verb method, const parsed_target& target) const {
    match m;
    for (const auto& r : routes_) {
        if (!matches(r, target, nullptr)) continue;
        if (r.method == method) {
            m.what = outcome::found;
            m.h = &r.h;
            m.allow.clear();
            matches(r, target, &m.params);
            return m;
        }
        m.what = outcome::method_not_allowed;
        const auto name = std::string(bhttp::to_string(r.method));
        if (m.allow.find(name) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + name;
    }
    return m;
}

boost::asio::awaitable<response> router::dispatch(const request& req, std::shared_ptr<event_stream>* stream) const {
    const auto target = parse_target(std::string_view(req.target().data(), req.target().size()), limits_);
    if (!target) co_return make_response(req, bhttp::status::bad_request, "bad request target\n");
    auto m = find(req.method(), *target);
    if (m.what == outcome::not_found) co_return make_response(req, bhttp::status::not_found, "not found\n");
    if (m.what == outcome::method_not_allowed) {
        auto res = make_response(req, bhttp::status::method_not_allowed, "method not allowed\n");
        res.set(bhttp::field::allow, m.allow);  // RFC 9110 §15.5.6: 405 carries Allow
        co_return res;
    }
    request_context ctx{req, *target, std::move(m.params), nullptr};
    try {
        auto res = co_await (*m.h)(ctx);
        if (ctx.stream && stream) *stream = std::move(ctx.stream);
        else if (ctx.stream) ctx.stream->close();
        co_return res;
    } catch (const std::exception& e) {
        spdlog::error("http handler failed target={} error=\"{}\"", log_field(std::string_view(req.target())),
                      e.what());
    }
    co_return make_response(req, bhttp::status::internal_server_error, "internal error\n");
}

}  // namespace mailroom::http
