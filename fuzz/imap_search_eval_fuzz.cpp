// Fuzzes the SEARCH evaluator (imap_search::evaluate): the input's first
// line is a search program, read as "a SEARCH <line>" by the command reader
// and parse_search; the rest is up to 16 messages separated by NUL bytes,
// each given flags, a date and a size from its bytes. The program is
// evaluated over them (headers, bodies, MIME parts, charsets, casemap).
// Invariants: ascending sequence numbers within the view; the program and
// NOT program split the view exactly; no crash, hang, leak or UB.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"
#include "mail/mime/parser.hpp"
#include "proto/common/input_buffer.hpp"
#include "proto/imap/command_reader.hpp"
#include "proto/imap/search_program.hpp"
#include "server/imap_search/message_source.hpp"
#include "server/imap_search/search_eval.hpp"

namespace {

using namespace mailroom;

void check(bool ok) {
    if (!ok) std::abort();
}

// The messages in memory, as a mailbox would give them.
class memory_source final : public imap_search::message_source {
public:
    explicit memory_source(const std::vector<std::string>& msgs) : msgs_(msgs) {}
    result<std::string> header(std::uint32_t uid) override {
        if (uid == 0 || uid > msgs_.size()) return make_error_code(errc::not_found);
        return std::string(imap_search::header_block(msgs_[uid - 1]));
    }
    result<std::string> message(std::uint32_t uid) override {
        if (uid == 0 || uid > msgs_.size()) return make_error_code(errc::not_found);
        return msgs_[uid - 1];
    }
    mime::message_structure structure(std::uint32_t, const std::string& bytes) override {
        return mime::parse_message(bytes);
    }

private:
    const std::vector<std::string>& msgs_;
};

long utc(std::int64_t) { return 0; }  // no dependence on the machine's zone

// The program of "a SEARCH <line>", small literals accepted; nullopt if it does not parse.
std::optional<imap::search_key> program_of(std::string_view line) {
    imap::limits lim;
    lim.max_line_bytes = 1024;
    lim.max_command_bytes = 4096;
    lim.max_literal_bytes = 256;
    proto::input_buffer in(lim.max_line_bytes);
    imap::command_reader r(in, lim);
    in.append(std::string("a SEARCH ") + std::string(line) + "\r\n");
    for (int steps = 0; steps < 64; ++steps) {
        switch (r.next()) {
            case imap::command_reader::status::literal_wanted:
                if (r.literal().size > r.literal().limit) return std::nullopt;
                r.accept_literal();
                break;
            case imap::command_reader::status::command: {
                const auto raw = r.take_command();
                imap::search_limits sl;
                sl.max_depth = 8;
                sl.max_keys = 64;
                sl.max_sequence_ranges = 64;
                return imap::parse_search(raw.args, sl).program;
            }
            default: return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) return 0;
    auto program = program_of(in.substr(0, nl));
    if (!program) return 0;
    in.remove_prefix(nl + 1);

    std::vector<std::string> msgs;
    std::vector<imap::message_state> view;
    while (msgs.size() < 16) {
        const auto nul = in.find('\0');
        msgs.emplace_back(in.substr(0, nul));
        imap::message_state m;
        m.uid = static_cast<std::uint32_t>(msgs.size() * 3);  // UIDs unlike sequence numbers
        const auto& text = msgs.back();
        m.flags = text.empty() ? 0 : static_cast<std::uint8_t>(text[0]);
        if (text.size() > 1 && text[1] & 1) m.keywords.push_back(text.substr(0, std::min<std::size_t>(8, text.size())));
        m.modseq = text.size() % 7 + 1;
        m.internal_date = static_cast<std::int64_t>(text.size()) * 86'000;
        m.size = text.size();
        view.push_back(std::move(m));
        if (nul == std::string_view::npos) break;
        in.remove_prefix(nul + 1);
    }
    // uid -> index: the source is asked by UID.
    std::vector<std::string> by_uid(view.back().uid);
    for (std::size_t i = 0; i < view.size(); ++i) by_uid[view[i].uid - 1] = msgs[i];
    memory_source source(by_uid);
    const std::vector<std::uint32_t> saved{3, 9};
    imap_search::search_context ctx{view, saved, utc};

    const auto hits = imap_search::evaluate(*program, ctx, source);
    check(std::is_sorted(hits.begin(), hits.end()));
    check(std::adjacent_find(hits.begin(), hits.end()) == hits.end());
    for (const auto s : hits) check(s >= 1 && s <= view.size());

    imap::search_key negated;
    negated.op = imap::search_op::not_;
    negated.children.push_back(*program);
    const auto misses = imap_search::evaluate(negated, ctx, source);
    check(hits.size() + misses.size() == view.size());
    std::vector<std::uint32_t> both;
    std::set_intersection(hits.begin(), hits.end(), misses.begin(), misses.end(), std::back_inserter(both));
    check(both.empty());
    return 0;
}
