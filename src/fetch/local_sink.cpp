#include "fetch/local_sink.hpp"

#include <stdexcept>

#include "common/clock.hpp"
#include "common/errors.hpp"
#include "durable/file_system.hpp"
#include "durable/group_commit.hpp"
#include "server/acceptance.hpp"
#include "server/server.hpp"
#include "server/staged_body.hpp"

namespace mailroom::fetch {
namespace {

namespace fs = std::filesystem;

fs::path private_directory(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
    return dir;
}

class local_sink final : public sink {
public:
    local_sink(const config::settings& cfg, std::unique_ptr<storage::directory> users, std::string address)
        : users_(std::move(users)), address_(std::move(address)), description_("local:" + address_),
          mail_root_(server::mail_root(cfg)), staging_(private_directory(cfg.data_dir / "queue" / "tmp")),
          state_dir_(private_directory(cfg.data_dir / "fetch-state")), hostname_(cfg.hostname),
          commits_(durable::real_file_system()), body_(durable::real_file_system(), staging_) {}

    const std::string& description() const noexcept override { return description_; }
    fs::path state_directory() const override { return state_dir_; }

    std::error_code begin() override {
        body_.clear();
        active_ = true;
        return {};
    }
    // Delivery is one transaction: nothing of a message cut short is ever
    // visible, so there is nothing to undo (see recover()).
    std::string recovery_token() const override { return "local"; }
    std::error_code write(std::string_view piece) override {
        if (!active_) return make_error_code(errc::invalid_argument);
        return body_.append(piece);
    }
    std::error_code commit() override {
        if (!active_) return make_error_code(errc::invalid_argument);
        active_ = false;
        server::acceptance_context ctx{*users_, nullptr, mail_root_, commits_, clock_, random_, hostname_};
        ctx.return_path = false;  // stored as the server gave it
        ctx.success_notices = false;
        queue::envelope msg;
        msg.arrived = clock_.now();
        msg.recipients.push_back({});
        msg.recipients.back().address = address_;
        auto done = server::accept_message(ctx, msg, body_, "fetch");
        body_.clear();
        if (!done) return done.error();
        return {};
    }
    void abort() noexcept override {
        active_ = false;
        body_.clear();
    }
    // A crash between the delivery and the journal's record would show the
    // message twice after the next fetch: the delivery cannot be looked up
    // by the server's UID. The window is one fsync of the journal.
    result<bool> recover(std::string_view) override { return false; }

private:
    std::unique_ptr<storage::directory> users_;
    std::string address_, description_;
    fs::path mail_root_, staging_, state_dir_;
    std::string hostname_;
    durable::group_commit commits_;
    system_clock clock_;
    system_random random_;
    server::staged_body body_;
    bool active_ = false;
};

}  // namespace

std::unique_ptr<sink> make_local_sink(const config::settings& cfg, std::unique_ptr<storage::directory> users,
                                      const std::string& address) {
    auto canonical = storage::canonical_address(address);
    if (!canonical) throw std::runtime_error("not a valid address: " + address);
    return std::make_unique<local_sink>(cfg, std::move(users), *canonical);
}

}  // namespace mailroom::fetch
