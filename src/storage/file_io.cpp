#include "storage/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/errors.hpp"
#include "common/handles.hpp"
#include "durable/file_system.hpp"

namespace mailroom::storage {

std::error_code errno_code() noexcept { return {errno, std::generic_category()}; }

std::error_code write_all(int fd, std::string_view bytes) {
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

std::error_code sync_directory(const std::filesystem::path& dir) {
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return errno_code();
    if (::fsync(fd.get()) != 0) return errno_code();
    return {};
}

std::error_code make_private_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return {};
    if (dir.has_parent_path() && dir.parent_path() != dir)
        if (auto pe = make_private_dirs(dir.parent_path())) return pe;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_code();
    return {};
}

std::error_code write_then_rename_durably(const std::filesystem::path& tmp, const std::filesystem::path& target,
                                          std::string_view content, temp_file mode) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == temp_file::must_be_new ? O_EXCL : O_TRUNC);
    {
        unique_fd fd(::open(tmp.c_str(), flags, 0600));
        if (!fd) return errno_code();
        std::error_code ec = write_all(fd.get(), content);
        if (!ec && ::fsync(fd.get()) != 0) ec = errno_code();
        if (ec) {
            ::unlink(tmp.c_str());
            return ec;
        }
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        auto ec = errno_code();
        ::unlink(tmp.c_str());
        return ec;
    }
    return sync_directory(target.parent_path());
}

std::error_code replace_file_durably(const std::filesystem::path& target, std::string_view content) {
    auto tmp = target;
    tmp += ".tmp." + std::to_string(::getpid());  // a leftover from a crash is overwritten
    return write_then_rename_durably(tmp, target, content, temp_file::may_exist);
}

result<std::string> read_whole_file(const std::filesystem::path& file) {
    return durable::real_file_system().read_file(file);
}

}  // namespace mailroom::storage
