#include "common/errors.hpp"

namespace mailroom {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailroom"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::ok: return "success";
            case errc::not_found: return "not found";
            case errc::already_exists: return "already exists";
            case errc::in_use: return "in use by another session";
            case errc::invalid_argument: return "invalid argument";
            case errc::storage_failure: return "storage failure";
            case errc::corrupt_data: return "corrupt stored data";
            case errc::auth_failed: return "authentication failed";
            case errc::unsupported: return "not supported";
            case errc::limit_exceeded: return "limit exceeded";
            case errc::over_quota: return "mailbox full (over quota)";
        }
        return "unknown mailroom error";
    }
};

}  // namespace

const std::error_category& mailroom_category() noexcept {
    static const category instance;
    return instance;
}

bool is_temporary(const std::error_code& ec) noexcept {
    if (ec.category() == mailroom_category()) return ec == errc::storage_failure || ec == errc::in_use;
    // Errors from the OS: space, quota, interrupted or busy resources.
    return ec == std::errc::no_space_on_device || ec == std::errc::resource_unavailable_try_again ||
           ec == std::errc::device_or_resource_busy || ec == std::errc::interrupted ||
           ec == std::errc::too_many_files_open || ec == std::errc::io_error;
}

}  // namespace mailroom
