// An in-memory file_system that keeps two states: what a process sees
// (live) and what would survive a power cut (durable: file data after
// sync_data, a directory's entries after sync_directory). crash_at(N) makes
// operation N and every later one fail, as if the process died there;
// after_crash() builds the disk a restarted process would find. Directories
// themselves are durable once made (the spool fsyncs what it creates; that
// part is checked against the real file system).
#pragma once

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "common/errors.hpp"
#include "durable/file_system.hpp"

namespace mailroom::durable::test {

class memory_file_system final : public file_system {
public:
    // What survives a crash.
    enum class crash_kind {
        synced_only,  // only what was synced: the worst case
        everything,   // all that was done, synced or not (a process crash)
        mixed,        // per name and per file a random pick (seeded): reordered
                      // renames, torn unsynced data
    };

    memory_file_system() { dirs_["/"]; }

    void crash_at(std::uint64_t n) {
        std::lock_guard l(mutex_);
        crash_at_ = n;
    }
    std::uint64_t operations() const {
        std::lock_guard l(mutex_);
        return count_;
    }

    std::unique_ptr<memory_file_system> after_crash(crash_kind kind, std::uint64_t seed = 1) const {
        std::lock_guard l(mutex_);
        std::mt19937_64 rng(seed);
        auto coin = [&rng] { return (rng() & 1) != 0; };
        auto out = std::make_unique<memory_file_system>();
        std::map<const inode*, std::shared_ptr<inode>> copies;  // keep one inode per inode
        auto copy = [&](const std::shared_ptr<inode>& from) {
            auto& c = copies[from.get()];
            if (!c) {
                c = std::make_shared<inode>();
                bool live = kind == crash_kind::everything || (kind == crash_kind::mixed && coin());
                if (live && kind == crash_kind::mixed && from->data.size() > from->durable.size())
                    c->data = from->data.substr(0, from->durable.size() +
                                                       rng() % (from->data.size() - from->durable.size() + 1));
                else c->data = live ? from->data : from->durable;
                c->durable = c->data;
            }
            return c;
        };
        for (const auto& [path, d] : dirs_) {
            auto& nd = out->dirs_[path];
            std::set<std::string> names;
            for (const auto& e : d.live) names.insert(e.first);
            for (const auto& e : d.durable) names.insert(e.first);
            for (const auto& name : names) {
                const bool live = kind == crash_kind::everything || (kind == crash_kind::mixed && coin());
                const auto& from = live ? d.live : d.durable;
                if (auto it = from.find(name); it != from.end()) nd.live[name] = copy(it->second);
            }
            nd.durable = nd.live;
        }
        return out;
    }

    // Test access to the live state.
    bool exists(const std::filesystem::path& p) const {
        std::lock_guard l(mutex_);
        auto d = dirs_.find(p.parent_path().string());
        return d != dirs_.end() && d->second.live.count(p.filename().string()) > 0;
    }

