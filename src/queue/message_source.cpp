#include "queue/message_source.hpp"

namespace mailroom::queue {

std::error_code memory_source::copy_to(const sink& to) const {
    if (bytes_.empty()) return {};
    return to(bytes_);
}

std::error_code prefixed_source::copy_to(const sink& to) const {
    if (!head_.empty())
        if (auto ec = to(head_)) return ec;
    return rest_.copy_to(to);
}

result<std::string> read_head(const message_source& src, std::size_t max_bytes) {
    std::string out;
    // Stops the copy once enough is read; not an error here.
    const auto enough = std::make_error_code(std::errc::operation_canceled);
    auto ec = src.copy_to([&](std::string_view piece) {
        out.append(piece.substr(0, max_bytes - out.size()));
        return out.size() >= max_bytes ? enough : std::error_code{};
    });
    if (ec && ec != enough) return ec;
    return out;
}

}  // namespace mailroom::queue
