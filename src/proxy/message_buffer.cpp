#include "proxy/message_buffer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mailroom::proxy {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

}  // namespace

std::error_code message_buffer::spill() {
    const int fd = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return last_error();
    file_.reset(fd);
    for (std::size_t at = 0; at < memory_.size();) {
        const auto n = ::write(fd, memory_.data() + at, memory_.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? last_error() : std::make_error_code(std::errc::io_error);
        at += static_cast<std::size_t>(n);
    }
    memory_.clear();
    memory_.shrink_to_fit();
    return {};
}

std::error_code message_buffer::append(std::string_view bytes) {
    if (failed_) return failed_;
    const std::size_t n_bytes = bytes.size();
    if (!file_ && memory_.size() + bytes.size() > memory_bytes_) failed_ = spill();
    if (!failed_ && !file_) memory_ += bytes;
    while (!failed_ && file_ && !bytes.empty()) {
        const auto n = ::write(file_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) failed_ = n < 0 ? last_error() : std::make_error_code(std::errc::io_error);
        else bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    if (failed_) {  // nothing more is kept: the message will be refused
        memory_.clear();
        memory_.shrink_to_fit();
        file_.reset();
        return failed_;
    }
    size_ += n_bytes;
    return {};
}

result<std::string> message_buffer::read(std::uint64_t offset, std::size_t max) const {
    if (failed_) return failed_;
    if (offset >= size_) return std::string();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, size_ - offset));
    if (!file_) return memory_.substr(static_cast<std::size_t>(offset), n);
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const auto r = ::pread(file_.get(), out.data() + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return last_error();
        if (r == 0) break;  // shorter than written: the caller treats a short piece as an error
        got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
}

}  // namespace mailroom::proxy
