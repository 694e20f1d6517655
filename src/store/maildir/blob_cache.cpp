#include "store/maildir/blob_cache.hpp"

#include <charconv>

#include "common/errors.hpp"
#include "store/mail_store.hpp"
#include "store/maildir/layout.hpp"

namespace mailroom::store::maildir {
namespace {

constexpr std::string_view file_header = "mailroom-blobs 1\n";
constexpr std::size_t max_header_line = 96;  // four numbers, a key, three spaces

template <class T>
std::optional<T> next_number(std::string_view& s) {
    T v{};
    auto sp = s.find(' ');
    auto w = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (w.empty() || ec != std::errc{} || end != w.data() + w.size()) return std::nullopt;
    return v;
}

}  // namespace

bool valid_blob_key(std::string_view key) {
    if (key.empty() || key.size() > 32) return false;
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

std::string blob_cache::header_line(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key,
                                    std::size_t octets) const {
    return std::to_string(uidvalidity) + " " + std::to_string(uid) + " " + std::string(key) + " " +
           std::to_string(octets) + "\n";
}

std::error_code blob_cache::start_afresh() {
    where_.clear();
    scanned_ = 0;
    if (auto ec = fs_.unlink(dir_ / blob_file); ec && ec != errc::not_found) return ec;
    return {};
}

std::error_code blob_cache::scan(durable::appendable_file& file, std::uint32_t uidvalidity) {
    if (uidvalidity != uidvalidity_) where_.clear(), scanned_ = 0, uidvalidity_ = uidvalidity;
    auto size = file.size();
    if (!size) return size.error();
    if (scanned_ == 0) {
        if (*size == 0) {
            if (auto ec = file.append(file_header)) return ec;
            scanned_ = file_header.size();
            return {};
        }
        auto head = file.read_at(0, file_header.size());
        if (!head) return head.error();
        if (*head != file_header) return make_error_code(errc::invalid_argument);  // damaged: caller starts afresh
        scanned_ = file_header.size();
    }
    if (*size < scanned_) return make_error_code(errc::invalid_argument);  // replaced by a shorter one
    while (scanned_ < *size) {
        auto bytes = file.read_at(scanned_, max_header_line);
        if (!bytes) return bytes.error();
        auto nl = bytes->find('\n');
        if (nl == std::string::npos) return make_error_code(errc::invalid_argument);
        std::string_view line(bytes->data(), nl);
        auto v = next_number<std::uint32_t>(line);
        auto uid = next_number<std::uint32_t>(line);
        auto sp = line.find(' ');
        auto key = line.substr(0, sp);
        line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
        auto octets = next_number<std::uint32_t>(line);
        if (!v || !uid || !valid_blob_key(key) || !octets || *octets > mailbox::max_cached_blob_bytes || !line.empty())
            return make_error_code(errc::invalid_argument);
        const std::uint64_t end = scanned_ + nl + 1 + *octets;
        if (end + 1 > *size) return make_error_code(errc::invalid_argument);  // torn by a crash
        auto last = file.read_at(end, 1);
        if (!last) return last.error();
        if (*last != "\n") return make_error_code(errc::invalid_argument);
        if (*v == uidvalidity)
            where_[{*uid, std::string(key)}] = place{scanned_, static_cast<std::uint32_t>(nl + 1), *octets};
        scanned_ = end + 1;
    }
    return {};
}

result<std::optional<std::string>> blob_cache::get(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key) {
    if (!valid_blob_key(key)) return make_error_code(errc::invalid_argument);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto it = where_.find(std::pair<std::uint32_t, std::string>{uid, std::string(key)});
        if (it == where_.end() || uidvalidity != uidvalidity_) {
            if (attempt == 1) return std::optional<std::string>{};
            // Perhaps another session cached it since: read what was appended.
            auto lock = fs_.lock_wait(dir_ / index_lock_file);
            if (!lock) return lock.error();
            auto file = fs_.open_append(dir_ / blob_file);
            if (!file) return file.error();
            if (auto ec = scan(**file, uidvalidity)) {
                if (ec != errc::invalid_argument) return ec;
                if (auto ec2 = start_afresh()) return ec2;
                return std::optional<std::string>{};
            }
            continue;
        }
        const place p = it->second;
        auto bytes = fs_.read_range(dir_ / blob_file, p.offset, p.header + p.octets + 1);
        if (!bytes && bytes.error() != errc::not_found) return bytes.error();
        // The record must still be the one indexed: a replaced file fails here.
        if (bytes && bytes->size() == p.header + p.octets + 1 &&
            std::string_view(*bytes).substr(0, p.header) == header_line(uidvalidity, uid, key, p.octets) &&
            bytes->back() == '\n') {
            bytes->pop_back();
            bytes->erase(0, p.header);
            return std::optional<std::string>(std::move(*bytes));
        }
        where_.clear();
        scanned_ = 0;
    }
    return std::optional<std::string>{};
}

std::error_code blob_cache::put(std::uint32_t uidvalidity, std::uint32_t uid, std::string_view key,
                                std::string_view blob) {
    if (!valid_blob_key(key) || blob.size() > mailbox::max_cached_blob_bytes || uid == 0)
        return make_error_code(errc::invalid_argument);
    auto lock = fs_.lock_wait(dir_ / index_lock_file);
    if (!lock) return lock.error();
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto file = fs_.open_append(dir_ / blob_file);
        if (!file) return file.error();
        auto ec = scan(**file, uidvalidity);
        if (ec == errc::invalid_argument && attempt == 0) {
            if ((ec = start_afresh())) return ec;
            continue;
        }
        if (ec) return ec;
        const std::string header = header_line(uidvalidity, uid, key, blob.size());
        std::string record = header;
        record.append(blob);
        record += '\n';
        if ((ec = (*file)->append(record))) {
            scanned_ = 0;  // a partial record: the next scan finds and discards it
            where_.clear();
            return ec;
        }
        where_[{uid, std::string(key)}] = place{scanned_, static_cast<std::uint32_t>(header.size()),
                                                static_cast<std::uint32_t>(blob.size())};
        scanned_ += record.size();
        return {};
    }
    return make_error_code(errc::invalid_argument);
}

}  // namespace mailroom::store::maildir
