#include "dns/rdata.hpp"

#include <algorithm>

#include "dns/errors.hpp"
#include "dns/host_name.hpp"

namespace mailroom::dns {

result<mx_record> parse_mx_rdata(std::span<const std::uint8_t> rdata) {
    if (rdata.size() < 3) return make_error_code(errc::malformed_answer);
    const auto preference = static_cast<std::uint16_t>((rdata[0] << 8) | rdata[1]);
    auto name = parse_wire_name(rdata.subspan(2));
    if (!name) return name.error();
    if (2 + name->consumed != rdata.size()) return make_error_code(errc::malformed_answer);
    return mx_record{preference, std::move(name->text)};
}

result<boost::asio::ip::address_v4> parse_a_rdata(std::span<const std::uint8_t> rdata) {
    boost::asio::ip::address_v4::bytes_type bytes;
    if (rdata.size() != bytes.size()) return make_error_code(errc::malformed_answer);
    std::copy(rdata.begin(), rdata.end(), bytes.begin());
    return boost::asio::ip::address_v4(bytes);
}

result<boost::asio::ip::address_v6> parse_aaaa_rdata(std::span<const std::uint8_t> rdata) {
    boost::asio::ip::address_v6::bytes_type bytes;
    if (rdata.size() != bytes.size()) return make_error_code(errc::malformed_answer);
    std::copy(rdata.begin(), rdata.end(), bytes.begin());
    return boost::asio::ip::address_v6(bytes);
}

}  // namespace mailroom::dns
