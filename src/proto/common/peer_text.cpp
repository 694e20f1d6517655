#include "proto/common/peer_text.hpp"

namespace mailroom::proto {

std::string peer_text(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) c = '?';
    }
    return out;
}

}  // namespace mailroom::proto
