// imap_search::run_search: evaluate, then sort or thread the matches.
#include "server/imap_search/run.hpp"

#include "server/imap_search/message_facts.hpp"
#include "server/imap_search/sort_thread.hpp"

namespace mailroom::imap_search {
namespace {

// Keys needing no header at all: ARRIVAL and SIZE.
bool needs_header(const imap::search_messages& req) {
    if (req.kind == imap::search_kind::thread) return true;
    for (const auto& c : req.criteria)
        if (c.key != imap::sort_key::arrival && c.key != imap::sort_key::size) return true;
    return false;
}

}  // namespace

imap::search_outcome run_search(const imap::search_messages& req, message_source& source,
                                long (*zone_offset)(std::int64_t)) {
    search_context ctx{req.view, req.saved, zone_offset};
    imap::search_outcome out;
    out.seqs = evaluate(req.program, ctx, source);
    if (req.kind == imap::search_kind::search) return out;
    const bool header = needs_header(req);
    std::vector<message_facts> facts;
    facts.reserve(out.seqs.size());
    for (const auto seq : out.seqs) {
        const auto& m = req.view[seq - 1];
        std::string h;
        if (header)
            if (auto r = source.header(m.uid)) h = std::move(*r);  // unreadable: sorted as empty fields
        facts.push_back(facts_of(h, m, seq));
    }
    if (req.kind == imap::search_kind::sort) {
        out.seqs = sort_messages(std::move(facts), req.criteria);
    } else {
        out.threads = thread_messages(std::move(facts), req.algorithm);
        out.seqs.clear();
    }
    return out;
}

}  // namespace mailroom::imap_search
