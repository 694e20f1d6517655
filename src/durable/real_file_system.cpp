// file_system over POSIX calls, errno turned into std::error_code.
#include "durable/file_system.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/errors.hpp"
#include "common/handles.hpp"

namespace mailroom::durable {
namespace {

std::error_code errno_code(int e = errno) {
    if (e == ENOENT) return make_error_code(errc::not_found);
    if (e == EEXIST) return make_error_code(errc::already_exists);
    return {e, std::generic_category()};
}

// write() until every byte is out (short writes and EINTR retried).
std::error_code write_fully(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_code();
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

class posix_file final : public writable_file {
public:
    explicit posix_file(unique_fd fd) : fd_(std::move(fd)) {}
    std::error_code write_all(std::string_view bytes) override { return write_fully(fd_.get(), bytes); }
    std::error_code sync_data() override {
        if (::fdatasync(fd_.get()) != 0) return errno_code();
        return {};
    }

private:
    unique_fd fd_;
};

// pread until length bytes or the end of the file. The buffer starts at
// what the file holds (plus one byte, to see the end), not at length: a
// caller asking for "up to 64 MiB" of a 10 KiB message (SEARCH) must not
// have 64 MiB zeroed and faulted in for it; it grows if the file has.
result<std::string> pread_range(int fd, std::uint64_t offset, std::size_t length) {
    std::size_t first = length;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size >= 0) {
        const auto size = static_cast<std::uint64_t>(st.st_size);
        first = static_cast<std::size_t>(std::min<std::uint64_t>(length, (size > offset ? size - offset : 0) + 1));
    }
    std::string out(first, '\0');
    std::size_t got = 0;
    while (got < length) {
        if (got == out.size()) out.resize(std::min(length, std::max<std::size_t>(4096, out.size() * 2)));
        const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_code();
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

class posix_append_file final : public appendable_file {
public:
    explicit posix_append_file(unique_fd fd) : fd_(std::move(fd)) {}
    std::error_code append(std::string_view bytes) override { return write_fully(fd_.get(), bytes); }
    result<std::string> read_at(std::uint64_t offset, std::size_t length) override {
        return pread_range(fd_.get(), offset, length);
    }
    result<std::uint64_t> size() override {
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) return errno_code();
        return static_cast<std::uint64_t>(st.st_size);
    }
    std::error_code sync_data() override {
        if (::fdatasync(fd_.get()) != 0) return errno_code();
        return {};
    }

private:
    unique_fd fd_;
};

class posix_lock final : public directory_lock {
public:
    explicit posix_lock(unique_fd fd) : fd_(std::move(fd)) {}  // closing the fd releases the flock

private:
    unique_fd fd_;
};

class posix_file_system final : public file_system {
public:
    result<std::unique_ptr<writable_file>> create_exclusive(const std::filesystem::path& file) override {
        unique_fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) return errno_code();
        return std::unique_ptr<writable_file>(std::make_unique<posix_file>(std::move(fd)));
    }

    std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) return errno_code();
        return {};
    }

    std::error_code unlink(const std::filesystem::path& file) override {
        if (::unlink(file.c_str()) != 0) return errno_code();
        return {};
    }

    std::error_code sync_directory(const std::filesystem::path& dir) override {
        unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return errno_code();
        if (::fsync(fd.get()) != 0) return errno_code();
        return {};
    }

    result<std::string> read_file(const std::filesystem::path& file) override {
        unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return errno_code();
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return errno_code();
        std::string out;
        out.reserve(static_cast<std::size_t>(st.st_size));
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno_code();
            }
            if (n == 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

    result<std::vector<std::string>> list_directory(const std::filesystem::path& dir) override {
        std::error_code ec;
        std::filesystem::directory_iterator it(dir, ec), end;
        if (ec) return ec == std::errc::no_such_file_or_directory ? make_error_code(errc::not_found) : ec;
        std::vector<std::string> names;
        for (; it != end; it.increment(ec)) {
            if (ec) return ec;
            names.push_back(it->path().filename().string());
        }
        if (ec) return ec;
        return names;
    }

    result<bool> make_directory(const std::filesystem::path& dir) override {
        if (::mkdir(dir.c_str(), 0700) == 0) return true;
        const int e = errno;
        struct stat st {};
        if (e == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return false;
        return result<bool>(boost::system::in_place_error, errno_code(e));
    }

    result<std::unique_ptr<directory_lock>> lock_exclusive(const std::filesystem::path& file) override {
        unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) return errno_code();
        while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EINTR) continue;
            if (errno == EWOULDBLOCK) return make_error_code(errc::in_use);
            return errno_code();
        }
        return std::unique_ptr<directory_lock>(std::make_unique<posix_lock>(std::move(fd)));
    }

    result<std::unique_ptr<directory_lock>> lock_wait(const std::filesystem::path& file) override {
        unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) return errno_code();
        while (::flock(fd.get(), LOCK_EX) != 0)
            if (errno != EINTR) return errno_code();
        return std::unique_ptr<directory_lock>(std::make_unique<posix_lock>(std::move(fd)));
    }

    result<std::unique_ptr<appendable_file>> open_append(const std::filesystem::path& file) override {
        unique_fd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) return errno_code();
        return std::unique_ptr<appendable_file>(std::make_unique<posix_append_file>(std::move(fd)));
    }

    result<std::string> read_range(const std::filesystem::path& file, std::uint64_t offset,
                                   std::size_t length) override {
        unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return errno_code();
        return pread_range(fd.get(), offset, length);
    }

    result<file_info> stat(const std::filesystem::path& file) override {
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) return errno_code();
        file_info out;
        out.size = static_cast<std::uint64_t>(st.st_size);
        out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        out.directory = S_ISDIR(st.st_mode);
        return out;
    }

    std::error_code remove_directory(const std::filesystem::path& dir) override {
        if (::rmdir(dir.c_str()) != 0) return errno_code();
        return {};
    }
};

}  // namespace

file_system& real_file_system() {
    static posix_file_system instance;
    return instance;
}

}  // namespace mailroom::durable
