#include "server/privileges.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/handles.hpp"

namespace mailroom::server {
namespace {

// Ports only root may bind (ip(7): below 1024, without CAP_NET_BIND_SERVICE).
constexpr unsigned first_unprivileged_port = 1024;

std::string errno_text() { return std::strerror(errno); }

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + errno_text()); }

account look_up(const std::string& user, const std::string& group) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
        throw std::runtime_error("user '" + user +
                                 "' (config key 'user') does not exist: create it (useradd --system " + user + ")");
    account a{user, pw.pw_uid, pw.pw_gid};
    if (!group.empty()) {
        ::group gr{};
        ::group* g = nullptr;
        if (::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &g) != 0 || !g)
            throw std::runtime_error("group '" + group + "' (config key 'group') does not exist");
        a.gid = gr.gr_gid;
    }
    if (a.uid == 0) throw std::runtime_error("'user' must not be root (uid 0): name an unprivileged user");
    return a;
}

// One directory (open as `fd`) and what is under it.
std::size_t hand_over_at(int fd, const std::string& where, const account& a) {
    std::size_t changed = 0;
    const int dup_fd = ::dup(fd);
    if (dup_fd < 0) fail("cannot read " + where);
    DIR* d = ::fdopendir(dup_fd);
    if (!d) {
        ::close(dup_fd);
        fail("cannot read " + where);
    }
    std::vector<std::string> subdirs;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;  // gone meanwhile
            ::closedir(d);
            fail("cannot stat " + where + "/" + name);
        }
        if (st.st_uid != a.uid || st.st_gid != a.gid) {
            if (::fchownat(fd, name.c_str(), a.uid, a.gid, AT_SYMLINK_NOFOLLOW) != 0) {
                ::closedir(d);
                fail("cannot give " + where + "/" + name + " to " + a.name);
            }
            ++changed;
        }
        if (S_ISDIR(st.st_mode)) subdirs.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : subdirs) {
        const int sub = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            if (errno == ENOENT) continue;
            fail("cannot open " + where + "/" + name);
        }
        unique_fd guard(sub);
        changed += hand_over_at(sub, where + "/" + name, a);
    }
    return changed;
}

// CAP_NET_BIND_SERVICE alone in the calling thread's effective and
// permitted sets (capset(2); libcap is not needed for one bit).
bool keep_only_bind_service() {
    __user_cap_header_struct head{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    data[CAP_NET_BIND_SERVICE / 32].effective = 1u << (CAP_NET_BIND_SERVICE % 32);
    data[CAP_NET_BIND_SERVICE / 32].permitted = 1u << (CAP_NET_BIND_SERVICE % 32);
    return ::syscall(SYS_capset, &head, data) == 0;
}

}  // namespace

std::optional<account> plan_privileges(const config::settings& cfg, uid_t euid) {
    if (euid != 0) {
        if (!cfg.user.empty())
            spdlog::info("not started as root: 'user = \"{}\"' has no effect, running as uid {}", cfg.user, euid);
        return std::nullopt;
    }
    if (cfg.user.empty()) {
        for (const auto& l : cfg.listeners)
            if (l.port != 0 && l.port < first_unprivileged_port)
                throw std::runtime_error("listener " + l.name + " binds port " + std::to_string(l.port) +
                                         " and no 'user' is configured: refusing to serve as root (set user = "
                                         "\"mailroom\" in the configuration)");
        spdlog::warn("running as root: set 'user' in the configuration to run as an unprivileged user");
        return std::nullopt;
    }
    return look_up(cfg.user, cfg.group);
}

std::size_t hand_over(const std::filesystem::path& dir, const account& a) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail("cannot open " + dir.string());
    unique_fd guard(fd);
    std::size_t changed = 0;
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail("cannot stat " + dir.string());
    if (st.st_uid != a.uid || st.st_gid != a.gid) {
        if (::fchown(fd, a.uid, a.gid) != 0) fail("cannot give " + dir.string() + " to " + a.name);
        ++changed;
    }
    return changed + hand_over_at(fd, dir.string(), a);
}

void drop_to(const account& a, bool keep_bind_service) {
    if (keep_bind_service && ::prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) fail("prctl(PR_SET_KEEPCAPS)");
    if (::initgroups(a.name.c_str(), a.gid) != 0) fail("cannot set the groups of " + a.name);
    if (::setresgid(a.gid, a.gid, a.gid) != 0) fail("cannot set gid " + std::to_string(a.gid));
    if (::setresuid(a.uid, a.uid, a.uid) != 0) fail("cannot set uid " + std::to_string(a.uid));
    if (keep_bind_service) {
        if (!keep_only_bind_service()) fail("cannot keep CAP_NET_BIND_SERVICE");
        ::prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
    }
    // No way back: the saved ids are gone and CAP_SETUID with them.
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (::setuid(0) == 0 || ::setgid(0) == 0) throw std::runtime_error("could regain root after dropping privileges");
    if (::getresuid(&ru, &eu, &su) != 0 || ::getresgid(&rg, &eg, &sg) != 0) fail("getresuid");
    if (ru != a.uid || eu != a.uid || su != a.uid || rg != a.gid || eg != a.gid || sg != a.gid)
        throw std::runtime_error("privileges not dropped: ids are not " + a.name + "'s");
    spdlog::info("privileges dropped user={} uid={} gid={} bind_service={}", a.name, a.uid, a.gid,
                 keep_bind_service ? "kept" : "no");
}

}  // namespace mailroom::server
