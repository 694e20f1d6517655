#include "client/client_tls.hpp"

#include <stdexcept>

namespace mailroom::client {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_context(const tls_client_settings& s) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (!s.ca_file.empty()) {
        ctx->load_verify_file(s.ca_file, ec);
        if (ec) throw std::runtime_error("cannot load the CA file " + s.ca_file + ": " + ec.message());
    } else if (s.verify) {
        ctx->set_default_verify_paths(ec);
        if (ec) throw std::runtime_error("cannot load the system's CA certificates: " + ec.message());
    }
    return ctx;
}

}  // namespace mailroom::client
