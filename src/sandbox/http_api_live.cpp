// sandbox dev API, live: GET /api/wait (a long poll: the newest message
// matching a search, or the first to arrive, or 408 after the timeout) and
// GET /api/events (server-sent events: message, session_started,
// session_ended). Both hear of new mail through dev_context.messages.
// Registered by add_dev_routes (http_api.cpp).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <deque>

#include "sandbox/http_api_routes.hpp"
#include "sandbox/session_json.hpp"

namespace mailroom::sandbox {
namespace {

namespace asio = boost::asio;
using http::bhttp::status;
using http::bhttp::verb;
using awaitable_response = asio::awaitable<http::response>;

// Messages published while a long poll waits; the timer is its wake-up.
struct waiter {
    explicit waiter(const asio::any_io_executor& e) : ex(e), timer(e) {}
    asio::any_io_executor ex;
    asio::steady_timer timer;  // executor only
    std::mutex mu;
    std::deque<captured_message> arrived;
};

// The stored message an event names (uid 0: the mailbox's newest).
std::optional<stored_message> resolve(const dev_api& api, const captured_message& m) {
    if (m.uid != 0) return api.mail.find({m.mailbox, m.uid});
    auto list = api.mail.messages(m.mailbox);
    if (!list || list->empty()) return std::nullopt;
    return list->back();
}

std::optional<unsigned> seconds_param(const std::string* text, unsigned max) {
    if (!text || text->empty() || text->size() > 3 || text->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const auto n = static_cast<unsigned>(std::stoul(*text));
    return n <= max ? std::optional<unsigned>(n) : std::nullopt;
}

}  // namespace

void add_live_routes(http::router& r, const std::shared_ptr<dev_api>& api) {
    add_route(r, api, verb::get, "/api/wait", [api](http::request_context& rc) -> awaitable_response {
        auto parsed = parse_search(rc.target.query, {}, {"mailbox", "timeout"});
        if (auto* err = std::get_if<search_error>(&parsed))
            co_return error_response(rc.req, status::bad_request, err->message);
        const auto& s = std::get<message_search>(parsed);
        auto timeout = api->lim.default_wait;
        if (const auto* t = rc.query("timeout")) {
            const auto n = seconds_param(t, static_cast<unsigned>(api->lim.max_wait.count()));
            if (!n)
                co_return error_response(rc.req, status::bad_request,
                                         "timeout: seconds, 0 to " + std::to_string(api->lim.max_wait.count()));
            timeout = std::chrono::seconds(*n);
        }
        const auto* mailbox = rc.query("mailbox");
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
        // Subscribed before the existing mail is searched: nothing falls between.
        const auto token = api->ctx.messages.subscribe([w](const captured_message& m) {
            {
                std::lock_guard lock(w->mu);
                w->arrived.push_back(m);
            }
            asio::post(w->ex, [w] { w->timer.cancel(); });
        });
        struct unsubscribe {
            event_hub<captured_message>& hub;
            std::uint64_t token;
            ~unsubscribe() { hub.unsubscribe(token); }
        } guard{api->ctx.messages, token};

        auto found = [&](const stored_message& m) -> std::optional<boost::json::object> {
            if (mailbox && m.ref.mailbox != *mailbox) return std::nullopt;
            auto v = view_message(*api, m);
            if (!v || !search_matches(s, v->facts)) return std::nullopt;
            return std::move(v->summary);
        };
        const auto existing = mailbox ? api->mail.messages(*mailbox)
                                      : result<std::vector<stored_message>>(api->mail.all_messages());
        if (!existing) co_return error_response(rc.req, status::bad_request, "bad mailbox name");
        if (mailbox) {
            for (auto it = existing->rbegin(); it != existing->rend(); ++it)
                if (auto hit = found(*it)) co_return json_response(rc.req, *hit);
        } else {
            for (const auto& m : *existing)
                if (auto hit = found(m)) co_return json_response(rc.req, *hit);
        }
        for (;;) {
            std::deque<captured_message> batch;
            {
                std::lock_guard lock(w->mu);
                batch.swap(w->arrived);
            }
            for (const auto& c : batch)
                if (auto m = resolve(*api, c))
                    if (auto hit = found(*m)) co_return json_response(rc.req, *hit);
            if (std::chrono::steady_clock::now() >= deadline) break;
            w->timer.expires_at(deadline);
            co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        co_return error_response(rc.req, status::request_timeout, "no matching message arrived in time");
    });

    add_route(r, api, verb::get, "/api/events", [api](http::request_context& rc) -> awaitable_response {
        auto events = std::make_shared<http::event_stream>(co_await asio::this_coro::executor);
        std::weak_ptr<http::event_stream> weak = events;
        const auto on_message = api->ctx.messages.subscribe([weak](const captured_message& m) {
            if (auto s = weak.lock()) {
                auto j = to_json(m).as_object();
                j["id"] = message_ref{m.mailbox, m.uid}.id();
                j.erase("file");  // a server path: not the client's business
                s->send("message", boost::json::serialize(j));
            }
        });
        const auto on_session = api->ctx.journal.events().subscribe([weak](const session_event& e) {
            if (auto s = weak.lock())
                s->send(e.what == session_event::kind::started ? "session_started" : "session_ended",
                        boost::json::serialize(to_json(e.session, false)));
        });
        events->on_end([api, on_message, on_session] {
            api->ctx.messages.unsubscribe(on_message);
            api->ctx.journal.events().unsubscribe(on_session);
        });
        events->send("ready", "{}");
        rc.stream = events;
        auto res = http::make_response(rc.req, status::ok, "", "text/event-stream");
        co_return res;
    });
}

}  // namespace mailroom::sandbox
