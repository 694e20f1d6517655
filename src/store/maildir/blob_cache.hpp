// store::maildir::blob_cache: the "mailroom-blobs" file of one mailbox,
// where readers keep opaque data derived from a message (mailbox::
// cached_blob: FETCH's envelope, BODYSTRUCTURE, ...). A cache: appended
// without fsync, discarded whole when damaged or of another UIDVALIDITY;
// losing it costs recomputation only. Format:
//   "mailroom-blobs 1\n", then per blob "<uidvalidity> <uid> <key> <octets>\n<blob>\n".
// The UIDVALIDITY in every record makes a record of a replaced file fail
// the check each read does, so an offset kept in memory never yields
// another message's data. Appends and scans run under the index lock.
// Used by maildir_mailbox only. Not thread-safe (one per open mailbox).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"
#include "durable/file_system.hpp"

namespace mailroom::store::maildir {

constexpr const char* blob_file = "mailroom-blobs";

bool valid_blob_key(std::string_view key);  // 1-32 of [a-z0-9._-]

class blob_cache {
public:
    blob_cache(durable::file_system& fs, std::filesystem::path dir) : fs_(fs), dir_(std::move(dir)) {}

    // nullopt if nothing is cached for (uid, key) in UID space uidvalidity.
    result<std::optional<std::string>> get(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key);
    // Keeps blob for (uid, key); a later put for the same pair wins.
    std::error_code put(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key, std::string_view blob);

private:
    struct place {
        std::uint64_t offset = 0;  // of the record's header line
        std::uint32_t header = 0, octets = 0;
    };
    std::string header_line(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key,
                            std::size_t octets) const;
    // Indexes the records from scanned_ to the end (under the lock), starting
    // the file afresh if it is damaged.
    std::error_code scan(durable::appendable_file& file, std::uint32_t uidvalidity);
    std::error_code start_afresh();

    durable::file_system& fs_;
    std::filesystem::path dir_;
    std::map<std::pair<std::uint32_t, std::string>, place> where_;
    std::uint64_t scanned_ = 0;
    std::uint32_t uidvalidity_ = 0;
};

}  // namespace mailroom::store::maildir
