// net::stream_tap: an optional observer and shaper of one byte_stream, for
// `mailroom dev` (sandbox/session_tap.hpp records and faults through it).
// byte_stream calls it on every read, before every write and around TLS;
// server::listener_loop attaches one at accept when the process has a
// factory. Without a tap a stream pays one null check per read or write.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mailroom::net {

// Where a connection came in.
struct tap_origin {
    std::string protocol;  // "smtp", "pop3", "imap"
    std::string listener;  // listener name
    std::string peer;      // "127.0.0.1:51234"
    bool implicit_tls = false;
};

// What byte_stream::write_all sends instead of the bytes it was given.
struct write_plan {
    std::string bytes;                   // sent in place of the original
    std::chrono::milliseconds delay{0};  // wait before the first byte
    std::size_t drip_bytes_per_s = 0;    // 0: at once; else paced at this rate
    bool close_after = false;            // then close: the write reports failure
};

class stream_tap {
public:
    virtual ~stream_tap() = default;
    virtual void received(std::string_view client_bytes) = 0;  // after TLS decryption
    virtual write_plan before_write(std::string_view server_bytes) = 0;
    virtual bool before_tls() = 0;  // false: the handshake fails (the connection closes)
    virtual void tls_started(std::string_view description) = 0;
    virtual void ended() = 0;  // once, when the stream is destroyed
};

using tap_factory = std::function<std::shared_ptr<stream_tap>(const tap_origin&)>;

}  // namespace mailroom::net
