#include "store/maildir/message_file.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "common/errors.hpp"

namespace mailroom::store::maildir {
namespace {

std::error_code errno_code(int e) {
    if (e == ENOENT) return make_error_code(errc::not_found);
    return {e, std::generic_category()};
}

std::error_code would_block() { return std::make_error_code(std::errc::operation_would_block); }

}  // namespace

result<std::unique_ptr<message_reader>> message_file::open(const std::filesystem::path& file, read_mode mode,
                                                           std::uint64_t size) {
    int fd = -1;
    if (mode == read_mode::cached_only) {
        // Linux 5.12: fail with EAGAIN rather than look up anything not cached.
        open_how how{};
        how.flags = O_RDONLY | O_CLOEXEC;
        how.resolve = RESOLVE_CACHED;
        fd = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, file.c_str(), &how, sizeof how));
        if (fd < 0 && (errno == EAGAIN || errno == ENOSYS || errno == EINVAL || errno == E2BIG)) return would_block();
    } else {
        do fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
    }
    if (fd < 0) return errno_code(errno);
    return std::unique_ptr<message_reader>(new message_file(unique_fd(fd), size));
}

result<std::size_t> message_file::read(std::span<char> into) {
    std::size_t got = 0;
    while (got < into.size()) {
        const ssize_t n = ::pread(fd_.get(), into.data() + got, into.size() - got, static_cast<off_t>(offset_));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_code(errno);
        }
        if (n == 0) {
            if (final_lf_missing()) into[got++] = '\n', ++offset_;
            break;
        }
        got += static_cast<std::size_t>(n);
        offset_ += static_cast<std::uint64_t>(n);
    }
    return got;
}

result<message_reader::cached_part> message_file::read_cached(std::span<char> into) {
    cached_part part;
    while (part.bytes < into.size()) {
        iovec iov{into.data() + part.bytes, into.size() - part.bytes};
        // Linux 4.14: RWF_NOWAIT returns EAGAIN instead of waiting for the
        // disk; a short count may be a partly cached range, so only 0 is the end.
        const ssize_t n = ::preadv2(fd_.get(), &iov, 1, static_cast<off_t>(offset_), RWF_NOWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EOPNOTSUPP) return part;
            return errno_code(errno);
        }
        if (n == 0) {
            if (final_lf_missing()) into[part.bytes++] = '\n', ++offset_;
            part.at_end = true;
            break;
        }
        part.bytes += static_cast<std::size_t>(n);
        offset_ += static_cast<std::uint64_t>(n);
    }
    return part;
}

}  // namespace mailroom::store::maildir
