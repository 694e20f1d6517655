// fetch::progress: what a fetch shows while it downloads: on a terminal
// (isatty(stderr)) one line redrawn in place — count, bytes, rate and a
// bar — at most ten times a second; otherwise one plain line per message.
// Used by `mailroom pop3 fetch` and `mailroom imap fetch`.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace mailroom::fetch {

// "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB".
std::string human_bytes(std::uint64_t n);

struct progress_figures {
    std::size_t done = 0, total = 0;  // messages
    std::uint64_t bytes = 0, total_bytes = 0;
    double seconds = 0;  // since the start
};
// The terminal line, e.g. "[#####     ] 3/10 msgs  1.2 MiB/4.0 MiB  850.0 KiB/s".
std::string progress_line(const progress_figures& f, std::size_t bar_width = 20);

class progress {
public:
    progress(std::ostream& out, bool terminal, std::size_t total, std::uint64_t total_bytes);
    void add_bytes(std::uint64_t n);             // during a message
    void message_done(const std::string& what);  // one stored ("1 (uid abc): 1234 bytes")
    void finish(const std::string& summary);     // the last line

private:
    void draw(bool force);
    std::ostream& out_;
    bool terminal_;
    progress_figures f_;
    std::uint64_t message_bytes_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), drawn_{};
};

}  // namespace mailroom::fetch
