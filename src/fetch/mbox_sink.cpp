// fetch::open_mbox_sink: messages appended to an mbox file in the mboxrd
// format: a "From " line, the message with LF line ends and every line
// matching /^>*From / given one more '>', then an empty line. The file is
// locked (fcntl, as mutt and procmail do) while a message is written, then
// fsync'd; a failed message is truncated away. The recovery token is the
// offset where the message began: after a crash the file is cut back there.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <stdexcept>

#include "common/errors.hpp"
#include "common/handles.hpp"
#include "fetch/sink.hpp"

namespace mailroom::fetch {
namespace {

namespace fs = std::filesystem;

std::error_code last_error() { return {errno, std::generic_category()}; }

class mbox_sink final : public sink {
public:
    mbox_sink(fs::path file, unique_fd fd)
        : file_(std::move(file)), description_("mbox:" + file_.string()), fd_(std::move(fd)) {}
    ~mbox_sink() override { abort(); }

    const std::string& description() const noexcept override { return description_; }
    fs::path state_directory() const override {
        const auto dir = file_.parent_path();
        return dir.empty() ? fs::path(".") : dir;
    }

    std::error_code begin() override {
        abort();
        if (auto ec = lock(F_WRLCK)) return ec;
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) return fail_begin();
        start_ = static_cast<std::uint64_t>(st.st_size);
        active_ = true;
        at_line_start_ = true;
        head_.clear();
        last_ = '\n';
        out_.clear();
        // mboxrd "From " line: the sender is not known from POP3; the date is
        // asctime(3)'s form, as mbox readers expect.
        const std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        char date[64];
        std::strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
        out_ = std::string("From MAILER-DAEMON ") + date + "\n";
        return {};
    }
    std::string recovery_token() const override { return std::to_string(start_); }

    std::error_code write(std::string_view piece) override {
        if (!active_) return make_error_code(errc::invalid_argument);
        for (char c : piece) put(c);
        return out_.size() >= 64 * 1024 ? flush() : std::error_code();
    }

    std::error_code commit() override {
        if (!active_) return make_error_code(errc::invalid_argument);
        if (pending_cr_) emit('\r');
        pending_cr_ = false;
        end_head();
        if (last_ != '\n') emit('\n');
        emit('\n');  // the empty line before the next "From "
        if (auto ec = flush()) return fail(ec);
        if (::fsync(fd_.get()) != 0) return fail(last_error());
        active_ = false;
        (void)lock(F_UNLCK);
        return {};
    }

    void abort() noexcept override {
        if (!active_) return;
        active_ = false;
        out_.clear();
        (void)::ftruncate(fd_.get(), static_cast<off_t>(start_));
        (void)::fsync(fd_.get());
        (void)lock(F_UNLCK);
    }

    result<bool> recover(std::string_view token) override {
        std::uint64_t offset = 0;
        const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
        if (ec != std::errc() || end != token.data() + token.size())
            return result<bool>(boost::system::in_place_error, make_error_code(errc::invalid_argument));
        if (auto e = lock(F_WRLCK)) return result<bool>(boost::system::in_place_error, e);
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) {
            const auto e = last_error();
            (void)lock(F_UNLCK);
            return result<bool>(boost::system::in_place_error, e);
        }
        // Whatever was written from there on is the message cut short (or
        // whole but not journaled): it is still on the server, so cut it away.
        if (static_cast<std::uint64_t>(st.st_size) > offset) {
            if (::ftruncate(fd_.get(), static_cast<off_t>(offset)) != 0 || ::fsync(fd_.get()) != 0) {
                const auto e = last_error();
                (void)lock(F_UNLCK);
                return result<bool>(boost::system::in_place_error, e);
            }
        }
        (void)lock(F_UNLCK);
        return false;
    }

private:
    std::error_code lock(short type) {
        struct flock fl {};
        fl.l_type = type;
        fl.l_whence = SEEK_SET;
        while (::fcntl(fd_.get(), F_SETLKW, &fl) != 0)
            if (errno != EINTR) return last_error();
        return {};
    }
    std::error_code fail_begin() {
        const auto ec = last_error();
        (void)lock(F_UNLCK);
        return ec;
    }
    std::error_code fail(std::error_code ec) {
        abort();
        return ec;
    }

    // CRLF becomes LF; a lone CR stays.
    void put(char c) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c != '\n') line_char('\r');
        }
        if (c == '\r') {
            pending_cr_ = true;
            return;
        }
        line_char(c);
    }
    // mboxrd: the start of a line is held while it may still be ">*From ".
    void line_char(char c) {
        if (!at_line_start_) {
            emit(c);
            if (c == '\n') at_line_start_ = true;
            return;
        }
        head_ += c;
        static constexpr std::string_view from = "From ";
        const auto gts = head_.find_first_not_of('>');
        if (gts == std::string::npos) return;  // only '>' so far
        const std::string_view rest = std::string_view(head_).substr(gts);
        if (rest == from) {
            emit('>');
            end_head();
        } else if (from.substr(0, rest.size()) != rest) {
            end_head();
        }
    }
    void end_head() {
        for (char h : head_) emit(h);
        at_line_start_ = !head_.empty() && head_.back() == '\n';
        if (head_.empty()) at_line_start_ = true;
        head_.clear();
    }
    void emit(char c) {
        out_ += c;
        last_ = c;
    }
    std::error_code flush() {
        std::string_view rest(out_);
        while (!rest.empty()) {
            const ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return last_error();
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        out_.clear();
        return {};
    }

    fs::path file_;
    std::string description_;
    unique_fd fd_;
    bool active_ = false;
    std::uint64_t start_ = 0;
    std::string out_, head_;
    bool at_line_start_ = true, pending_cr_ = false;
    char last_ = '\n';
};

}  // namespace

std::unique_ptr<sink> open_mbox_sink(const fs::path& file) {
    unique_fd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) throw std::runtime_error("cannot open the mbox " + file.string() + ": " + last_error().message());
    return std::make_unique<mbox_sink>(file, std::move(fd));
}

}  // namespace mailroom::fetch
