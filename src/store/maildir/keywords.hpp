// store::maildir keywords: keyword names <-> the letters a-z of file names,
// through dovecot-keywords (index_files.hpp has the format), and
// keyword_writer, which gives a new message its keywords (APPEND's flag
// list, COPY and MOVE keeping them) around the backend's streaming writer.
// Used by maildir_mailbox (STORE) and maildir_store (appends).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "store/mail_store.hpp"

namespace mailroom::store::maildir {

// The names of dir's dovecot-keywords by number ("" for a free slot); a
// missing or damaged file names nothing (its letters stay in file names).
result<std::vector<std::string>> load_keywords(durable::file_system& fs, const std::filesystem::path& dir);

// The letters' bits for names; unknown names are skipped, or given free
// numbers if allocate (durably, under the index lock, before any file name
// uses them). errc::invalid_argument for a name that is no keyword,
// errc::limit_exceeded when all 26 are taken.
result<std::uint32_t> keyword_bits(durable::file_system& fs, const std::filesystem::path& dir,
                                   const std::vector<std::string>& names, bool allocate);

class keyword_writer final : public message_writer {
public:
    keyword_writer(durable::file_system& fs, std::filesystem::path dir, std::unique_ptr<message_writer> inner)
        : fs_(fs), dir_(std::move(dir)), inner_(std::move(inner)) {}
    std::error_code write(std::string_view chunk) override { return inner_->write(chunk); }
    result<pending_append> finish(flag_set flags) override { return inner_->finish(flags); }
    result<pending_append> finish_with_keywords(flag_set flags, const std::vector<std::string>& keywords) override;

private:
    durable::file_system& fs_;
    std::filesystem::path dir_;
    std::unique_ptr<message_writer> inner_;
};

}  // namespace mailroom::store::maildir
