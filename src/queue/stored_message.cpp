#include "queue/stored_message.hpp"

#include <algorithm>

#include "common/errors.hpp"

namespace mailroom::queue {

std::error_code stored_message::copy_to(const sink& to) const {
    std::uint64_t done = 0;
    while (done < size_) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, size_ - done));
        auto piece = fs_->read_range(file_, done, want);
        if (!piece) return piece.error();
        if (piece->empty()) return make_error_code(errc::corrupt_data);
        done += piece->size();
        if (auto ec = to(*piece)) return ec;
    }
    return {};
}

}  // namespace mailroom::queue
