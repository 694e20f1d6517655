// Fuzzes SORT/THREAD's header path (engineer H2): the input is up to 64
// message headers separated by NUL bytes; each goes through facts_of
// (envelope, RFC 2047, Date:, Message-ID/References), base_subject and
// parse_date_header; then SORT by every key both ways and both THREAD
// algorithms. Invariants: a sort is a permutation of the messages, every
// message is in exactly one place of the thread forest, and a placeholder
// never stands alone; no crash, hang, leak or UB (ASan/UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "server/imap_search/base_subject.hpp"
#include "server/imap_search/message_facts.hpp"
#include "server/imap_search/sort_thread.hpp"

namespace {

using namespace mailroom;

void check(bool ok) {
    if (!ok) std::abort();
}

void count(const imap::thread_node& n, std::vector<int>& seen) {
    if (n.seq == 0) check(n.children.size() >= 2);  // RFC 5256 (3): a lone placeholder is pruned
    else ++seen.at(n.seq - 1);
    for (const auto& c : n.children) count(c, seen);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<imap_search::message_facts> msgs;
    while (msgs.size() < 64) {
        const auto nul = in.find('\0');
        const auto header = in.substr(0, nul);
        imap::message_state m;
        m.uid = static_cast<std::uint32_t>(msgs.size() + 1);
        m.size = header.size();
        m.internal_date = static_cast<std::int64_t>(header.size()) * 1000;
        msgs.push_back(imap_search::facts_of(header, m, m.uid));
        (void)imap_search::base_subject(header);
        (void)imap_search::parse_date_header(header);
        if (nul == std::string_view::npos) break;
        in.remove_prefix(nul + 1);
    }
    for (int k = 0; k <= static_cast<int>(imap::sort_key::display_to); ++k) {
        for (const bool reverse : {false, true}) {
            const imap::sort_criterion c{reverse, static_cast<imap::sort_key>(k)};
            auto order = imap_search::sort_messages(msgs, std::span(&c, 1));
            std::vector<int> seen(msgs.size(), 0);
            for (const auto seq : order) ++seen.at(seq - 1);
            for (const auto s : seen) check(s == 1);
        }
    }
    for (const auto alg : {imap::thread_algorithm::orderedsubject, imap::thread_algorithm::references}) {
        std::vector<int> seen(msgs.size(), 0);
        for (const auto& t : imap_search::thread_messages(msgs, alg)) count(t, seen);
        for (const auto s : seen) check(s == 1);
    }
    return 0;
}
