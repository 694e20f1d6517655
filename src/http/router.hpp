// http::router: method + path pattern -> handler, for everything the HTTP
// listener serves (/metrics, /healthz; the sandbox's API and page later).
// A pattern is literal segments and "{name}" segments that match any one
// segment ("/api/mailboxes/{mailbox}/messages"); the first route added that
// matches wins. dispatch() answers 400 for a target http::parse_target
// refuses, 404 when no pattern matches, 405 with Allow when only the method
// is wrong, 500 when a handler throws. Built once at start-up, then
// read-only: safe to share between connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/event_stream.hpp"
#include "http/message.hpp"
#include "http/target.hpp"

namespace mailroom::http {

struct request_context {
    const request& req;
    const parsed_target& target;
    std::vector<std::pair<std::string, std::string>> params;  // "{name}" -> its decoded segment
    // Set by a handler that answers with server-sent events: its response
    // is then only the head, and the listener keeps writing this stream.
    std::shared_ptr<event_stream> stream;

    const std::string* param(std::string_view name) const;
    const std::string* query(std::string_view name) const { return find_param(target.query, name); }
};

// May suspend (a long poll); its response is sent as it is.
using handler = std::function<boost::asio::awaitable<response>(request_context&)>;

class router {
public:
    // Throws std::invalid_argument for a pattern that is not "/" followed by
    // segments, a "{}" segment, or a method and pattern added twice.
    void add(bhttp::verb method, std::string_view pattern, handler h);

    enum class outcome { found, bad_target, not_found, method_not_allowed };
    struct match {
        outcome what = outcome::not_found;
        const handler* h = nullptr;
        std::vector<std::pair<std::string, std::string>> params;
        std::string allow;  // for method_not_allowed: "GET, POST"
    };
    match find(bhttp::verb method, const parsed_target& target) const;

    // The whole answer to one request, errors included. A handler's event
    // stream goes to *stream when given (the listener), else it is closed.
    boost::asio::awaitable<response> dispatch(const request& req,
                                              std::shared_ptr<event_stream>* stream = nullptr) const;

private:
    struct segment {
        std::string text;
        bool is_param = false;  // text is the parameter's name
    };
    struct route {
        bhttp::verb method;
        std::string pattern;
        std::vector<segment> segments;
        handler h;
    };
    static bool matches(const route& r, const parsed_target& t, std::vector<std::pair<std::string, std::string>>* out);

    std::vector<route> routes_;
    target_limits limits_;
};

}  // namespace mailroom::http
