#include "store/special_use.hpp"

#include "common/errors.hpp"
#include "store/mail_store.hpp"

namespace mailroom::store {

std::optional<special_folder> special_use_of(std::string_view folder) {
    for (const auto& f : special_folders)
        if (f.name == folder) return f;
    return std::nullopt;
}

std::error_code create_special_folders(mail_store& store) {
    if (auto ec = store.subscribe("INBOX")) return ec;
    for (const auto& f : special_folders) {
        if (auto ec = store.create_folder(f.name); ec && ec != errc::already_exists) return ec;
        if (auto ec = store.subscribe(f.name)) return ec;
    }
    return {};
}

}  // namespace mailroom::store