    result<std::unique_ptr<writable_file>> create_exclusive(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto* d = dir_of(p);
        if (!d) return make_error_code(errc::not_found);
        auto& slot = d->live[p.filename().string()];
        if (slot) return make_error_code(errc::already_exists);
        slot = std::make_shared<inode>();
        return std::unique_ptr<writable_file>(std::make_unique<file>(*this, slot));
    }
    std::error_code rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto *da = dir_of(a), *db = dir_of(b);
        if (!da || !db) return errc::not_found;
        auto it = da->live.find(a.filename().string());
        if (it == da->live.end()) return errc::not_found;
        auto node = it->second;
        da->live.erase(it);
        db->live[b.filename().string()] = node;
        return {};
    }
    std::error_code unlink(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto* d = dir_of(p);
        if (!d || d->live.erase(p.filename().string()) == 0) return errc::not_found;
        return {};
    }
    std::error_code sync_directory(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto it = dirs_.find(p.string());
        if (it == dirs_.end()) return errc::not_found;
        it->second.durable = it->second.live;
        return {};
    }
    result<std::string> read_file(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto* d = dir_of(p);
        if (!d) return make_error_code(errc::not_found);
        auto it = d->live.find(p.filename().string());
        if (it == d->live.end()) return make_error_code(errc::not_found);
        return it->second->data;
    }
    result<std::vector<std::string>> list_directory(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto it = dirs_.find(p.string());
        if (it == dirs_.end()) return make_error_code(errc::not_found);
        std::vector<std::string> names;
        for (const auto& e : it->second.live) names.push_back(e.first);
        return names;
    }
    result<bool> make_directory(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return result<bool>(boost::system::in_place_error, ec);
        // As mkdir(2): the parent must exist.
        if (p.has_parent_path() && p.parent_path() != p && !dirs_.count(p.parent_path().string()))
            return result<bool>(boost::system::in_place_error, make_error_code(errc::not_found));
        return dirs_.try_emplace(p.string()).second;
    }
    result<std::unique_ptr<directory_lock>> lock_exclusive(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        if (!locks_.insert(p.string()).second) return make_error_code(errc::in_use);
        return std::unique_ptr<directory_lock>(std::make_unique<lock>(*this, p.string()));
    }
    result<std::unique_ptr<directory_lock>> lock_wait(const std::filesystem::path& p) override {
        std::unique_lock l(mutex_);
        if (auto ec = tick()) return ec;
        unlocked_.wait(l, [&] { return locks_.count(p.string()) == 0; });
        locks_.insert(p.string());
        return std::unique_ptr<directory_lock>(std::make_unique<lock>(*this, p.string()));
    }
    result<std::unique_ptr<appendable_file>> open_append(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto* d = dir_of(p);
        if (!d) return make_error_code(errc::not_found);
        auto& slot = d->live[p.filename().string()];
        if (!slot) slot = std::make_shared<inode>();
        return std::unique_ptr<appendable_file>(std::make_unique<append_file>(*this, slot));
    }
    result<std::string> read_range(const std::filesystem::path& p, std::uint64_t off, std::size_t n) override {
        auto all = read_file(p);
        if (!all) return all;
        if (off >= all->size()) return std::string();
        return all->substr(static_cast<std::size_t>(off), n);
    }
    result<file_info> stat(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        if (dirs_.count(p.string())) return file_info{0, 0, true};
        auto* d = dir_of(p);
        if (!d) return make_error_code(errc::not_found);
        auto it = d->live.find(p.filename().string());
        if (it == d->live.end()) return make_error_code(errc::not_found);
        return file_info{it->second->data.size(), 0, false};
    }
    std::error_code remove_directory(const std::filesystem::path& p) override {
        std::lock_guard l(mutex_);
        if (auto ec = tick()) return ec;
        auto it = dirs_.find(p.string());
        if (it == dirs_.end()) return errc::not_found;
        if (!it->second.live.empty()) return {ENOTEMPTY, std::generic_category()};
        dirs_.erase(it);
        return {};
    }

private:
    struct inode {
        std::string data, durable;
    };
    struct directory {
        std::map<std::string, std::shared_ptr<inode>> live, durable;
    };

    class file final : public writable_file {
    public:
        file(memory_file_system& fs, std::shared_ptr<inode> node) : fs_(fs), node_(std::move(node)) {}
        std::error_code write_all(std::string_view b) override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            node_->data.append(b);
            return {};
        }
        std::error_code sync_data() override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            node_->durable = node_->data;
            return {};
        }

    private:
        memory_file_system& fs_;
        std::shared_ptr<inode> node_;
    };

    class append_file final : public appendable_file {
    public:
        append_file(memory_file_system& fs, std::shared_ptr<inode> node) : fs_(fs), node_(std::move(node)) {}
        std::error_code append(std::string_view b) override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            node_->data.append(b);
            return {};
        }
        result<std::string> read_at(std::uint64_t off, std::size_t n) override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            if (off >= node_->data.size()) return std::string();
            return node_->data.substr(static_cast<std::size_t>(off), n);
        }
        result<std::uint64_t> size() override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            return static_cast<std::uint64_t>(node_->data.size());
        }
        std::error_code sync_data() override {
            std::lock_guard l(fs_.mutex_);
            if (auto ec = fs_.tick()) return ec;
            node_->durable = node_->data;
            return {};
        }

    private:
        memory_file_system& fs_;
        std::shared_ptr<inode> node_;
    };

    class lock final : public directory_lock {
    public:
        lock(memory_file_system& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
        ~lock() override {
            std::lock_guard l(fs_.mutex_);
            fs_.locks_.erase(path_);
            fs_.unlocked_.notify_all();
        }

    private:
        memory_file_system& fs_;
        std::string path_;
    };

    std::error_code tick() {  // with mutex_ held
        ++count_;
        if (crash_at_ != 0 && count_ >= crash_at_) return {EIO, std::generic_category()};
        return {};
    }
    directory* dir_of(const std::filesystem::path& p) {
        auto it = dirs_.find(p.parent_path().string());
        return it == dirs_.end() ? nullptr : &it->second;
    }

    mutable std::mutex mutex_;
    std::map<std::string, directory> dirs_;
    std::set<std::string> locks_;
    std::condition_variable unlocked_;
    std::uint64_t count_ = 0, crash_at_ = 0;
};

}  // namespace mailroom::durable::test
