#include "store/maildir/keywords.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/index_files.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/uid_file.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;

result<std::vector<std::string>> load_keywords(durable::file_system& fs, const fs::path& dir) {
    auto text = fs.read_file(dir / keywords_file);
    if (!text) {
        if (text.error() == errc::not_found) return std::vector<std::string>{};
        return text.error();
    }
    // A damaged file: its letters stay in the names, unnamed until repaired.
    return parse_keywords(*text).value_or(std::vector<std::string>{});
}

result<std::uint32_t> keyword_bits(durable::file_system& fs, const fs::path& dir, const std::vector<std::string>& names,
                                   bool allocate) {
    if (names.empty()) return 0u;
    for (const auto& n : names)
        if (!valid_keyword(n)) return make_error_code(errc::invalid_argument);
    auto lock = fs.lock_wait(dir / index_lock_file);
    if (!lock) return lock.error();
    auto known = load_keywords(fs, dir);
    if (!known) return known.error();
    std::uint32_t bits = 0;
    bool added = false;
    for (const auto& n : names) {
        auto it = std::find(known->begin(), known->end(), n);
        if (it == known->end()) {
            if (!allocate) continue;
            it = std::find(known->begin(), known->end(), std::string());
            if (it == known->end()) {
                if (known->size() >= max_keywords) return make_error_code(errc::limit_exceeded);
                known->emplace_back();
                it = known->end() - 1;
            }
            *it = n;
            added = true;
        }
        bits |= 1u << (it - known->begin());
    }
    // The name must be durable before any file name uses its letter.
    if (added)
        if (auto ec = replace_durably(fs, dir, {{keywords_file, serialize_keywords(*known)}})) return ec;
    return bits;
}

result<pending_append> keyword_writer::finish_with_keywords(flag_set flags, const std::vector<std::string>& keywords) {
    if (keywords.empty()) return inner_->finish(flags);
    auto bits = keyword_bits(fs_, dir_, keywords, true);
    if (!bits) return bits.error();
    auto p = inner_->finish(flags);
    if (!p) return p.error();
    // Named with its letters in cur/ (a message with flags is not new).
    const std::string base(base_name(p->file.final_name.filename().string()));
    p->file.final_name = dir_ / "cur" / file_name(base, info{flags, *bits, {}});
    return p;
}

}  // namespace mailroom::store::maildir
