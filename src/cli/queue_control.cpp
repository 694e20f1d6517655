#include "cli/queue_control.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/handles.hpp"
#include "delivery/outcome_recording.hpp"
#include "queue/control_protocol.hpp"
#include "queue/inspect.hpp"
#include "queue/spool.hpp"
#include "server/control_socket.hpp"

namespace mailroom::cli {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) { return std::strerror(e); }

// The request as the server will read it, checked here first with the
// same parser so a bad id never reaches the socket or the spool.
queue::control_request checked(queue::control_verb verb, const std::string& id) {
    const queue::control_request request{verb, id};
    auto line = queue::format_control_request(request);
    line.pop_back();
    const auto parsed = queue::parse_control_request(line);
    if (const auto* no = std::get_if<queue::control_refusal>(&parsed)) throw cli_error(id + ": " + no->reason);
    return request;
}

// One request to the server: its reply, or nullopt when no server listens
// (no socket file, or nobody accepting on it). Other failures throw.
std::optional<queue::control_reply> ask_server(const fs::path& path, const queue::control_request& request) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto& name = path.native();
    if (name.size() >= sizeof(addr.sun_path)) throw cli_error("control socket path too long: " + name);
    std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);

    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw cli_error("cannot create a socket: " + errno_text(errno));
    // Every read and write gives up after the server's own deadline.
    timeval limit{};
    limit.tv_sec = server::control_deadline.count();
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        if (e == ENOENT || e == ECONNREFUSED) return std::nullopt;
        throw cli_error("cannot connect to " + name + ": " + errno_text(e));
    }

    const auto line = queue::format_control_request(request);
    for (std::size_t sent = 0; sent < line.size();) {
        const auto n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw cli_error("cannot send the request to " + name + ": " + errno_text(errno));
        sent += static_cast<std::size_t>(n);
    }

    std::string reply;
    char buf[512];
    while (reply.find('\n') == std::string::npos && reply.size() < queue::max_control_line_bytes) {
        const auto n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            throw cli_error("no answer from the server within " + std::to_string(server::control_deadline.count()) +
                            " s on " + name);
        if (n < 0) throw cli_error("cannot read the reply on " + name + ": " + errno_text(errno));
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = reply.find('\n');
    if (end == std::string::npos) throw cli_error("the server closed " + name + " without a complete reply");
    reply.resize(end);
    if (!reply.empty() && reply.back() == '\r') reply.pop_back();
    auto parsed = queue::parse_control_reply(reply);
    if (!parsed) throw cli_error("unexpected reply on " + name);
    return parsed;
}

// OK: the server's text on stdout. ERR: on stderr through main, exit 1.
void report(const queue::control_reply& reply) {
    if (!reply.ok) throw cli_error(reply.text);
    std::cout << reply.text << "\n";
}

struct offline_queue {
    fs::path dir;
    std::unique_ptr<queue::spool> spool;
};

// The spool, locked, when no server answers; refuses to create one.
offline_queue open_offline(const config::settings& cfg, const fs::path& socket, const std::string& id) {
    const auto dir = cfg.data_dir / "queue";
    if (!fs::is_directory(dir / "queue"))
        throw cli_error("no message " + id + " in the queue (no queue in " + dir.string() + ")");
    become_service_user(cfg);
    auto sp = queue::spool::open(dir);
    if (!sp && sp.error() == errc::in_use)
        throw cli_error("a running server holds the queue in " + dir.string() + " but does not answer on " +
                        socket.string() + "; try again in a moment");
    return {dir, value_or_throw(std::move(sp), "cannot open the queue " + dir.string())};
}

queue::queued_content read_offline(const offline_queue& q, const std::string& id) {
    return value_or_throw(queue::read_queued(q.dir, id), "cannot read " + id,
                          {{errc::not_found, "no message " + id + " in the queue"},
                           {errc::corrupt_data, "message " + id + " is damaged: `queue delete` removes it"}});
}

}  // namespace

void queue_flush(const common_options& o, const std::optional<std::string>& id) {
    const auto cfg = load_settings(o);
    const auto request = checked(queue::control_verb::flush, id.value_or(""));
    const auto socket = server::control_socket_path(cfg.data_dir);
    auto reply = ask_server(socket, request);
    if (!reply) {
        // Nobody answers; if the spool lock is free, nobody runs either.
        const auto dir = cfg.data_dir / "queue";
        if (fs::is_directory(dir / "queue")) {
            auto sp = queue::spool::open(dir);
            if (!sp && sp.error() == errc::in_use)
                throw cli_error("a running server holds the queue in " + dir.string() + " but does not answer on " +
                                socket.string() + "; try again in a moment");
        }
        throw cli_error("no server is running on " + cfg.data_dir.string() + "; queued mail is tried when it starts");
    }
    report(*reply);
}

void server_reload(const common_options& o) {
    const auto cfg = load_settings(o);
    const auto socket = server::control_socket_path(cfg.data_dir);
    auto reply = ask_server(socket, {queue::control_verb::reload, ""});
    if (!reply)
        throw cli_error("no server is running on " + cfg.data_dir.string() + " (nobody answers on " + socket.string() +
                        ")");
    report(*reply);
}

void queue_delete(const common_options& o, const std::string& id) {
    const auto cfg = load_settings(o);
    const auto request = checked(queue::control_verb::remove, id);
    const auto socket = server::control_socket_path(cfg.data_dir);
    if (auto reply = ask_server(socket, request)) return report(*reply);

    auto q = open_offline(cfg, socket, id);
    // A damaged record is no reason to keep it: only "not queued" stops us.
    const auto known = queue::read_queued(q.dir, id);
    if (!known && known.error() == errc::not_found) throw cli_error("no message " + id + " in the queue");
    throw_on_error(q.spool->remove(id), "cannot delete " + id,
                   {{errc::not_found, "no message " + id + " in the queue"}});
    std::cout << id << " deleted (no server running)\n";
}

void queue_bounce(const common_options& o, const std::string& id) {
    const auto cfg = load_settings(o);
    const auto request = checked(queue::control_verb::bounce, id);
    const auto socket = server::control_socket_path(cfg.data_dir);
    if (auto reply = ask_server(socket, request)) return report(*reply);

    // The server does the rest at its start: the message is due at once,
    // and a round with nothing pending only sends the failure DSN (as
    // NOTIFY asks) and removes it.
    auto q = open_offline(cfg, socket, id);
    auto env = read_offline(q, id).info.env;
    const auto now = std::chrono::system_clock::now();
    const auto failed = delivery::record_administrative_bounce(env, now);
    env.next_attempt = now;
    throw_on_error(q.spool->update(env), "cannot update " + id,
                   {{errc::not_found, "no message " + id + " in the queue"}});
    std::cout << id << " expired (no server running): " << failed << " pending recipient" << (failed == 1 ? "" : "s")
              << " failed; the server returns it to the sender when it starts\n";
}

}  // namespace mailroom::cli
