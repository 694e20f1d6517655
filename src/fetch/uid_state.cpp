#include "fetch/uid_state.hpp"

#include <fmt/format.h>

#include "common/errors.hpp"

namespace mailroom::fetch {
namespace {

// Records, one a line: "V validity", "P uid token", "S uid", "D uid".
constexpr std::string_view magic = "mailroom-fetch-state 1\n";

std::string sanitised(std::string_view s) {
    std::string out;
    for (char c : s) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '-' || c == '_' || c == '@';
        out += keep ? c : '_';
    }
    return out.substr(0, 80);
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

}  // namespace

std::string state_file_name(const state_key& k) {
    // The raw key, with separators no part can contain unescaped, for the hash.
    const auto raw = fmt::format("{}\n{}\n{}\n{}\n{}", k.protocol, k.host, k.port, k.user, k.folder);
    auto readable = sanitised(k.protocol + "-" + k.user + "@" + k.host + "-" + std::to_string(k.port));
    if (!k.folder.empty()) readable += "-" + sanitised(k.folder);
    return fmt::format(".mailroom-fetch-{}-{:016x}.state", readable, fnv1a(raw));
}

bool valid_uid(std::string_view uid) noexcept {
    if (uid.empty() || uid.size() > 70) return false;
    for (unsigned char c : uid)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

result<std::unique_ptr<uid_state>> uid_state::open(durable::file_system& fs, std::filesystem::path file) {
    std::unique_ptr<uid_state> s(new uid_state(fs, std::move(file)));
    auto lock = fs.lock_exclusive(s->file_.string() + ".lock");
    if (!lock) return lock.error();
    s->lock_ = std::move(*lock);
    auto text = fs.read_file(s->file_);
    if (!text && text.error() != errc::not_found) return text.error();
    auto journal = fs.open_append(s->file_);
    if (!journal) return journal.error();
    s->journal_ = std::move(*journal);
    std::string_view all = text ? std::string_view(*text) : std::string_view();
    if (all.empty()) {
        if (auto ec = s->append(std::string(magic))) return ec;
        return s;
    }
    if (all.substr(0, magic.size()) != magic) return make_error_code(errc::invalid_argument);
    all.remove_prefix(magic.size());
    bool torn = false;
    while (!all.empty()) {
        const auto eol = all.find('\n');
        if (eol == std::string_view::npos) {
            torn = true;  // the crash came mid-append: this record never counted
            break;
        }
        const auto line = all.substr(0, eol);
        all.remove_prefix(eol + 1);
        if (line.size() < 3 || line[1] != ' ') continue;
        const auto rest = line.substr(2);
        const auto space = rest.find(' ');
        const std::string uid(rest.substr(0, space));
        switch (line[0]) {
            case 'V': s->validity_ = std::string(rest); break;
            case 'P':
                if (space != std::string_view::npos) s->pending_[uid] = std::string(rest.substr(space + 1));
                break;
            case 'S':
                s->pending_.erase(uid);
                s->stored_.insert(uid);
                break;
            case 'D': s->pending_.erase(uid); break;
            default: break;
        }
    }
    // The torn record must never count, not even once a later record
    // completes its line: the journal is rewritten without it.
    if (torn)
        if (auto ec = s->rewrite(s->stored_, s->pending_, s->validity_)) return ec;
    return s;
}

std::error_code uid_state::append(std::string record) {
    if (auto ec = journal_->append(record)) return ec;
    return journal_->sync_data();
}

std::error_code uid_state::begin(std::string_view uid, std::string_view token) {
    if (!valid_uid(uid) || token.find_first_of(" \r\n") != std::string_view::npos || token.empty())
        return make_error_code(errc::invalid_argument);
    if (auto ec = append(fmt::format("P {} {}\n", uid, token))) return ec;
    pending_[std::string(uid)] = std::string(token);
    return {};
}

std::error_code uid_state::mark_stored(std::string_view uid) {
    if (!valid_uid(uid)) return make_error_code(errc::invalid_argument);
    if (auto ec = append(fmt::format("S {}\n", uid))) return ec;
    pending_.erase(std::string(uid));
    stored_.insert(std::string(uid));
    return {};
}

std::error_code uid_state::drop(std::string_view uid) {
    if (!valid_uid(uid)) return make_error_code(errc::invalid_argument);
    if (auto ec = append(fmt::format("D {}\n", uid))) return ec;
    pending_.erase(std::string(uid));
    return {};
}

std::error_code uid_state::rewrite(const std::set<std::string>& stored,
                                   const std::map<std::string, std::string>& pending, std::string_view validity) {
    std::string text(magic);
    if (!validity.empty()) text += fmt::format("V {}\n", validity);
    for (const auto& uid : stored) text += fmt::format("S {}\n", uid);
    for (const auto& [uid, token] : pending) text += fmt::format("P {} {}\n", uid, token);
    const auto tmp = file_.string() + ".tmp";
    (void)fs_.unlink(tmp);  // a leftover of an interrupted rewrite (else not_found)
    auto f = fs_.create_exclusive(tmp);
    if (!f) return f.error();
    if (auto ec = (*f)->write_all(text)) return ec;
    if (auto ec = (*f)->sync_data()) return ec;
    f->reset();
    if (auto ec = fs_.rename(tmp, file_)) return ec;
    if (auto ec = fs_.sync_directory(file_.parent_path().empty() ? "." : file_.parent_path())) return ec;
    auto journal = fs_.open_append(file_);
    if (!journal) return journal.error();
    journal_ = std::move(*journal);
    return {};
}

std::error_code uid_state::compact(const std::set<std::string>& present, std::string_view validity) {
    if (validity.find_first_of("\r\n") != std::string_view::npos) return make_error_code(errc::invalid_argument);
    const bool restart = validity != validity_;
    std::set<std::string> keep;
    if (!restart)
        for (const auto& uid : stored_)
            if (present.count(uid)) keep.insert(uid);
    // Pending records stay until recover() resolved them (the caller does
    // that first); a new validity drops them with the rest.
    std::map<std::string, std::string> pending = restart ? std::map<std::string, std::string>{} : pending_;
    if (auto ec = rewrite(keep, pending, validity)) return ec;
    stored_ = std::move(keep);
    pending_ = std::move(pending);
    validity_ = std::string(validity);
    return {};
}

}  // namespace mailroom::fetch
