// server::control_socket: the running server's administration channel, a
// Unix stream socket DATA/control.sock (mode 0600 in the 0700 data
// directory: only its owner and root may connect). `mailroom queue
// flush|delete|bounce` and `mailroom reload` connect, send one request line
// and read one reply (queue/control_protocol.hpp); the scheduler or the
// reload hook does the work. Each
// connection is bounded in bytes (one line) and time (control_deadline),
// and few are served at once. Started by server::run after the scheduler.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>

#include "delivery/scheduler.hpp"
#include "queue/control_protocol.hpp"

namespace mailroom::server {

// Where the socket lives for a data directory.
std::filesystem::path control_socket_path(const std::filesystem::path& data_dir);

// Reading the request and writing the reply each have this long.
inline constexpr std::chrono::seconds control_deadline{10};
// Connections served at once; more are answered "ERR busy" and closed.
inline constexpr std::size_t max_control_connections = 8;

// RELOAD: re-reads the configuration (server/reloader.hpp), on the event loop.
using reload_hook = std::function<queue::control_reply()>;

// What one request comes to: asks the scheduler (or the hook) and words
// its answer.
boost::asio::awaitable<queue::control_reply> carry_out(const queue::control_request& request,
                                                       delivery::scheduler& scheduler, const reload_hook& reload);

class control_socket {
public:
    // Listens on `path`, replacing a socket file left by an earlier run
    // (the spool lock already guarantees one server per data directory),
    // and serves requests on io. Throws std::runtime_error when it cannot:
    // path too long for a socket address, something else than a socket in
    // the way, bind failure. `scheduler` must outlive io's run.
    static std::unique_ptr<control_socket> start(boost::asio::io_context& io, std::filesystem::path path,
                                                 delivery::scheduler& scheduler, reload_hook reload);

    // Stops accepting and removes the socket file.
    ~control_socket();
    control_socket(const control_socket&) = delete;
    control_socket& operator=(const control_socket&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    using acceptor = boost::asio::local::stream_protocol::acceptor;
    control_socket(std::filesystem::path path, std::shared_ptr<acceptor> acc)
        : path_(std::move(path)), acceptor_(std::move(acc)) {}

    std::filesystem::path path_;
    std::shared_ptr<acceptor> acceptor_;  // shared with the accept loop, which may outlive this
};

}  // namespace mailroom::server
