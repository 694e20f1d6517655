#include "store/message_reader.hpp"

#include <cstring>

#include "store/mail_store.hpp"

namespace mailroom::store {

result<std::size_t> range_reader::read(std::span<char> into) {
    auto bytes = box_.read(uid_, offset_, into.size());
    if (!bytes) return bytes.error();
    const std::size_t n = std::min(bytes->size(), into.size());
    std::memcpy(into.data(), bytes->data(), n);
    offset_ += n;
    return n;
}

result<std::unique_ptr<message_reader>> mailbox::open_message(std::uint32_t uid, read_mode mode) {
    if (mode == read_mode::cached_only) return std::make_error_code(std::errc::operation_would_block);
    return std::unique_ptr<message_reader>(std::make_unique<range_reader>(*this, uid));
}

}  // namespace mailroom::store
