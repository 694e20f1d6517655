// proxy::counting_engine: a server engine as net::run_engine drives it, with
// the octets the downstream peer sent counted on the way in (for the
// session's log line). Header-only; used by the SMTP and POP3 proxies.
#pragma once

#include <cstdint>
#include <string_view>

namespace mailroom::proxy {

template <class Engine>
class counting_engine {
public:
    explicit counting_engine(Engine& e) : e_(e) {}

    auto next_action() { return e_.next_action(); }
    auto current_state() const noexcept { return e_.current_state(); }
    void feed(std::string_view bytes) {
        in_ += bytes.size();
        e_.feed(bytes);
    }
    void feed_eof() { e_.feed_eof(); }
    void timed_out() { e_.timed_out(); }
    void shutting_down() { e_.shutting_down(); }

    std::uint64_t bytes_in() const noexcept { return in_; }

private:
    Engine& e_;
    std::uint64_t in_ = 0;
};

}  // namespace mailroom::proxy
