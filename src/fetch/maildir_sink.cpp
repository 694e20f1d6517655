// fetch::open_maildir_sink: a message per file in a Maildir, with the
// store's own writer (store::maildir::streaming_writer: tmp/, CRLF stored
// as LF) and one group commit (fsync of the file, rename into new/, fsync
// of new/: Maildir's rules, Dovecot maildir-save.c). The recovery token is
// the file's unique name in tmp/, kept in new/: after a crash it is looked
// for in new/ and cur/.
#include <fcntl.h>

#include <stdexcept>

#include "common/errors.hpp"
#include "durable/group_commit.hpp"
#include "fetch/sink.hpp"
#include "store/maildir/message_writer.hpp"

namespace mailroom::fetch {
namespace {

namespace fs = std::filesystem;

class maildir_sink final : public sink {
public:
    explicit maildir_sink(fs::path dir)
        : dir_(std::move(dir)), description_("maildir:" + dir_.string()), commits_(durable::real_file_system()) {}

    const std::string& description() const noexcept override { return description_; }
    fs::path state_directory() const override { return dir_; }

    std::error_code begin() override {
        abort();
        auto w = store::maildir::streaming_writer::start(durable::real_file_system(), dir_, "");
        if (!w) return w.error();
        writer_ = std::move(*w);
        return {};
    }
    std::string recovery_token() const override {
        return writer_ ? writer_->tmp_path().filename().string() : std::string();
    }
    std::error_code write(std::string_view piece) override {
        if (!writer_) return make_error_code(errc::invalid_argument);
        return writer_->write(piece);
    }
    std::error_code commit() override {
        if (!writer_) return make_error_code(errc::invalid_argument);
        const auto unique = writer_->tmp_path().filename();
        auto staged = writer_->finish(0);
        writer_.reset();
        if (!staged) return staged.error();
        // new/ gets the tmp/ name, the token journaled before the first byte.
        staged->file.final_name = dir_ / "new" / unique;
        durable::commit c;
        c.files.push_back(std::move(staged->file));
        return commits_.run_and_clean_up(c, true);
    }
    void abort() noexcept override { writer_.reset(); }  // the writer removes its tmp/ file

    result<bool> recover(std::string_view token) override {
        auto& fs = durable::real_file_system();
        const std::string unique(token);
        for (const char* sub : {"new", "cur"}) {
            auto names = fs.list_directory(dir_ / sub);
            if (!names) return result<bool>(boost::system::in_place_error, names.error());
            // In new/ as it was, or in cur/ with ":2,flags" after a reader saw it.
            for (const auto& n : *names)
                if (n.compare(0, unique.size(), unique) == 0 &&
                    (n.size() == unique.size() || n[unique.size()] == ':' || n[unique.size()] == ','))
                    return true;
        }
        (void)fs.unlink(dir_ / "tmp" / unique);
        return false;
    }

private:
    fs::path dir_;
    std::string description_;
    durable::group_commit commits_;
    std::unique_ptr<store::maildir::streaming_writer> writer_;
};

}  // namespace

std::unique_ptr<sink> open_maildir_sink(const fs::path& dir) {
    auto& fs = durable::real_file_system();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create the Maildir " + dir.string() + ": " + ec.message());
    for (const char* sub : {"tmp", "new", "cur"}) {
        auto made = fs.make_directory(dir / sub);
        if (!made) throw std::runtime_error("cannot create " + (dir / sub).string() + ": " + made.error().message());
    }
    if (auto sync = fs.sync_directory(dir))
        throw std::runtime_error("cannot sync " + dir.string() + ": " + sync.message());
    return std::make_unique<maildir_sink>(dir);
}

}  // namespace mailroom::fetch
