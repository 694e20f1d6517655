// sandbox::session_journal: bounded recording of sessions (see the header).
#include "sandbox/session_journal.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace mailroom::sandbox {

namespace {

std::string upper_word(std::string_view line, std::size_t& pos) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::string w;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\r' && line[pos] != '\n')
        w.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(line[pos++]))));
    return w;
}

std::string_view line_end(std::string_view line) {
    auto cut = line.find_first_of("\r\n");
    return cut == std::string_view::npos ? std::string_view{} : line.substr(cut);
}

// "prefix" + "****" + the line's own line end.
std::string masked(std::string_view line, std::size_t keep) {
    std::string out(line.substr(0, keep));
    out += "****";
    out += line_end(line);
    return out;
}

}  // namespace

std::string mask_secret(std::string_view protocol, std::string_view line, bool awaiting_sasl) {
    if (awaiting_sasl) {
        if (line.starts_with("*")) return std::string(line);  // SASL cancel is no secret
        return masked(line, 0);
    }
    std::size_t pos = 0;
    std::string first = upper_word(line, pos);
    if (protocol == "imap") {  // tag LOGIN user pass | tag AUTHENTICATE mech initial
        std::string verb = upper_word(line, pos);
        if (verb == "LOGIN") {
            upper_word(line, pos);  // user (may be quoted; a space in it only over-masks)
            return masked(line, std::min(line.size(), pos + 1));
        }
        if (verb == "AUTHENTICATE") {
            upper_word(line, pos);
            if (pos < line.size() && line[pos] == ' ') return masked(line, pos + 1);
        }
        return std::string(line);
    }
    if (first == "PASS") return masked(line, std::min(line.size(), pos + 1));
    if (first == "AUTH") {  // AUTH mech [initial-response]  (RFC 4954 §4, RFC 5034 §4)
        upper_word(line, pos);
        if (pos < line.size() && line[pos] == ' ') return masked(line, pos + 1);
    }
    return std::string(line);
}

session_journal::session_journal(journal_limits lim, bool show_passwords)
    : lim_(lim), show_passwords_(show_passwords) {}

session_journal::slot* session_journal::find(std::uint64_t id) {
    for (auto& s : sessions_)
        if (s.rec.id == id) return &s;
    return nullptr;
}

const session_journal::slot* session_journal::find(std::uint64_t id) const {
    for (const auto& s : sessions_)
        if (s.rec.id == id) return &s;
    return nullptr;
}

void session_journal::evict() {
    // Oldest ended sessions go first; live ones only when nothing else is left.
    while (sessions_.size() > lim_.max_sessions) {
        auto it = std::find_if(sessions_.begin(), sessions_.end(),
                               [](const slot& s) { return s.rec.ended.has_value(); });
        if (it == sessions_.end()) it = sessions_.begin();
        sessions_.erase(it);
    }
}

std::uint64_t session_journal::open(std::string protocol, std::string listener, std::string peer) {
    session_event ev{session_event::kind::started, {}};
    {
        std::lock_guard lock(mu_);
        slot s;
        s.rec.id = next_id_++;
        s.rec.protocol = std::move(protocol);
        s.rec.listener = std::move(listener);
        s.rec.peer = std::move(peer);
        s.rec.started = std::chrono::system_clock::now();
        sessions_.push_back(std::move(s));
        evict();
        ev.session = sessions_.back().rec;
    }
    events_.publish(ev);
    return ev.session.id;
}

void session_journal::append(slot& s, dialogue_entry e) {
    if (s.rec.truncated) return;
    std::size_t size = e.bytes.size() + e.note.size();
    if (s.rec.dialogue_bytes + size > lim_.max_bytes_per_session) {
        s.rec.truncated = true;
        s.rec.dialogue.push_back({e.at, e.dir, {}, "recording stopped: session over its byte limit"});
        return;
    }
    s.rec.dialogue_bytes += size;
    s.rec.dialogue.push_back(std::move(e));
}

void session_journal::record(std::uint64_t id, direction dir, std::string_view bytes) {
    std::lock_guard lock(mu_);
    slot* s = find(id);
    if (!s || bytes.empty()) return;
    auto now = std::chrono::system_clock::now();
    if (dir == direction::server) {
        // The last line of what the server sent decides whether the client's next line is a SASL response.
        std::string_view last = bytes;
        if (last.ends_with('\n')) last.remove_suffix(1);
        auto nl = last.rfind('\n');
        if (nl != std::string_view::npos) last = last.substr(nl + 1);
        s->awaiting_sasl = s->rec.protocol == "smtp" ? last.starts_with("334 ") || last == "334"
                                                     : last.starts_with("+ ") || last == "+" || last == "+\r";
        append(*s, {now, dir, std::string(bytes), {}});
        return;
    }
    if (show_passwords_) {
        append(*s, {now, dir, std::string(bytes), {}});
        return;
    }
    // Mask line by line: a read may carry several pipelined lines.
    std::string out;
    std::size_t start = 0;
    while (start < bytes.size()) {
        auto nl = bytes.find('\n', start);
        std::size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
        out += mask_secret(s->rec.protocol, bytes.substr(start, end - start), s->awaiting_sasl);
        s->awaiting_sasl = false;
        start = end;
    }
    append(*s, {now, dir, std::move(out), {}});
}

void session_journal::note(std::uint64_t id, std::string text) {
    std::lock_guard lock(mu_);
    if (slot* s = find(id)) append(*s, {std::chrono::system_clock::now(), direction::server, {}, std::move(text)});
}

void session_journal::set_tls(std::uint64_t id, std::string state) {
    std::lock_guard lock(mu_);
    if (slot* s = find(id)) {
        s->rec.tls = std::move(state);
        append(*s, {std::chrono::system_clock::now(), direction::server, {}, "TLS started (" + s->rec.tls + ")"});
    }
}

void session_journal::set_user(std::uint64_t id, std::string user) {
    std::lock_guard lock(mu_);
    if (slot* s = find(id)) s->rec.user = std::move(user);
}

void session_journal::add_finding(std::uint64_t id, finding f) {
    std::lock_guard lock(mu_);
    slot* s = find(id);
    if (!s || s->rec.findings.size() >= lim_.max_findings_per_session) return;
    for (const auto& old : s->rec.findings)
        if (old.code == f.code) return;
    s->rec.findings.push_back(std::move(f));
}

void session_journal::close(std::uint64_t id) {
    std::optional<session_event> ev;
    {
        std::lock_guard lock(mu_);
        slot* s = find(id);
        if (!s || s->rec.ended) return;
        s->rec.ended = std::chrono::system_clock::now();
        ev = session_event{session_event::kind::ended, s->rec};
    }
    events_.publish(*ev);
}

std::vector<session_record> session_journal::list() const {
    std::lock_guard lock(mu_);
    std::vector<session_record> out;
    out.reserve(sessions_.size());
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) out.push_back(it->rec);
    return out;
}

std::optional<session_record> session_journal::get(std::uint64_t id) const {
    std::lock_guard lock(mu_);
    if (const slot* s = find(id)) return s->rec;
    return std::nullopt;
}

void session_journal::clear() {
    std::lock_guard lock(mu_);
    std::erase_if(sessions_, [](const slot& s) { return s.rec.ended.has_value(); });
}

}  // namespace mailroom::sandbox
