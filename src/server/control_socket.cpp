#include "server/control_socket.hpp"

#include <spdlog/spdlog.h>
#include <sys/un.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>
#include <string>

namespace mailroom::server {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

const char* verb_name(queue::control_verb v) {
    switch (v) {
        case queue::control_verb::flush: return "FLUSH";
        case queue::control_verb::remove: return "DELETE";
        case queue::control_verb::bounce: return "BOUNCE";
        case queue::control_verb::reload: return "RELOAD";
    }
    return "?";
}

queue::control_reply ok(std::string text) { return {true, std::move(text)}; }
queue::control_reply err(std::string text) { return {false, std::move(text)}; }

std::string not_queued(const std::string& id) { return "no message " + id + " in the queue"; }

// Reads the one request line, bounded by the reader's limit and the deadline.
asio::awaitable<std::optional<queue::parsed_request>> read_request(local::socket& sock) {
    queue::control_request_reader reader;
    std::array<char, 512> buf;
    asio::steady_timer timer(sock.get_executor());
    timer.expires_after(control_deadline);
    while (!reader.result()) {
        auto which = co_await (sock.async_read_some(asio::buffer(buf), use_tuple) || timer.async_wait(use_tuple));
        if (which.index() == 1) co_return std::nullopt;  // deadline
        const auto [ec, n] = std::get<0>(which);
        if (n > 0) reader.feed({buf.data(), n});
        if (ec == asio::error::eof) reader.feed_eof();
        else if (ec) co_return std::nullopt;
    }
    co_return reader.result();
}

asio::awaitable<void> write_reply(local::socket& sock, const queue::control_reply& reply) {
    const auto line = queue::format_control_reply(reply);
    asio::steady_timer timer(sock.get_executor());
    timer.expires_after(control_deadline);
    co_await (asio::async_write(sock, asio::buffer(line), use_tuple) || timer.async_wait(use_tuple));
}

asio::awaitable<void> serve_connection(local::socket sock, delivery::scheduler& scheduler,
                                       std::shared_ptr<const reload_hook> reload, std::shared_ptr<std::size_t> active) {
    struct release {
        std::shared_ptr<std::size_t> count;
        ~release() { --*count; }
    } slot{active};
    const auto parsed = co_await read_request(sock);
    if (!parsed) {
        spdlog::warn("control request not read: deadline passed or connection failed");
        co_return;
    }
    queue::control_reply reply;
    std::string what = "-";
    if (const auto* refusal = std::get_if<queue::control_refusal>(&*parsed)) {
        reply = err(refusal->reason);
    } else {
        const auto& request = std::get<queue::control_request>(*parsed);
        what = std::string(verb_name(request.verb)) + (request.id.empty() ? "" : " " + request.id);
        reply = co_await carry_out(request, scheduler, *reload);
    }
    spdlog::info("control request=\"{}\" reply=\"{} {}\"", what, reply.ok ? "OK" : "ERR", reply.text);
    co_await write_reply(sock, reply);
    boost::system::error_code ignored;
    sock.shutdown(local::socket::shutdown_both, ignored);
}

void log_failure(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& err) {
        spdlog::error("control connection aborted error=\"{}\"", err.what());
    }
}

asio::awaitable<void> busy(local::socket sock) {
    co_await write_reply(sock, err("busy: too many control connections, try again"));
}

asio::awaitable<void> accept_loop(std::shared_ptr<local::acceptor> acc, delivery::scheduler& scheduler,
                                  std::shared_ptr<const reload_hook> reload) {
    auto active = std::make_shared<std::size_t>(0);
    for (;;) {
        auto [ec, sock] = co_await acc->async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acc->is_open()) co_return;
        if (ec) {
            // EMFILE and friends: back off instead of spinning.
            spdlog::error("control accept failed error=\"{}\"", ec.message());
            asio::steady_timer t(acc->get_executor(), std::chrono::milliseconds(100));
            co_await t.async_wait(use_tuple);
            continue;
        }
        if (*active >= max_control_connections) {
            asio::co_spawn(acc->get_executor(), busy(std::move(sock)), log_failure);
            continue;
        }
        ++*active;
        asio::co_spawn(acc->get_executor(), serve_connection(std::move(sock), scheduler, reload, active), log_failure);
    }
}

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& data_dir) { return data_dir / "control.sock"; }

