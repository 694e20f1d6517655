#include "server/staged_body.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <utility>

#include "common/clock.hpp"

namespace mailroom::server {
namespace {

// Unique within the process by the counter, across processes by the pid
// and a random part; the spool's own files are named by queue id.
std::string staging_name() {
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t salt = system_random().next_u64();
    return fmt::format("body.{}.{:x}.{}", ::getpid(), salt & 0xffffffffu, counter.fetch_add(1));
}

}  // namespace

staged_body::staged_body(durable::file_system& fs, const std::filesystem::path& staging_dir, std::size_t memory_bytes)
    : fs_(fs), dir_(staging_dir), memory_bytes_(memory_bytes) {}

staged_body::~staged_body() { clear(); }

std::error_code staged_body::spill() {
    path_ = dir_ / staging_name();
    auto f = fs_.open_append(path_);
    if (!f) return f.error();
    file_ = std::move(*f);
    if (!memory_.empty())
        if (auto ec = file_->append(memory_)) return ec;
    memory_.clear();
    memory_.shrink_to_fit();
    return {};
}

std::error_code staged_body::append(std::string_view bytes) {
    if (failed_) return failed_;
    if (!file_ && memory_.size() + bytes.size() > memory_bytes_) failed_ = spill();
    if (!failed_) {
        if (file_) failed_ = file_->append(bytes);
        else memory_ += bytes;
    }
    if (failed_) {  // nothing more is kept: the text will be refused
        memory_.clear();
        memory_.shrink_to_fit();
        return failed_;
    }
    size_ += bytes.size();
    return {};
}

void staged_body::clear() {
    if (file_ || !path_.empty()) {
        file_.reset();
        fs_.unlink(path_);
        path_.clear();
    }
    memory_.clear();
    if (memory_.capacity() > memory_bytes_) memory_.shrink_to_fit();
    size_ = 0;
    failed_ = {};
}

std::error_code staged_body::copy_to(const sink& to) const {
    if (failed_) return failed_;
    if (!file_) return memory_.empty() ? std::error_code{} : to(memory_);
    for (std::uint64_t at = 0; at < size_;) {
        auto piece = file_->read_at(at, read_piece_bytes);
        if (!piece) return piece.error();
        if (piece->empty()) return std::make_error_code(std::errc::io_error);  // shorter than written
        if (auto ec = to(*piece)) return ec;
        at += piece->size();
    }
    return {};
}

}  // namespace mailroom::server
