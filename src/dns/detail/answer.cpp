#include "dns/detail/answer.hpp"

#include <cstddef>
#include <span>

#include "dns/errors.hpp"

namespace mailroom::dns::detail {
namespace {

// RFC 1035 §4.1.1: rcode 3 is "Name Error", i.e. NXDOMAIN.
constexpr int rcode_name_error = 3;

std::error_code outcome(int err, const ub_result* r) {
    if (err == UB_SERVFAIL) return make_error_code(errc::server_failure);
    if (err != 0 || r == nullptr) return make_error_code(errc::resolver_failure);
    if (r->nxdomain || r->rcode == rcode_name_error) return make_error_code(errc::no_such_domain);
    if (r->rcode != 0) return make_error_code(errc::server_failure);
    if (!r->havedata || r->data == nullptr || r->data[0] == nullptr) return make_error_code(errc::no_data);
    return {};
}

template <class T, class Parse>
result<std::vector<T>> parse_items(int err, const ub_result* r, Parse parse) {
    if (auto ec = outcome(err, r)) return ec;
    std::vector<T> out;
    for (std::size_t i = 0; r->data[i] != nullptr; ++i) {
        if (r->len == nullptr || r->len[i] < 0) return make_error_code(errc::malformed_answer);
        std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(r->data[i]),
                                            static_cast<std::size_t>(r->len[i]));
        if (auto item = parse(bytes)) out.push_back(std::move(*item));
    }
    if (out.empty()) return make_error_code(errc::malformed_answer);
    return out;
}

}  // namespace

result<std::vector<mx_record>> mx_answer(int err, const ub_result* r) {
    return parse_items<mx_record>(err, r, parse_mx_rdata);
}

result<std::vector<boost::asio::ip::address_v4>> a_answer(int err, const ub_result* r) {
    return parse_items<boost::asio::ip::address_v4>(err, r, parse_a_rdata);
}

result<std::vector<boost::asio::ip::address_v6>> aaaa_answer(int err, const ub_result* r) {
    return parse_items<boost::asio::ip::address_v6>(err, r, parse_aaaa_rdata);
}

}  // namespace mailroom::dns::detail
