// dns::resolver: asynchronous DNS lookups (MX, A, AAAA) through libunbound,
// completed as Asio awaitables on the io_context that owns the resolver.
// It asks and parses; deciding where mail goes is mx_plan / address_plan.
// Single-threaded: use it from its executor only. src/delivery/ calls it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "dns/address_plan.hpp"
#include "dns/detail/unbound_handles.hpp"
#include "dns/rdata.hpp"

namespace mailroom::dns {

struct resolver_options {
    // An IP address ("127.0.0.1", "::1") to send every query to, e.g. a
    // local dnsmasq in tests or a site cache; empty: /etc/resolv.conf.
    std::string forwarder_address;
    std::uint16_t forwarder_port = 53;
    // Special-use zones (RFC 6761: "test", "invalid", ...) that libunbound
    // answers itself with NXDOMAIN; listed here they become "transparent"
    // local zones and are asked upstream. Tests serve "test" from dnsmasq;
    // production leaves this empty.
    std::vector<std::string> forwarded_special_zones;
    // Each lookup gives up after this long with errc::timed_out (temporary).
    std::chrono::milliseconds lookup_timeout{std::chrono::seconds(30)};
};

class resolver {
public:
    // Throws std::runtime_error (startup only) when libunbound refuses the
    // options, e.g. a forwarder that is not an IP address.
    resolver(boost::asio::any_io_executor executor, const resolver_options& options);
    ~resolver();
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    // Records of `name` (CNAMEs are followed by libunbound), or a dns::errc:
    // no_data, no_such_domain, server_failure, timed_out, malformed_answer,
    // invalid_name (checked before anything is sent), resolver_failure.
    boost::asio::awaitable<result<std::vector<mx_record>>> lookup_mx(std::string name);
    boost::asio::awaitable<v4_answer> lookup_a(std::string name);
    boost::asio::awaitable<v6_answer> lookup_aaaa(std::string name);

    // A and AAAA asked at once (only the families the policy wants), merged
    // and ordered by plan_addresses().
    boost::asio::awaitable<result<std::vector<boost::asio::ip::address>>> lookup_addresses(std::string name,
                                                                                           address_policy policy);

    // Lookups started and not yet answered or timed out (for tests, metrics).
    std::size_t lookups_in_flight() const noexcept { return active_; }

private:
    struct pending;
    static void on_answer(void* data, int err, ub_result* answer);
    static boost::asio::awaitable<std::error_code> finish(std::shared_ptr<pending> p);

    std::shared_ptr<pending> start(const std::string& name, int rr_type);
    void deliver(pending& p, int err, ub_result* answer);
    void abandon(pending& p);
    void watch();

    boost::asio::any_io_executor executor_;
    std::chrono::milliseconds timeout_;
    detail::unique_ub_ctx ctx_;
    // ub_fd() belongs to the context: released, never closed, by us.
    boost::asio::posix::stream_descriptor fd_;
    std::unordered_map<pending*, std::shared_ptr<pending>> in_flight_;
    std::size_t active_ = 0;  // in_flight_ minus those abandoned after a timeout
    bool watching_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mailroom::dns
