#include "server/startup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <filesystem>
#include <stdexcept>

#include "auth/password.hpp"
#include "common/errors.hpp"
#include "common/secret.hpp"
#include "net/tls_context.hpp"
#include "server/server.hpp"

namespace mailroom::server {

void prepare_data_dir(const config::settings& cfg) {
    namespace fs = std::filesystem;
    fs::create_directories(mail_root(cfg));
    fs::permissions(cfg.data_dir, fs::perms::owner_all, fs::perm_options::replace);
}

std::shared_ptr<boost::asio::ssl::context> load_tls(config::settings& cfg) {
    if (cfg.tls_cert.empty()) {
        cfg.tls_cert = cfg.data_dir / "tls" / "cert.pem";
        cfg.tls_key = cfg.data_dir / "tls" / "key.pem";
        if (auto ec = net::ensure_self_signed(cfg.tls_cert, cfg.tls_key, cfg.hostname))
            throw std::runtime_error("cannot create a self-signed certificate in " +
                                     cfg.tls_cert.parent_path().string() + ": " + ec.message());
    }
    auto tls = net::make_server_context(cfg.tls_cert, cfg.tls_key);
    if (!tls)
        throw std::runtime_error("cannot load TLS certificate " + cfg.tls_cert.string() + " / key " +
                                 cfg.tls_key.string());
    return std::move(*tls);
}

std::unique_ptr<storage::userdb> open_directory(const config::settings& cfg) {
    auto users = storage::userdb::open(database_path(cfg));
    if (!users) throw std::runtime_error("cannot open " + database_path(cfg).string() + ": " + users.error().message());
    for (const auto& d : cfg.domains) {
        auto ec = (*users)->add_domain(d);
        if (ec && ec != errc::already_exists) throw std::runtime_error("cannot add domain " + d + ": " + ec.message());
    }
    return std::move(*users);
}

std::string make_dummy_hash(random_source& rnd) {
    std::array<std::uint8_t, 32> noise;
    rnd.fill(noise);
    std::string noise_hex;  // SCRAM's SASLprep wants text
    for (auto b : noise) noise_hex += fmt::format("{:02x}", b);
    auto dummy = auth::make_credentials(secret(std::move(noise_hex)), false);
    if (!dummy) throw std::runtime_error("cannot hash: " + dummy.error().message());
    return dummy->password_hash;
}

recovered_queue recover_queue(const config::settings& cfg) {
    auto spool = queue::spool::open(cfg.data_dir / "queue");
    if (!spool)
        throw std::runtime_error("cannot open the queue " + (cfg.data_dir / "queue").string() + ": " +
                                 spool.error().message());
    auto queued = (*spool)->recover();
    if (!queued) throw std::runtime_error("cannot recover the queue: " + queued.error().message());
    spdlog::info("queue recovered messages={}", queued->size());
    return {std::move(*spool), std::move(*queued)};
}

client_networks client_networks_of(const config::settings& cfg) {
    // The configuration validated every entry; a failure here is a bug.
    auto trusted = network_list::parse(cfg.trusted_networks);
    if (!trusted) throw std::runtime_error("bad trusted_networks");
    auto exempt = network_list::parse(cfg.connection_limit_exceptions.value_or(cfg.trusted_networks));
    if (!exempt) throw std::runtime_error("bad connection_limit_exceptions");
    return {std::move(*trusted), std::move(*exempt)};
}

}  // namespace mailroom::server
