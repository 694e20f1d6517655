// store::maildir::streaming_writer: a message appended in chunks to a file
// in tmp/ (64 KiB buffered), CRLF stored as LF across any chunk split, its
// size and wire size counted on the way; finish() names it (",S=,W=") for
// new/ (or cur/ with flags). Made by maildir_store::begin_append.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "durable/file_system.hpp"
#include "store/mail_store.hpp"

namespace mailroom::store::maildir {

class streaming_writer final : public message_writer {
public:
    // Opens dir/tmp/<unique>; errc::not_found if dir/tmp is missing.
    static result<std::unique_ptr<streaming_writer>> start(durable::file_system& fs, std::filesystem::path dir,
                                                           std::string event_key);
    ~streaming_writer() override;

    std::error_code write(std::string_view chunk) override;
    result<pending_append> finish(flag_set flags) override;
    // The file in tmp/; its name is the start of the final one in new/.
    const std::filesystem::path& tmp_path() const noexcept { return tmp_; }

private:
    streaming_writer(durable::file_system& fs, std::filesystem::path dir, std::filesystem::path tmp,
                     std::unique_ptr<durable::writable_file> file, std::string event_key);
    std::error_code flush();
    void put(char c);
    std::error_code put_run(std::string_view run);  // content without CR

    durable::file_system& fs_;
    std::filesystem::path dir_, tmp_;
    std::unique_ptr<durable::writable_file> file_;
    std::string event_key_;
    std::string buffer_;
    bool pending_cr_ = false;
    char last_ = '\0';
    std::uint64_t size_ = 0, crlf_size_ = 0;
    std::error_code failed_;
    bool finished_ = false;
};

}  // namespace mailroom::store::maildir
