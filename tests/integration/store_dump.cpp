// store_dump: prints what mailroom's store sees in a Maildir, for the
// integration tests that compare it with what another server (Dovecot)
// reported. Usage: store_dump <maildir root> <folder>
// Output: "uidvalidity <n>", "next_uid <n>", then "<uid> <flags> <keywords> <internal date>"
// per message (flags as \Seen..., keywords comma-separated, "-" for none).
#include <iostream>

#include "store/maildir/maildir_store.hpp"

int main(int argc, char** argv) {
    using namespace mailroom::store;
    if (argc != 3) {
        std::cerr << "usage: store_dump <maildir root> <folder>\n";
        return 2;
    }
    maildir::maildir_store st(mailroom::durable::real_file_system(), argv[1]);
    if (std::string_view(argv[2]) == "--folders") {
        auto folders = st.list_folders();
        auto subs = st.subscriptions();
        if (!folders || !subs) {
            std::cerr << "folders: " << (folders ? subs.error() : folders.error()).message() << "\n";
            return 1;
        }
        for (const auto& f : *folders) std::cout << "folder " << f << "\n";
        for (const auto& f : *subs) std::cout << "subscribed " << f << "\n";
        return 0;
    }
    auto box = st.open(argv[2]);
    if (!box) {
        std::cerr << "open: " << box.error().message() << "\n";
        return 1;
    }
    auto s = (*box)->sync();
    if (!s) {
        std::cerr << "sync: " << s.error().message() << "\n";
        return 1;
    }
    std::cout << "uidvalidity " << s->uidvalidity << "\nnext_uid " << s->next_uid << "\n";
    constexpr std::pair<flag, const char*> names[] = {{seen, "\\Seen"},
                                                      {answered, "\\Answered"},
                                                      {flagged, "\\Flagged"},
                                                      {deleted, "\\Deleted"},
                                                      {draft, "\\Draft"}};
    for (const auto& m : s->messages) {
        std::string flags, keywords;
        for (auto [bit, name] : names)
            if (m.flags & bit) flags += (flags.empty() ? "" : ",") + std::string(name);
        for (const auto& k : m.keywords) keywords += (keywords.empty() ? "" : ",") + k;
        std::cout << m.uid << " " << (flags.empty() ? "-" : flags) << " " << (keywords.empty() ? "-" : keywords) << " "
                  << m.internal_date << "\n";
    }
    return 0;
}
