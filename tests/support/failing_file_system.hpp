// A file_system that forwards to another and fails the Nth operation
// (counting every call, including writes and syncs through the files it
// hands out) with EIO: Beast's test::fail_count for the spool (STYLE.md §9).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>

#include "durable/file_system.hpp"

namespace mailroom::durable::test {

class failing_file_system final : public file_system {
public:
    // fail_at == 0: never fail, only count.
    explicit failing_file_system(file_system& inner, std::uint64_t fail_at = 0) : inner_(inner), fail_at_(fail_at) {}

    std::uint64_t operations() const { return count_.load(); }
    bool failed() const { return failed_.load(); }

    result<std::unique_ptr<writable_file>> create_exclusive(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        auto f = inner_.create_exclusive(p);
        if (!f) return f.error();
        return std::unique_ptr<writable_file>(std::make_unique<file>(*this, std::move(*f)));
    }
    std::error_code rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
        if (auto ec = tick()) return ec;
        return inner_.rename(a, b);
    }
    std::error_code unlink(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.unlink(p);
    }
    std::error_code sync_directory(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.sync_directory(p);
    }
    result<std::string> read_file(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.read_file(p);
    }
    result<std::vector<std::string>> list_directory(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.list_directory(p);
    }
    result<bool> make_directory(const std::filesystem::path& p) override {
        if (auto ec = tick()) return result<bool>(boost::system::in_place_error, ec);
        return inner_.make_directory(p);
    }
    result<std::unique_ptr<directory_lock>> lock_exclusive(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.lock_exclusive(p);
    }
    result<std::unique_ptr<directory_lock>> lock_wait(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.lock_wait(p);
    }
    result<std::unique_ptr<appendable_file>> open_append(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        auto f = inner_.open_append(p);
        if (!f) return f.error();
        return std::unique_ptr<appendable_file>(std::make_unique<append_file>(*this, std::move(*f)));
    }
    result<std::string> read_range(const std::filesystem::path& p, std::uint64_t off, std::size_t n) override {
        if (auto ec = tick()) return ec;
        return inner_.read_range(p, off, n);
    }
    result<file_info> stat(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.stat(p);
    }
    std::error_code remove_directory(const std::filesystem::path& p) override {
        if (auto ec = tick()) return ec;
        return inner_.remove_directory(p);
    }

private:
    class append_file final : public appendable_file {
    public:
        append_file(failing_file_system& fs, std::unique_ptr<appendable_file> inner)
            : fs_(fs), inner_(std::move(inner)) {}
        std::error_code append(std::string_view b) override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->append(b);
        }
        result<std::string> read_at(std::uint64_t off, std::size_t n) override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->read_at(off, n);
        }
        result<std::uint64_t> size() override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->size();
        }
        std::error_code sync_data() override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->sync_data();
        }

    private:
        failing_file_system& fs_;
        std::unique_ptr<appendable_file> inner_;
    };

    class file final : public writable_file {
    public:
        file(failing_file_system& fs, std::unique_ptr<writable_file> inner) : fs_(fs), inner_(std::move(inner)) {}
        std::error_code write_all(std::string_view b) override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->write_all(b);
        }
        std::error_code sync_data() override {
            if (auto ec = fs_.tick()) return ec;
            return inner_->sync_data();
        }

    private:
        failing_file_system& fs_;
        std::unique_ptr<writable_file> inner_;
    };

    std::error_code tick() {
        if (++count_ != fail_at_) return {};
        failed_ = true;
        return {EIO, std::generic_category()};
    }

    file_system& inner_;
    const std::uint64_t fail_at_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<bool> failed_{false};
};

}  // namespace mailroom::durable::test
