#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "dns"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::ok: return "success";
            case errc::no_such_domain: return "no such domain (NXDOMAIN)";
            case errc::no_data: return "no records of the requested type";
            case errc::server_failure: return "DNS server failure";
            case errc::timed_out: return "DNS lookup timed out";
            case errc::malformed_answer: return "malformed DNS answer";
            case errc::invalid_name: return "not a valid host name";
            case errc::resolver_failure: return "local resolver failure";
        }
        return "unknown dns error";
    }
};

}  // namespace

const std::error_category& dns_category() noexcept {
    static const category instance;
    return instance;
}

bool is_permanent(const std::error_code& ec) noexcept { return ec == errc::no_such_domain || ec == errc::invalid_name; }

}  // namespace mailroom::dns
