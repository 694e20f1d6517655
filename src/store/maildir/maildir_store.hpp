// store::maildir::maildir_store: one user's Maildir++ as a store::mail_store.
// INBOX is the root directory; folder "A.B" is "<root>/.A.B/" with a
// maildirfolder marker, as Dovecot and mutt expect; names are modified
// UTF-7 on disk ("Entwürfe" is ".Entw&APw-rfe"), as Dovecot writes them, and
// a directory whose name is not valid modified UTF-7 is not listed. A
// deleted folder is first renamed to "..deleted.<unique>" (never listed),
// then emptied, so a crash leaves no half-deleted folder. New directories are
// fsync'd into their parents. Appends stream into tmp/ (line ends stored as
// LF) and become visible through store::commit_appends. Cheap to make: one
// per mailbox access (local delivery makes one per recipient).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "durable/file_system.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"
#include "store/mailbox_watcher.hpp"

namespace mailroom::store::maildir {

class maildir_store final : public mail_store {
public:
    // watcher (if any): open mailboxes are watched for other programs' changes.
    maildir_store(durable::file_system& fs, std::filesystem::path root, change_bus* bus = nullptr,
                  mailbox_watcher* watcher = nullptr);

    // Makes INBOX (root, tmp/, new/, cur/) where missing, each new directory
    // fsync'd into its parent.
    std::error_code create();

    result<std::vector<std::string>> list_folders() override;
    std::error_code create_folder(std::string_view name) override;
    std::error_code delete_folder(std::string_view name) override;
    std::error_code rename_folder(std::string_view from, std::string_view to) override;
    result<std::vector<std::string>> subscriptions() override;
    std::error_code subscribe(std::string_view name) override { return set_subscribed(name, true); }
    std::error_code unsubscribe(std::string_view name) override { return set_subscribed(name, false); }
    result<std::unique_ptr<mailbox>> open(std::string_view folder) override;
    result<std::unique_ptr<message_writer>> begin_append(std::string_view folder) override;

    const std::filesystem::path& root() const noexcept { return root_; }
    // The directory of a folder; errc::invalid_argument for a name that is
    // not a valid folder name.
    result<std::filesystem::path> folder_dir(std::string_view name) const;

private:
    // The subscriptions as stored (modified UTF-7); changed under the root's index lock.
    result<std::vector<std::string>> stored_subscriptions();
    std::error_code change_subscriptions(const std::function<bool(std::vector<std::string>&)>& change);
    std::error_code set_subscribed(std::string_view name, bool on);
    std::error_code remove_deleted(const std::filesystem::path& dir);

    durable::file_system& fs_;
    std::filesystem::path root_;
    change_bus* bus_;
    mailbox_watcher* watcher_;
};

// DATA/mail/<domain>/<local>: the Maildir of a canonical address.
std::filesystem::path mailbox_path(const std::filesystem::path& mail_root, std::string_view address);

// mkdir -p with every directory it makes fsync'd into its parent.
std::error_code make_directories_durably(durable::file_system& fs, const std::filesystem::path& dir);

}  // namespace mailroom::store::maildir
