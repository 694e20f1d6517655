// imap::session SEARCH / UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4),
// ESEARCH results (RFC 4731 RETURN (MIN MAX ALL COUNT), RFC 9051 §7.3.4),
// the "$" variable (RFC 5182 SAVE), SORT and THREAD (RFC 5256). The driver
// evaluates (search_messages); this file checks charsets and renders the
// answers. Engineer H2's part of the engine.
#include <algorithm>

#include "proto/common/keyword.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

// RFC 9051 §6.4.4: US-ASCII and UTF-8 are the charsets a server must know.
bool charset_known(std::string_view cs) {
    return proto::keyword_equals(cs, "US-ASCII") || proto::keyword_equals(cs, "UTF-8");
}
constexpr std::string_view badcharset = "BADCHARSET (US-ASCII UTF-8)";

bool has_modseq(const search_key& k) {
    if (k.op == search_op::modseq) return true;
    return std::any_of(k.children.begin(), k.children.end(), [](const search_key& c) { return has_modseq(c); });
}

// RFC 5256 §4: thread-list = "(" (thread-members / thread-nested) ")".
void render_thread(const thread_node& n, const std::vector<std::uint32_t>& numbers, std::string& out);
void render_members(const thread_node& n, const std::vector<std::uint32_t>& numbers, std::string& out) {
    if (n.seq == 0) {  // a placeholder: its threads nested
        for (const auto& c : n.children) render_thread(c, numbers, out);
        return;
    }
    out += std::to_string(numbers[n.seq - 1]);
    if (n.children.size() == 1) {
        out += ' ';
        render_members(n.children.front(), numbers, out);
    } else if (!n.children.empty()) {
        out += ' ';
        for (const auto& c : n.children) render_thread(c, numbers, out);
    }
}
void render_thread(const thread_node& n, const std::vector<std::uint32_t>& numbers, std::string& out) {
    out += '(';
    render_members(n, numbers, out);
    out += ')';
}

}  // namespace

void session::cmd_search(const command& c) {
    const auto& s = std::get<search_command>(c.args);
    if (s.charset && !charset_known(*s.charset)) {
        if (s.ret.save) selected_.save({});  // RFC 5182 §2.1: a failed SAVE leaves "$" empty
        return no(badcharset, "Unsupported charset.");
    }
    const bool modseq = has_modseq(s.program);
    if (modseq) enable_condstore();  // RFC 7162 §3.1
    search_messages req;
    req.program = s.program;
    start_search(std::move(req), {search_kind::search, s.uid, s.ret, modseq});
}

void session::cmd_sort(const command& c) {
    const auto& s = std::get<sort_command>(c.args);
    if (!charset_known(s.charset)) return no(badcharset, "Unsupported charset.");
    search_messages req;
    req.kind = search_kind::sort;
    req.program = s.program;
    req.criteria = s.criteria;
    start_search(std::move(req), {search_kind::sort, s.uid, {}, false});
}

void session::cmd_thread(const command& c) {
    const auto& t = std::get<thread_command>(c.args);
    if (!charset_known(t.charset)) return no(badcharset, "Unsupported charset.");
    search_messages req;
    req.kind = search_kind::thread;
    req.program = t.program;
    req.algorithm = t.algorithm;
    start_search(std::move(req), {search_kind::thread, t.uid, {}, false});
}

void session::start_search(search_messages req, search_run run) {
    req.view.reserve(selected_.size());
    for (std::uint32_t n = 1; n <= selected_.size(); ++n) req.view.push_back(selected_.at(n));
    req.saved = selected_.saved();
    search_ = run;
    request(std::move(req));
    wait_for(awaiting::search);
}

void session::messages_searched(result<search_outcome> r) {
    if (awaiting_ != awaiting::search) return;
    awaiting_ = awaiting::nothing;
    const auto run = *search_;
    search_.reset();
    const char* name = run.kind == search_kind::search ? "SEARCH" : run.kind == search_kind::sort ? "SORT" : "THREAD";
    if (!r) {
        if (run.ret.save) selected_.save({});
        no("SERVERBUG", std::string("Unable to ") + name + "; try again later.");
        return process();
    }
    // UIDs for UID SEARCH/SORT/THREAD, sequence numbers otherwise (RFC 9051 §6.4.9).
    std::vector<std::uint32_t> numbers(selected_.size());
    for (std::uint32_t n = 1; n <= selected_.size(); ++n) numbers[n - 1] = run.uid ? selected_.at(n).uid : n;
    if (run.kind == search_kind::thread) {
        std::string line = "THREAD";
        if (!r->threads.empty()) line += ' ';
        for (const auto& t : r->threads) render_thread(t, numbers, line);
        untagged(line);
    } else if (run.kind == search_kind::sort) {
        std::string line = "SORT";
        for (const auto seq : r->seqs) line += ' ' + std::to_string(numbers[seq - 1]);
        untagged(line);
    } else {
        write_search(run, r->seqs);
    }
    ok("", std::string(name) + " completed.");
    process();
}

void session::write_search(const search_run& run, const std::vector<std::uint32_t>& seqs) {
    const auto& ret = run.ret;
    std::vector<std::uint32_t> numbers;
    std::uint64_t modseq = 0;
    for (const auto seq : seqs) {
        const auto& m = selected_.at(seq);
        numbers.push_back(run.uid ? m.uid : seq);
        modseq = std::max(modseq, m.modseq);
    }
    const bool any_of_four = ret.min || ret.max || ret.all || ret.count;
    if (ret.save) {
        // RFC 5182 §2.4: with MIN and/or MAX but neither ALL nor COUNT, "$" holds just those.
        std::vector<std::uint32_t> uids;
        if ((ret.min || ret.max) && !ret.all && !ret.count) {
            if (!seqs.empty() && ret.min) uids.push_back(selected_.at(seqs.front()).uid);
            if (!seqs.empty() && ret.max) uids.push_back(selected_.at(seqs.back()).uid);
        } else {
            for (const auto seq : seqs) uids.push_back(selected_.at(seq).uid);
        }
        std::sort(uids.begin(), uids.end());
        uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
        selected_.save(std::move(uids));
        if (!any_of_four) return;  // RFC 5182 §2.1: SAVE alone sends no ESEARCH
    }
    // RFC 9051 §6.4.4: IMAP4rev2 answers ESEARCH; rev1 without RETURN the SEARCH response.
    if (!ret.present && !rev2_) {
        std::string line = "SEARCH";
        for (const auto n : numbers) line += ' ' + std::to_string(n);
        // RFC 7162 §3.1.5: the highest MODSEQ of the matches.
        if (run.modseq && !numbers.empty()) line += " (MODSEQ " + std::to_string(modseq) + ")";
        return untagged(line);
    }
    // RFC 4731 §3.1: no option, or RETURN (), means ALL.
    const bool all = ret.all || !any_of_four;
    std::string line = "ESEARCH (TAG \"" + tag_ + "\")";
    if (run.uid) line += " UID";
    if (!numbers.empty()) {
        if (ret.min) line += " MIN " + std::to_string(numbers.front());
        if (ret.max) line += " MAX " + std::to_string(numbers.back());
    }
    if (ret.count) line += " COUNT " + std::to_string(numbers.size());
    if (all && !numbers.empty()) line += " ALL " + compact_set(numbers);
    if (run.modseq && !numbers.empty()) line += " MODSEQ " + std::to_string(modseq);
    untagged(line);
}

}  // namespace mailroom::imap
