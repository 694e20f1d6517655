// A real dnsmasq (Debian package dnsmasq-base) serving test records on a
// free high port of 127.0.0.1, for tests of code that asks DNS. Started with
// no upstream, no /etc/hosts and no config file, so it answers only what
// the test gives it; stopped by its pid (SIGTERM, then SIGKILL).
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

extern char** environ;

namespace mailroom::test {

class dnsmasq_server {
public:
    // `records` are dnsmasq options such as "--mx-host=a.test,mx.a.test,10".
    explicit dnsmasq_server(const std::vector<std::string>& records) {
        for (int attempt = 0; attempt < 5; ++attempt) {  // another process may take the port first
            port_ = free_udp_port();
            if (start(records)) return;
            stop();
        }
        throw std::runtime_error("dnsmasq did not start; log in " + (dir_.path() / "dnsmasq.log").string());
    }
    ~dnsmasq_server() { stop(); }
    dnsmasq_server(const dnsmasq_server&) = delete;
    dnsmasq_server& operator=(const dnsmasq_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }

private:
    static int bind_udp(std::uint16_t port) {
        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) throw std::runtime_error("socket failed");
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    static std::uint16_t free_udp_port() {
        int fd = bind_udp(0);
        if (fd < 0) throw std::runtime_error("cannot bind a UDP port on 127.0.0.1");
        sockaddr_in sa{};
        socklen_t len = sizeof sa;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
        ::close(fd);
        return ntohs(sa.sin_port);
    }

    bool start(const std::vector<std::string>& records) {
        std::vector<std::string> args = {"dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                                         "--conf-file=/dev/null", "--listen-address=127.0.0.1", "--bind-interfaces",
                                         "--port=" + std::to_string(port_),
                                         "--pid-file=" + (dir_.path() / "dnsmasq.pid").string(),
                                         "--log-facility=" + (dir_.path() / "dnsmasq.log").string(), "--log-queries",
                                         // Names under .test that no record mentions get NXDOMAIN; other
                                         // names get REFUSED (there is no upstream).
                                         "--local=/test/"};
        args.insert(args.end(), records.begin(), records.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        // /usr/sbin is not on every PATH; fall back to PATH for other layouts.
        int rc = ::posix_spawn(&pid_, "/usr/sbin/dnsmasq", nullptr, nullptr, argv.data(), environ);
        if (rc != 0) rc = ::posix_spawnp(&pid_, "dnsmasq", nullptr, nullptr, argv.data(), environ);
        if (rc != 0) throw std::runtime_error("cannot run dnsmasq (install dnsmasq-base)");
        // Ready once the port is taken; gone if it exited (port lost, bad option).
        for (int i = 0; i < 100; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            int fd = bind_udp(port_);
            if (fd < 0) return true;
            ::close(fd);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    temp_dir dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace mailroom::test
