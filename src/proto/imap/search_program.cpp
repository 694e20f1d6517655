// imap::parse_search_program: search-key of RFC 9051 §9 (and RFC 3501's
// rev1 keys, RFC 7162 MODSEQ, RFC 5182 "$") by recursive descent, bounded
// in depth and number of keys.
#include "proto/imap/search_program.hpp"

#include <string_view>

#include "proto/common/keyword.hpp"
#include "proto/imap/detail/cursor.hpp"

namespace mailroom::imap {
namespace {

enum class operand { none, astring, date, number, keyword, header, set, key, two_keys, modseq };

struct key_spec {
    std::string_view name;
    search_op op;
    operand takes;
};

constexpr key_spec key_specs[] = {
    {"ALL", search_op::all, operand::none},
    {"ANSWERED", search_op::answered, operand::none},
    {"DELETED", search_op::deleted, operand::none},
    {"DRAFT", search_op::draft, operand::none},
    {"FLAGGED", search_op::flagged, operand::none},
    {"SEEN", search_op::seen, operand::none},
    {"RECENT", search_op::recent, operand::none},  // RFC 3501 only; rev2 matches nothing
    {"NEW", search_op::new_, operand::none},
    {"OLD", search_op::old, operand::none},
    {"UNANSWERED", search_op::unanswered, operand::none},
    {"UNDELETED", search_op::undeleted, operand::none},
    {"UNDRAFT", search_op::undraft, operand::none},
    {"UNFLAGGED", search_op::unflagged, operand::none},
    {"UNSEEN", search_op::unseen, operand::none},
    {"KEYWORD", search_op::keyword, operand::keyword},
    {"UNKEYWORD", search_op::unkeyword, operand::keyword},
    {"BCC", search_op::bcc, operand::astring},
    {"BODY", search_op::body, operand::astring},
    {"CC", search_op::cc, operand::astring},
    {"FROM", search_op::from, operand::astring},
    {"SUBJECT", search_op::subject, operand::astring},
    {"TEXT", search_op::text, operand::astring},
    {"TO", search_op::to, operand::astring},
    {"HEADER", search_op::header, operand::header},
    {"BEFORE", search_op::before, operand::date},
    {"ON", search_op::on, operand::date},
    {"SINCE", search_op::since, operand::date},
    {"SENTBEFORE", search_op::sentbefore, operand::date},
    {"SENTON", search_op::senton, operand::date},
    {"SENTSINCE", search_op::sentsince, operand::date},
    {"LARGER", search_op::larger, operand::number},
    {"SMALLER", search_op::smaller, operand::number},
    {"UID", search_op::uid, operand::set},
    {"NOT", search_op::not_, operand::key},
    {"OR", search_op::or_, operand::two_keys},
    {"MODSEQ", search_op::modseq, operand::modseq},
};

constexpr std::uint64_t max_number64 = INT64_MAX;  // RFC 9051 §9 number64

class program_parser {
public:
    explicit program_parser(const search_limits& lim) : lim_(lim) {}

    std::optional<search_key> key(detail::cursor& c, unsigned depth) {
        if (depth > lim_.max_depth || ++keys_ > lim_.max_keys) {
            too_complex_ = true;
            return std::nullopt;
        }
        const argument* a = c.peek();
        if (!a || a->glued) return std::nullopt;
        if (a->kind == argument_kind::list) {  // "(" search-key *(SP search-key) ")"
            c.next();
            if (a->children.empty()) return std::nullopt;
            detail::cursor inner(a->children);
            return all_of(inner, depth + 1);
        }
        if (a->kind != argument_kind::atom) return std::nullopt;
        for (const auto& spec : key_specs)
            if (proto::keyword_equals(a->text, spec.name)) {
                c.next();
                return operands(c, spec, depth);
            }
        // sequence-set as a key, "$" included (RFC 5182 §2.1).
        auto set = sequence(a->text);
        if (!set) return std::nullopt;
        c.next();
        search_key k;
        k.op = search_op::sequence;
        k.set = std::move(*set);
        return k;
    }

    // search-key *(SP search-key) to the end of c, as one and_ node.
    std::optional<search_key> all_of(detail::cursor& c, unsigned depth) {
        search_key node;
        node.op = search_op::and_;
        while (!c.done()) {
            auto k = key(c, depth);
            if (!k) return std::nullopt;
            node.children.push_back(std::move(*k));
        }
        if (node.children.empty()) return std::nullopt;
        return node;
    }

