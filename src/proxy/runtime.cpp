#include "proxy/runtime.hpp"

#include <stdexcept>

namespace mailroom::proxy {

namespace asio = boost::asio;

std::unique_ptr<asio::ssl::context> make_upstream_tls(const config::proxy_entry& entry) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (!entry.ca_file.empty()) {
        ctx->load_verify_file(entry.ca_file.string(), ec);
        if (ec) throw std::runtime_error("cannot load the CA file " + entry.ca_file.string() + ": " + ec.message());
    } else if (entry.verify_certificate) {
        ctx->set_default_verify_paths(ec);
        if (ec) throw std::runtime_error("cannot load the system's CA certificates: " + ec.message());
    }
    return ctx;
}

}  // namespace mailroom::proxy
