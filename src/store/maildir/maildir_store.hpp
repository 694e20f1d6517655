// store::maildir::maildir_store: one user's Maildir++ as a store::mail_store.
// INBOX is the root directory; folder "A.B" is "<root>/.A.B/" with a
// maildirfolder marker, as Dovecot and mutt expect. New directories are
// fsync'd into their parents. Appends stream into tmp/ (line ends stored as
// LF) and become visible through store::commit_appends. Cheap to make: one
// per mailbox access (local delivery makes one per recipient).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "durable/file_system.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"

namespace mailroom::store::maildir {

class maildir_store final : public mail_store {
public:
    maildir_store(durable::file_system& fs, std::filesystem::path root, change_bus* bus = nullptr);

    // Makes INBOX (root, tmp/, new/, cur/) where missing, each new directory
    // fsync'd into its parent.
    std::error_code create();

    result<std::vector<std::string>> list_folders() override;
    std::error_code create_folder(std::string_view name) override;
    std::error_code delete_folder(std::string_view name) override;
    std::error_code rename_folder(std::string_view from, std::string_view to) override;
    result<std::unique_ptr<mailbox>> open(std::string_view folder) override;
    result<std::unique_ptr<message_writer>> begin_append(std::string_view folder) override;

    const std::filesystem::path& root() const noexcept { return root_; }
    // The directory of a folder; errc::invalid_argument for a name that is
    // not a valid folder name.
    result<std::filesystem::path> folder_dir(std::string_view name) const;

private:
    durable::file_system& fs_;
    std::filesystem::path root_;
    change_bus* bus_;
};

// mkdir -p with every directory it makes fsync'd into its parent.
std::error_code make_directories_durably(durable::file_system& fs, const std::filesystem::path& dir);

}  // namespace mailroom::store::maildir
