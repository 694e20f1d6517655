// Fuzzes the parsers of the mail store's own files, which another program
// (or a crash) may have left in any state: mailroom-uidlist, dovecot-keywords,
// mailroom-index, and the info part of Maildir file names.
// The first byte picks the parser, the rest is the file.
// Invariants: nothing crashes; whatever parses serialises to text that
// parses back to the same value; parse_info then file_name is stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/uidlist.hpp"
#include "store/maildir/index_files.hpp"
#include "store/maildir/names.hpp"

using namespace mailroom;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
        case 0:
            if (auto l = storage::uidlist::parse(text)) {
                auto back = storage::uidlist::parse(l->serialize());
                check(back && back->uids == l->uids && back->next_uid == l->next_uid &&
                      back->uidvalidity == l->uidvalidity && back->appended == 0);
            }
            break;
        case 1:
            if (auto k = store::maildir::parse_keywords(text)) {
                auto back = store::maildir::parse_keywords(store::maildir::serialize_keywords(*k));
                check(back && store::maildir::serialize_keywords(*back) == store::maildir::serialize_keywords(*k));
            }
            break;
        case 2:
            if (auto c = store::maildir::index_cache::parse(text)) {
                auto back = store::maildir::index_cache::parse(c->serialize());
                check(back && back->serialize() == c->serialize());
            }
            break;
        default: {
            auto i = store::maildir::parse_info(text);
            auto name = store::maildir::file_name(store::maildir::base_name(text), i);
            check(store::maildir::parse_info(name) == i);
            break;
        }
    }
    return 0;
}
