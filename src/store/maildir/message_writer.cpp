#include "store/maildir/message_writer.hpp"

#include "common/errors.hpp"
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

std::error_code streaming_writer::write(std::string_view chunk) {
    if (failed_ || finished_) return failed_ ? failed_ : make_error_code(errc::invalid_argument);
    for (char c : chunk) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c != '\n') put('\r');  // a CR that ends no line is content
        }
        if (c == '\r') pending_cr_ = true;
        else put(c);
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
    out.assign_uid = [&fs = fs_, dir = dir_, base] { return append_uid(fs, dir, base); };
    out.event_key = event_key_;
    return out;
}

}  // namespace mailroom::store::maildir
