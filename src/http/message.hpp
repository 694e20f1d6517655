// http::message: the request and response types of the HTTP listener
// (Beast's, string bodies: every request is read whole within the body
// limit) and the helper that makes a plain answer. Used by the router, the
// listener and every handler (ops_handlers, later the sandbox API).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>

namespace mailroom::http {

namespace bhttp = boost::beast::http;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

// An answer to `req` (its HTTP version and keep-alive) with this status,
// body and Content-Type; Content-Length set.
response make_response(const request& req, bhttp::status status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace mailroom::http
