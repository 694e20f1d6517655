// sandbox::smarthost_release: the one way mail leaves `mailroom dev` - a
// captured message sent on, when asked (POST /api/messages/{id}/release),
// to the smarthost of the dev configuration ([delivery.smarthost] in
// --config FILE), through delivery::transfer as the queue's deliveries
// are. The Return-Path the catch-all wrote is the envelope sender and is
// not sent on (RFC 5321 §4.4: it is added at final delivery only).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "config/settings.hpp"
#include "delivery/router.hpp"
#include "delivery/transfer.hpp"
#include "dns/resolver.hpp"
#include "sandbox/dev_context.hpp"

namespace mailroom::sandbox {

// The leading "Return-Path:" header of a stored message (RFC 5322 §3.6.7,
// folded lines included): the address inside <> and how many octets the
// header takes. No such header: sender absent, header_bytes 0.
struct return_path {
    std::optional<std::string> sender;
    std::size_t header_bytes = 0;
};
return_path parse_return_path(std::string_view head);
inline constexpr std::size_t return_path_scan_bytes = 4096;  // of the file, read to find it

class smarthost_release {
public:
    // nullptr when cfg has no [delivery.smarthost]. Throws
    // std::runtime_error for a smarthost ca_file that cannot be loaded.
    static std::unique_ptr<smarthost_release> create(boost::asio::any_io_executor ex, const config::settings& cfg,
                                                     boost::asio::thread_pool& storage, random_source& rnd);

    const std::string& where() const noexcept { return where_; }  // "host:port"

    // Never throws for network or peer errors: they are in the outcome.
    boost::asio::awaitable<release_outcome> send(release_request request);

    smarthost_release(boost::asio::any_io_executor ex, const config::settings& cfg, boost::asio::thread_pool& storage,
                      random_source& rnd);

private:
    delivery::routing_config routing_;  // the smarthost alone
    std::string where_;                 // "host:port"
    std::unique_ptr<dns::resolver> resolver_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    delivery::transfer_options options_;
    boost::asio::thread_pool& storage_;
    random_source& rnd_;
};

}  // namespace mailroom::sandbox
