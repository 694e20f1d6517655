#include "fetch/progress.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace mailroom::fetch {
namespace {

TEST(Progress, HumanBytes) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
    EXPECT_EQ(human_bytes(1536), "1.5 KiB");
    EXPECT_EQ(human_bytes(3u << 20), "3.0 MiB");
}

TEST(Progress, LineShowsCountBytesRateAndBar) {
    progress_figures f{3, 10, 512 * 1024, 1024 * 1024, 2.0};
    EXPECT_EQ(progress_line(f, 10), "[#####     ] 3/10 msgs  512.0 KiB/1.0 MiB  256.0 KiB/s");
}

TEST(Progress, PlainOutputHasOneLinePerMessage) {
    std::ostringstream out;
    progress p(out, false, 2, 300);
    p.add_bytes(100);
    p.message_done("message 1");
    p.add_bytes(200);
    p.message_done("message 2");
    p.finish("done");
    EXPECT_EQ(out.str(), "fetched 1/2: message 1 (100 B)\nfetched 2/2: message 2 (200 B)\ndone\n");
}

TEST(Progress, TerminalOutputRedrawsOneLine) {
    std::ostringstream out;
    progress p(out, true, 1, 100);
    p.add_bytes(100);
    p.message_done("message 1");
    p.finish("done");
    const auto s = out.str();
    EXPECT_EQ(s.find("fetched"), std::string::npos);
    EXPECT_NE(s.find("\r[####################] 1/1 msgs"), std::string::npos) << s;
    EXPECT_EQ(s.substr(s.size() - 6), "\ndone\n");
}

}  // namespace
}  // namespace mailroom::fetch
