// server::privileges: what a start as root may do without `user`, and the
// hand-over of a data directory that never follows a symbolic link. The
// drop itself runs in tests/integration/test_privileges.py (as root).
#include "server/privileges.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mailroom::server {
namespace {

namespace fs = std::filesystem;

config::settings with_port(std::uint16_t port) {
    config::settings s;
    config::listener l;
    l.name = "mx";
    l.port = port;
    s.listeners.push_back(l);
    return s;
}

TEST(privileges, not_root_drops_nothing) {
    auto s = with_port(25);
    s.user = "mailroom";
    EXPECT_FALSE(plan_privileges(s, 1000));
    EXPECT_FALSE(plan_privileges(with_port(25), 1000));
}

TEST(privileges, root_without_user_refused_below_1024_only) {
    EXPECT_THROW(plan_privileges(with_port(25), 0), std::runtime_error);
    EXPECT_THROW(plan_privileges(with_port(1023), 0), std::runtime_error);
    EXPECT_FALSE(plan_privileges(with_port(1024), 0));
    EXPECT_FALSE(plan_privileges(with_port(0), 0));  // any free port: unprivileged
    try {
        plan_privileges(with_port(25), 0);
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(),
                     "listener mx binds port 25 and no 'user' is configured: refusing to serve as root (set user = "
                     "\"mailroom\" in the configuration)");
    }
}

TEST(privileges, user_must_exist_and_not_be_root) {
    auto s = with_port(25);
    s.user = "no-such-user-mailroom-test";
    EXPECT_THROW(plan_privileges(s, 0), std::runtime_error);
    s.user = "root";
    EXPECT_THROW(plan_privileges(s, 0), std::runtime_error);
    s.user = "nobody";  // Debian's, uid 65534
    const auto a = plan_privileges(s, 0);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "nobody");
    EXPECT_NE(a->uid, 0u);
    s.group = "no-such-group-mailroom-test";
    EXPECT_THROW(plan_privileges(s, 0), std::runtime_error);
}

TEST(privileges, hand_over_changes_what_is_not_yet_the_users_and_no_link_target) {
    const fs::path dir = fs::temp_directory_path() / ("mailroom-hand-over-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "mail" / "new");
    std::ofstream(dir / "mail" / "new" / "m1") << "x";
    const fs::path outside = dir.string() + "-outside";
    std::ofstream(outside) << "not the server's";
    fs::create_symlink(outside, dir / "link");
    struct stat before {};
    ASSERT_EQ(::lstat(outside.c_str(), &before), 0);

    // Ourselves: nothing to change (whoever runs the test).
    const account self{"self", ::getuid(), ::getgid()};
    EXPECT_EQ(hand_over(dir, self), 0u);
    if (::geteuid() == 0) {
        const account other{"other", 54321, 54321};
        // dir, mail, mail/new, mail/new/m1 and the link itself.
        EXPECT_EQ(hand_over(dir, other), 5u);
        struct stat st {};
        ASSERT_EQ(::lstat((dir / "mail" / "new" / "m1").c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, 54321u);
        ASSERT_EQ(::lstat((dir / "link").c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, 54321u);
        ASSERT_EQ(::lstat(outside.c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, before.st_uid);   // the target is untouched
        EXPECT_EQ(hand_over(dir, other), 0u);  // done once
    }
    // A link as the directory itself is refused.
    const fs::path link_dir = dir.string() + "-linkdir";
    fs::create_directory_symlink(dir, link_dir);
    EXPECT_THROW(hand_over(link_dir, self), std::runtime_error);
    fs::remove(link_dir);
    fs::remove(outside);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace mailroom::server
