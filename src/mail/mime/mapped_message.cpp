// Read-only mapping of a message file (see mapped_message.hpp).
#include "mail/mime/mapped_message.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "common/handles.hpp"

namespace mailroom::mime {

result<mapped_message> mapped_message::open(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::error_code(errno, std::system_category());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return std::error_code(errno, std::system_category());
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) return mapped_message(nullptr, 0);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) return std::error_code(errno, std::system_category());
    return mapped_message(static_cast<const char*>(p), size);
}

mapped_message::mapped_message(mapped_message&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

mapped_message& mapped_message::operator=(mapped_message&& o) noexcept {
    if (this != &o) {
        unmap();
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

mapped_message::~mapped_message() { unmap(); }

void mapped_message::unmap() noexcept {
    // const_cast: munmap takes void*; the mapping is never written.
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
}

}  // namespace mailroom::mime
