// store::maildir::maildir_mailbox: one Maildir folder opened as a
// store::mailbox. sync() runs under the short index lock (layout.hpp):
// numbers new files, notices flag changes and removals by any program,
// raises MODSEQs and keeps the uidlist and index durable. Flag changes are
// renames within cur/, expunges unlinks; both publish on the change bus.
// Made by maildir_store::open; used by POP3 (server/pop3_maildrop) and IMAP.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "durable/file_system.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"
#include "store/mailbox_watcher.hpp"
#include "store/maildir/blob_cache.hpp"
#include "store/maildir/index_files.hpp"
#include "store/maildir/maildir_scan.hpp"

namespace mailroom::store::maildir {

class maildir_mailbox final : public mailbox {
public:
    // With a watcher, other programs' changes publish on the bus while it is open.
    maildir_mailbox(durable::file_system& fs, std::filesystem::path dir, change_bus* bus,
                    mailbox_watcher* watcher = nullptr);

    result<mailbox_snapshot> sync() override;
    result<bool> changed_since_sync() override;
    void claim_recent() override { claiming_ = true; }
    bool watched() const override { return watch_ != nullptr; }
    result<std::string> read(std::uint32_t uid, std::uint64_t offset, std::size_t length) override;
    // The file held open (message_file.hpp); through read() on a file system
    // other than the real one (tests that inject faults).
    result<std::unique_ptr<message_reader>> open_message(std::uint32_t uid, read_mode mode) override;
    // Renames the files; call sync() afterwards for the new MODSEQs.
    std::error_code store_flags(const std::vector<std::uint32_t>& uids, flag_change how, flag_set flags,
                                const std::vector<std::string>& keywords) override;
    std::error_code expunge(const std::vector<std::uint32_t>& uids) override;
    std::vector<uid_range> vanished_since(std::uint64_t modseq) const override;
    result<std::optional<std::string>> cached_blob(std::uint32_t uid, std::string_view key) override;
    std::error_code cache_blob(std::uint32_t uid, std::string_view key, std::string_view blob) override;
    std::string event_key() const override { return dir_.string(); }

private:
    using found = maildir_file;
    struct stamps {
        std::int64_t new_mtime = 0, cur_mtime = 0;
        friend bool operator==(const stamps&, const stamps&) = default;
    };
    result<stamps> read_stamps();
    result<std::string> current_file(std::uint32_t uid);  // follows a rename by another program
    result<bool> final_lf_missing(const std::filesystem::path& file, std::uint64_t file_size);
    std::uint64_t indexed_size(std::uint32_t uid) const;  // with the final "\n" a file may lack
    void publish();

    durable::file_system& fs_;
    std::filesystem::path dir_;
    change_bus* bus_;
    std::map<std::uint32_t, found> files_;  // as of the last sync
    index_cache cache_;                     // as of the last sync
    std::uint32_t next_uid_ = 1;
    blob_cache blobs_;
    std::unique_ptr<mailbox_watcher::watch> watch_;
    stamps seen_;
    bool claiming_ = false;
    std::vector<uid_range> claimed_;  // \Recent taken by this object, ascending
};

}  // namespace mailroom::store::maildir