    bool too_complex() const noexcept { return too_complex_; }

private:
    std::optional<sequence_set> sequence(std::string_view text) {
        auto set = parse_sequence_set(text, lim_.max_sequence_ranges);
        // Well-formed but over the range limit: too complex, not a syntax error.
        if (!set && parse_sequence_set(text, SIZE_MAX)) too_complex_ = true;
        return set;
    }

    std::optional<search_key> operands(detail::cursor& c, const key_spec& spec, unsigned depth) {
        search_key k;
        k.op = spec.op;
        switch (spec.takes) {
            case operand::none: return k;
            case operand::astring: {
                auto s = c.astring();
                if (!s) return std::nullopt;
                k.text = std::move(*s);
                return k;
            }
            case operand::keyword: {  // flag-keyword is an atom (RFC 9051 §9)
                const argument* a = c.next();
                if (!a || a->kind != argument_kind::atom || a->text[0] == '\\' || !detail::is_flag(a->text))
                    return std::nullopt;
                k.text = a->text;
                return k;
            }
            case operand::header: {
                auto field = c.astring();
                auto value = field ? c.astring() : std::nullopt;
                if (!value) return std::nullopt;
                k.field = std::move(*field);
                k.text = std::move(*value);
                return k;
            }
            case operand::date: {  // date = date-text / DQUOTE date-text DQUOTE
                const argument* a = c.next();
                if (!a || (a->kind != argument_kind::atom && a->kind != argument_kind::quoted)) return std::nullopt;
                auto d = parse_date(a->text);
                if (!d) return std::nullopt;
                k.day = *d;
                return k;
            }
            case operand::number: {
                auto n = c.number(max_number64);
                if (!n) return std::nullopt;
                k.number = *n;
                return k;
            }
            case operand::set: {
                auto a = c.atom();
                auto set = a ? sequence(*a) : std::nullopt;
                if (!set) return std::nullopt;
                k.set = std::move(*set);
                return k;
            }
            case operand::key: {
                auto child = key(c, depth + 1);
                if (!child) return std::nullopt;
                k.children.push_back(std::move(*child));
                return k;
            }
            case operand::two_keys: {
                auto left = key(c, depth + 1);
                auto right = left ? key(c, depth + 1) : std::nullopt;
                if (!right) return std::nullopt;
                k.children.push_back(std::move(*left));
                k.children.push_back(std::move(*right));
                return k;
            }
            case operand::modseq: return modseq(c, std::move(k));
        }
        return std::nullopt;
    }

    // RFC 7162 §3.1.5: "MODSEQ" [SP entry-name SP entry-type-req] SP
    // mod-sequence-valzer; entry-name = DQUOTE "/flags/" attr-flag DQUOTE.
    std::optional<search_key> modseq(detail::cursor& c, search_key k) {
        const argument* a = c.peek();
        if (a && a->kind == argument_kind::quoted) {
            c.next();
            if (!proto::keyword_prefix(a->text, "/flags/") || !detail::is_flag(a->text.substr(7))) return std::nullopt;
            k.text = a->text;
            k.has_entry = true;
            if (c.keyword("priv")) k.entry_type = modseq_entry_type::priv;
            else if (c.keyword("shared")) k.entry_type = modseq_entry_type::shared;
            else if (c.keyword("all")) k.entry_type = modseq_entry_type::all;
            else return std::nullopt;
        }
        auto n = c.number(max_number64);
        if (!n) return std::nullopt;
        k.number = *n;
        return k;
    }

    const search_limits& lim_;
    std::size_t keys_ = 0;
    bool too_complex_ = false;
};

}  // namespace

search_parse_result parse_search(std::span<const argument> args, const search_limits& lim) {
    detail::cursor c(args);
    program_parser p(lim);
    search_parse_result out;
    out.program = p.all_of(c, 0);
    out.too_complex = !out.program && p.too_complex();
    return out;
}

std::optional<search_key> parse_search_program(std::span<const argument> args, const search_limits& lim) {
    return parse_search(args, lim).program;
}

}  // namespace mailroom::imap
