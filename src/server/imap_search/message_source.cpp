// imap_search::store_source: header and message reads by range through the
// store, the MIME structure parsed once and kept as a cached blob.
#include "server/imap_search/message_source.hpp"

#include "mail/mime/parser.hpp"
#include "mail/mime/serialize.hpp"

namespace mailroom::imap_search {
namespace {
constexpr std::size_t header_chunk = 16 * 1024;
constexpr std::size_t max_header_bytes = 1 << 20;               // a longer header is searched up to here
constexpr std::string_view structure_key = "mime.structure.1";  // the key and format FETCH (imap_fetch.cpp) uses
}  // namespace

std::string_view header_block(std::string_view stored) {
    if (stored.starts_with("\n")) return stored.substr(0, 1);
    if (stored.starts_with("\r\n")) return stored.substr(0, 2);
    for (std::size_t at = 0;;) {
        const auto nl = stored.find('\n', at);
        if (nl == std::string_view::npos) return stored;
        const auto next = nl + 1;
        if (next < stored.size() && stored[next] == '\n') return stored.substr(0, next + 1);
        if (next + 1 < stored.size() && stored[next] == '\r' && stored[next + 1] == '\n')
            return stored.substr(0, next + 2);
        at = next;
    }
}

result<std::string> store_source::header(std::uint32_t uid) {
    std::string bytes;
    while (bytes.size() < max_header_bytes) {
        auto chunk = box_.read(uid, bytes.size(), header_chunk);
        if (!chunk) return chunk.error();
        const bool last = chunk->size() < header_chunk;
        bytes += *chunk;
        // Look again from a little before the new chunk: the blank line may straddle.
        const auto block = header_block(bytes);
        if (block.size() < bytes.size() || last) return std::string(block);
    }
    return bytes;
}

result<std::string> store_source::message(std::uint32_t uid) { return box_.read(uid, 0, max_); }

mime::message_structure store_source::structure(std::uint32_t uid, const std::string& bytes) {
    if (auto blob = box_.cached_blob(uid, structure_key); blob && *blob)
        if (auto s = mime::deserialize(**blob)) return std::move(*s);
    auto s = mime::parse_message(bytes);
    auto blob = mime::serialize(s);
    if (blob.size() <= store::mailbox::max_cached_blob_bytes) (void)box_.cache_blob(uid, structure_key, blob);
    return s;
}

}  // namespace mailroom::imap_search
