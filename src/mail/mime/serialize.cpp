// Binary cache form of message_structure (see serialize.hpp).
#include "mail/mime/serialize.hpp"

#include <cstdint>

namespace mailroom::mime {

namespace {

constexpr std::string_view magic = "MS";
constexpr unsigned max_depth = 256;  // deeper than parse_limits allows

class writer {
public:
    void u(std::uint64_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<char>(v));
    }
    void str(std::string_view s) {
        u(s.size());
        out.append(s);
    }
    void opt(const std::optional<std::string>& s) {
        out.push_back(s ? '\1' : '\0');
        if (s) str(*s);
    }
    void addresses(const std::vector<address>& v) {
        u(v.size());
        for (const auto& a : v) {
            opt(a.name);
            opt(a.adl);
            opt(a.mailbox);
            opt(a.host);
        }
    }
    void params(const std::vector<parameter>& v) {
        u(v.size());
        for (const auto& p : v) {
            str(p.name);
            str(p.value);
        }
    }
    void env(const envelope& e) {
        opt(e.date);
        opt(e.subject);
        for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) addresses(*list);
        opt(e.in_reply_to);
        opt(e.message_id);
    }
    void part(const body_part& p) {
        str(p.type);
        str(p.subtype);
        params(p.params);
        opt(p.id);
        opt(p.description);
        opt(p.md5);
        opt(p.location);
        str(p.encoding);
        out.push_back(p.disp ? '\1' : '\0');
        if (p.disp) {
            str(p.disp->type);
            params(p.disp->params);
        }
        u(p.language.size());
        for (const auto& l : p.language) str(l);
        for (auto v :
             {p.header_offset, p.header_length, p.body_offset, p.body_length, p.header_size, p.body_size, p.body_lines})
            u(v);
        out.push_back(p.embedded ? '\1' : '\0');
        if (p.embedded) env(*p.embedded);
        u(p.children.size());
        for (const auto& c : p.children) part(c);
    }
    std::string out;
};

// Every read checks the bytes left; a failure latches and the result is dropped.
class reader {
public:
    explicit reader(std::string_view s) : s_(s) {}
    bool ok() const noexcept { return ok_; }
    bool done() const noexcept { return ok_ && i_ == s_.size(); }

    std::uint64_t u() {
        std::uint64_t v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (i_ >= s_.size()) return fail();
            const auto b = static_cast<unsigned char>(s_[i_++]);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        return fail();
    }
    // A count of items, each at least one byte: never more than the bytes left.
    std::size_t count() {
        const auto n = u();
        return n <= s_.size() - i_ ? static_cast<std::size_t>(n) : static_cast<std::size_t>(fail());
    }
    std::string str() {
        const auto n = count();
        if (!ok_) return {};
        std::string v(s_.substr(i_, n));
        i_ += n;
        return v;
    }
    bool flag() {
        if (i_ >= s_.size()) return fail() != 0;
        const char c = s_[i_++];
        if (c != '\0' && c != '\1') fail();
        return c == '\1';
    }
    std::optional<std::string> opt() {
        if (!flag()) return std::nullopt;
        return str();
    }
    std::vector<address> addresses() {
        std::vector<address> v(count());
        for (auto& a : v) a = address{opt(), opt(), opt(), opt()};
        return v;
    }
    std::vector<parameter> params() {
        std::vector<parameter> v(count());
        for (auto& p : v) {
            p.name = str();
            p.value = str();
        }
        return v;
    }
    envelope env() {
        envelope e;
        e.date = opt();
        e.subject = opt();
        for (auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) *list = addresses();
        e.in_reply_to = opt();
        e.message_id = opt();
        return e;
    }
    body_part part(unsigned depth) {
        body_part p;
        if (depth > max_depth) {
            fail();
            return p;
        }
        p.type = str();
        p.subtype = str();
        p.params = params();
        p.id = opt();
        p.description = opt();
        p.md5 = opt();
        p.location = opt();
        p.encoding = str();
        if (flag()) p.disp = disposition{str(), params()};
        p.language.resize(count());
        for (auto& l : p.language) l = str();
        for (auto* v : {&p.header_offset, &p.header_length, &p.body_offset, &p.body_length, &p.header_size,
                        &p.body_size, &p.body_lines})
            *v = u();
        if (flag()) p.embedded = env();
        const auto n = count();
        for (std::size_t k = 0; k < n && ok_; ++k) p.children.push_back(part(depth + 1));
        return p;
    }

private:
    std::uint64_t fail() noexcept {
        ok_ = false;
        i_ = s_.size();
        return 0;
    }
    std::string_view s_;
    std::size_t i_ = 0;
    bool ok_ = true;
};

}  // namespace

std::string serialize(const message_structure& m) {
    writer w;
    w.out.append(magic);
    w.out.push_back(static_cast<char>(structure_format_version));
    w.env(m.env);
    w.part(m.body);
    return std::move(w.out);
}

std::optional<message_structure> deserialize(std::string_view blob) {
    if (blob.size() < magic.size() + 1 || blob.substr(0, magic.size()) != magic ||
        static_cast<unsigned char>(blob[magic.size()]) != structure_format_version)
        return std::nullopt;
    reader r(blob.substr(magic.size() + 1));
    message_structure m;
    m.env = r.env();
    m.body = r.part(0);
    if (!r.done()) return std::nullopt;
    return m;
}

}  // namespace mailroom::mime
