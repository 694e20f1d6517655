#include "store/maildir/message_writer.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/maildirsize.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/uid_file.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;

constexpr std::size_t buffer_bytes = 64 * 1024;

result<std::unique_ptr<streaming_writer>> streaming_writer::start(durable::file_system& fs, fs::path dir,
                                                                  std::string event_key) {
    auto tmp = dir / "tmp" / new_unique_name();
    auto file = fs.create_exclusive(tmp);
    if (!file) return file.error();
    return std::unique_ptr<streaming_writer>(
        new streaming_writer(fs, std::move(dir), std::move(tmp), std::move(*file), std::move(event_key)));
}

streaming_writer::streaming_writer(durable::file_system& fs, fs::path dir, fs::path tmp,
                                   std::unique_ptr<durable::writable_file> file, std::string event_key)
    : fs_(fs), dir_(std::move(dir)), tmp_(std::move(tmp)), file_(std::move(file)), event_key_(std::move(event_key)) {
    buffer_.reserve(buffer_bytes);
}

streaming_writer::~streaming_writer() {
    if (!finished_) {  // abandoned: nothing stays behind in tmp/
        file_.reset();
        fs_.unlink(tmp_);
    }
}

void streaming_writer::put(char c) {
    buffer_ += c;
    ++size_;
    // On the wire every LF is CRLF (an LF after a stored CR stays as is).
    crlf_size_ += (c == '\n' && last_ != '\r') ? 2 : 1;
    last_ = c;
}

std::error_code streaming_writer::flush() {
    if (buffer_.empty()) return {};
    auto ec = file_->write_all(buffer_);
    buffer_.clear();
    return ec;
}

// A run of content with no CR in it, counted and buffered at once; a run
// larger than the buffer goes to the file without being copied.
std::error_code streaming_writer::put_run(std::string_view run) {
    if (run.empty()) return {};
    const auto lfs = static_cast<std::uint64_t>(std::count(run.begin(), run.end(), '\n'));
    // On the wire every LF is CRLF, except one right after a stored CR.
    crlf_size_ += run.size() + lfs - ((run.front() == '\n' && last_ == '\r') ? 1 : 0);
    size_ += run.size();
    last_ = run.back();
    if (buffer_.size() + run.size() <= buffer_bytes) {
        buffer_ += run;
        return buffer_.size() >= buffer_bytes ? flush() : std::error_code{};
    }
    if (auto ec = flush()) return ec;
    return file_->write_all(run);
}

std::error_code streaming_writer::write(std::string_view chunk) {
    if (failed_ || finished_) return failed_ ? failed_ : make_error_code(errc::invalid_argument);
    std::size_t i = 0;
    if (pending_cr_ && !chunk.empty()) {
        pending_cr_ = false;
        if (chunk.front() != '\n') put('\r');  // a CR that ends no line is content
    }
    while (i < chunk.size()) {
        const auto cr = chunk.find('\r', i);
        const auto end = cr == std::string_view::npos ? chunk.size() : cr;
        if ((failed_ = put_run(chunk.substr(i, end - i)))) return failed_;
        if (cr == std::string_view::npos) break;
        if (cr + 1 == chunk.size()) {  // decided by the next chunk
            pending_cr_ = true;
            break;
        }
        if (chunk[cr + 1] != '\n') put('\r');  // CRLF is stored as LF; a lone CR is content
        i = cr + 1;
        if (buffer_.size() >= buffer_bytes)
            if ((failed_ = flush())) return failed_;
    }
    return {};
}

result<pending_append> streaming_writer::finish(flag_set flags) {
    if (failed_ || finished_) return failed_ ? failed_ : make_error_code(errc::invalid_argument);
    if (pending_cr_) put('\r');
    pending_cr_ = false;
    if (size_ == 0 || last_ != '\n') put('\n');
    if ((failed_ = flush())) return failed_;
    const std::string base = new_base_name(size_, crlf_size_);
    const fs::path final_name = flags ? dir_ / "cur" / file_name(base, info{flags, 0, {}}) : dir_ / "new" / base;
    finished_ = true;
    pending_append out;
    out.file = durable::staged_file{std::move(file_), tmp_, final_name};
    // Once durable: its UID, and its size in the user's maildirsize.
    out.assign_uid = [&fs = fs_, dir = dir_, base, size = size_] {
        add_usage(usage_root_of(dir), static_cast<std::int64_t>(size), 1);  // a cache: best effort
        return append_uid(fs, dir, base);
    };
    out.event_key = event_key_;
    return out;
}

}  // namespace mailroom::store::maildir