asio::awaitable<queue::control_reply> carry_out(const queue::control_request& request, delivery::scheduler& scheduler,
                                                const reload_hook& reload) {
    const std::string& id = request.id;
    if (request.verb == queue::control_verb::reload) {
        if (!reload) co_return err("this server cannot reload");
        co_return reload();
    }
    if (request.verb == queue::control_verb::flush) {
        std::optional<std::string> which;
        if (!id.empty()) which = id;
        const auto count = co_await scheduler.flush(which);
        if (!id.empty()) co_return count == 0 ? err(not_queued(id)) : ok(id + " is being delivered now");
        if (count == 0) co_return ok("the queue is empty");
        co_return ok(std::to_string(count) + (count == 1 ? " message is" : " messages are") + " being delivered now");
    }
    const bool remove = request.verb == queue::control_verb::remove;
    delivery::admin_outcome outcome;  // no co_await in a ternary (g++ 12)
    if (remove) {
        outcome = co_await scheduler.remove(id);
    } else {
        outcome = co_await scheduler.bounce(id);
    }
    switch (outcome) {
        case delivery::admin_outcome::done:
            co_return ok(remove ? id + " deleted"
                                : id + " bounced: its pending recipients failed; the sender is notified "
                                       "unless NOTIFY or a null sender rules it out");
        case delivery::admin_outcome::after_round:
            co_return ok(id + " is in a delivery attempt now: " + (remove ? "deleted" : "bounced") +
                         " when that attempt ends");
        case delivery::admin_outcome::not_queued: co_return err(not_queued(id));
        case delivery::admin_outcome::failed: break;
    }
    co_return err(id + (remove ? " could not be deleted" : " could not be bounced completely") +
                  " (storage error, see the server log)");
}

std::unique_ptr<control_socket> control_socket::start(asio::io_context& io, std::filesystem::path path,
                                                      delivery::scheduler& scheduler, reload_hook reload) {
    namespace fs = std::filesystem;
    const auto& name = path.native();
    if (name.size() >= sizeof(sockaddr_un::sun_path))
        throw std::runtime_error("control socket path " + name + " is too long for a Unix socket (at most " +
                                 std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                 " bytes): choose a shorter data directory");
    std::error_code fec;
    const auto st = fs::symlink_status(path, fec);
    if (fs::exists(st)) {
        if (!fs::is_socket(st)) throw std::runtime_error(name + " exists and is not a socket: move it away");
        fs::remove(path, fec);  // left by a server that did not stop cleanly
        if (fec) throw std::runtime_error("cannot remove the stale " + name + ": " + fec.message());
    }
    auto acc = std::make_shared<local::acceptor>(io);
    boost::system::error_code ec;
    acc->open(local(), ec);
    if (!ec) acc->bind(local::endpoint(name), ec);
    // Owner only, before listen(): until then a connect is refused anyway.
    if (!ec) fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, fec);
    if (!ec && fec) ec = boost::system::error_code(fec.value(), boost::system::system_category());
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        fs::remove(path, fec);
        throw std::runtime_error("cannot listen on " + name + ": " + ec.message());
    }
    asio::co_spawn(io, accept_loop(acc, scheduler, std::make_shared<const reload_hook>(std::move(reload))),
                   asio::detached);
    spdlog::info("control socket listening path={}", name);
    return std::unique_ptr<control_socket>(new control_socket(std::move(path), std::move(acc)));
}

control_socket::~control_socket() {
    boost::system::error_code ec;
    acceptor_->close(ec);
    std::error_code fec;
    std::filesystem::remove(path_, fec);
}

}  // namespace mailroom::server
