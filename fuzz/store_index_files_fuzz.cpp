// Fuzzes the parsers of the mail store's own files, which another program
// (or a crash) may have left in any state: mailroom-uidlist, dovecot-keywords,
// mailroom-index, the info part of Maildir file names, and Dovecot's
// dovecot-uidlist and subscriptions.
// The first byte picks the parser, the rest is the file.
// Invariants: nothing crashes; whatever parses serialises to text that
// parses back to the same value; parse_info then file_name is stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/uidlist.hpp"
#include "store/maildir/dovecot_uidlist.hpp"
#include "store/maildir/index_files.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/subscriptions.hpp"

using namespace mailroom;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 6) {
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
        case 3:
            // Taken over as a list of ours: what we write from it reads back the same.
            if (auto l = store::maildir::parse_dovecot_uidlist(text)) {
                check(l->uidvalidity != 0 && l->next_uid != 0);
                for (const auto& [name, uid] : l->uids) check(uid < l->next_uid && !name.empty());
                auto back = storage::uidlist::parse(l->serialize());
                check(back && back->uids == l->uids && back->next_uid == l->next_uid);
            }
            break;
        case 4:
            if (auto s = store::maildir::parse_subscriptions(text)) {
                bool tab = false;
                for (const auto& n : *s) tab = tab || n.find('\t') != std::string::npos;
                // A tab inside a version-1 name reads back as a separator: only tab-free lists round-trip.
                if (!tab) {
                    auto back = store::maildir::parse_subscriptions(store::maildir::serialize_subscriptions(*s));
                    check(back && *back == *s);
                }
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
