// Parsers for the record data mail routing reads: MX (RFC 1035 §3.3.9),
// A (§3.4.1) and AAAA (RFC 3596 §2.2). Input is one record's RDATA exactly
// as libunbound hands it over (network order, names uncompressed); every
// length is checked, nothing is trusted. Pure, fuzzed (fuzz/dns_mx_rdata_fuzz).
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <cstdint>
#include <span>
#include <string>

#include "common/result.hpp"

namespace mailroom::dns {

struct mx_record {
    std::uint16_t preference = 0;
    std::string exchange;  // canonical host name; "" is the root (null MX, RFC 7505)

    friend bool operator==(const mx_record&, const mx_record&) = default;
};

// 2-octet preference, then a wire-format name that must end exactly at the
// end of the data. Errors as parse_wire_name, plus malformed_answer for data
// shorter than 3 octets or with bytes after the name.
result<mx_record> parse_mx_rdata(std::span<const std::uint8_t> rdata);

// Exactly 4 (A) or 16 (AAAA) octets, else malformed_answer.
result<boost::asio::ip::address_v4> parse_a_rdata(std::span<const std::uint8_t> rdata);
result<boost::asio::ip::address_v6> parse_aaaa_rdata(std::span<const std::uint8_t> rdata);

}  // namespace mailroom::dns
