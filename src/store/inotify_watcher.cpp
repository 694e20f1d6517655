#include "store/inotify_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/errors.hpp"

namespace mailroom::store {

struct inotify_watcher::state {
    change_bus& bus;
    std::chrono::milliseconds window;
    unique_fd inotify, wake;  // wake: an eventfd that ends the thread
    mutable std::mutex mutex;
    struct directory {
        std::string key;
        unsigned users = 0;
    };
    // By watch descriptor: inotify gives one directory (inode) one wd, however
    // it is named, so the count is per directory.
    std::map<int, directory> dirs;

    state(change_bus& b, std::chrono::milliseconds w) : bus(b), window(w) {}

    void release_locked(int wd) {
        auto it = dirs.find(wd);
        if (it == dirs.end() || --it->second.users > 0) return;
        inotify_rm_watch(inotify.get(), wd);
        dirs.erase(it);
    }
    void release(int wd) {
        std::lock_guard l(mutex);
        release_locked(wd);
    }
};

class inotify_watcher::handle final : public mailbox_watcher::watch {
public:
    handle(std::shared_ptr<state> s, std::vector<int> wds) : s_(std::move(s)), wds_(std::move(wds)) {}
    ~handle() override {
        for (int wd : wds_) s_->release(wd);
    }

private:
    std::shared_ptr<state> s_;
    std::vector<int> wds_;
};

result<std::unique_ptr<inotify_watcher>> inotify_watcher::start(change_bus& bus,
                                                                std::chrono::milliseconds coalesce_window) {
    auto s = std::make_shared<state>(bus, coalesce_window);
    s->inotify.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    s->wake.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!s->inotify || !s->wake) return make_error_code(errc::storage_failure);
    return std::unique_ptr<inotify_watcher>(new inotify_watcher(std::move(s)));
}

inotify_watcher::inotify_watcher(std::shared_ptr<state> s) : state_(std::move(s)) {
    thread_ = std::thread([s = state_] { run(s); });
}

inotify_watcher::~inotify_watcher() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(state_->wake.get(), &one, sizeof one);
    thread_.join();
}

std::unique_ptr<mailbox_watcher::watch> inotify_watcher::watch_mailbox(const std::filesystem::path& dir,
                                                                       const std::string& key) {
    // A delivery renames into new/, a flag change renames within cur/, an
    // expunge unlinks: names coming and going is all that matters.
    constexpr std::uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR;
    std::vector<int> wds;
    std::lock_guard l(state_->mutex);
    for (const char* sub : {"new", "cur"}) {
        // The same directory again gives the same wd back.
        const int wd = inotify_add_watch(state_->inotify.get(), (dir / sub).c_str(), mask);
        if (wd < 0) {  // gone, or out of watches (fs.inotify.max_user_watches)
            for (int w : wds) state_->release_locked(w);
            return nullptr;
        }
        auto& d = state_->dirs[wd];
        if (d.users++ == 0) d.key = key;
        wds.push_back(wd);
    }
    return std::make_unique<handle>(state_, std::move(wds));
}

std::size_t inotify_watcher::directories_watched() const {
    std::lock_guard l(state_->mutex);
    return state_->dirs.size();
}

void inotify_watcher::run(const std::shared_ptr<state>& s) {
    alignas(inotify_event) std::array<char, 16 * 1024> buf;
    std::set<std::string> marked;
    bool overflow = false;
    int timeout = -1;  // -1: no window open
    auto window_end = std::chrono::steady_clock::now();
    for (;;) {
        pollfd fds[2] = {{s->inotify.get(), POLLIN, 0}, {s->wake.get(), POLLIN, 0}};
        if (timeout >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(window_end -
                                                                              std::chrono::steady_clock::now());
            timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
        }
        const int ready = ::poll(fds, 2, timeout);
        if (ready < 0 && errno != EINTR) return;
        if (fds[1].revents & POLLIN) return;
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            for (;;) {
                const auto n = ::read(s->inotify.get(), buf.data(), buf.size());
                if (n <= 0) break;
                std::lock_guard l(s->mutex);
                for (std::size_t off = 0; off + sizeof(inotify_event) <= static_cast<std::size_t>(n);) {
                    const auto* e = reinterpret_cast<const inotify_event*>(buf.data() + off);
                    if (e->mask & IN_Q_OVERFLOW) overflow = true;
                    if (auto it = s->dirs.find(e->wd); it != s->dirs.end()) marked.insert(it->second.key);
                    off += sizeof(inotify_event) + e->len;
                }
            }
            if (timeout < 0 && (!marked.empty() || overflow)) {
                window_end = std::chrono::steady_clock::now() + s->window;
                timeout = static_cast<int>(s->window.count());
            }
            continue;
        }
        if (timeout < 0) continue;
        // The window has ended: one event per marked mailbox.
        if (overflow) {
            std::lock_guard l(s->mutex);
            for (const auto& [wd, d] : s->dirs) marked.insert(d.key);
        }
        for (const auto& key : marked) s->bus.publish(key);
        marked.clear();
        overflow = false;
        timeout = -1;
    }
}

}  // namespace mailroom::store
