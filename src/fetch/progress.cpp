#include "fetch/progress.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailroom::fetch {

std::string human_bytes(std::uint64_t n) {
    if (n < 1024) return fmt::format("{} B", n);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n) / 1024;
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    return fmt::format("{:.1f} {}", v, units[u]);
}

std::string progress_line(const progress_figures& f, std::size_t bar_width) {
    const double share = f.total_bytes
                             ? std::min(1.0, static_cast<double>(f.bytes) / static_cast<double>(f.total_bytes))
                         : f.total ? static_cast<double>(f.done) / static_cast<double>(f.total)
                                   : 1.0;
    const auto filled = static_cast<std::size_t>(share * static_cast<double>(bar_width));
    const auto rate = f.seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(f.bytes) / f.seconds) : 0;
    return fmt::format("[{}{}] {}/{} msgs  {}/{}  {}/s", std::string(filled, '#'), std::string(bar_width - filled, ' '),
                       f.done, f.total, human_bytes(f.bytes), human_bytes(f.total_bytes), human_bytes(rate));
}

progress::progress(std::ostream& out, bool terminal, std::size_t total, std::uint64_t total_bytes)
    : out_(out), terminal_(terminal) {
    f_.total = total;
    f_.total_bytes = total_bytes;
}

void progress::draw(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - drawn_ < std::chrono::milliseconds(100)) return;
    drawn_ = now;
    f_.seconds = std::chrono::duration<double>(now - start_).count();
    // \r and "erase to end of line" (ECMA-48 EL): the line is redrawn in place.
    out_ << "\r" << progress_line(f_) << "\033[K" << std::flush;
}

void progress::add_bytes(std::uint64_t n) {
    f_.bytes += n;
    message_bytes_ += n;
    if (terminal_) draw(false);
}

void progress::message_done(const std::string& what) {
    ++f_.done;
    if (terminal_) {
        draw(true);
    } else {
        f_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        out_ << fmt::format("fetched {}/{}: {} ({})", f_.done, f_.total, what, human_bytes(message_bytes_)) << "\n"
             << std::flush;
    }
    message_bytes_ = 0;
}

void progress::finish(const std::string& summary) {
    if (terminal_ && f_.total > 0) {
        draw(true);
        out_ << "\n";
    }
    out_ << summary << "\n" << std::flush;
}

}  // namespace mailroom::fetch
