// Helpers for the store tests: deliver a message through the public calls,
// read a file, list a directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/mail_store.hpp"

namespace mailroom::store::test {

// Appends text to folder through a writer, in chunks of `split` octets, and
// commits it; returns the UID (0: left to the next sync) or the error.
inline result<std::uint32_t> append(mail_store& s, durable::group_commit& gc, std::string_view text,
                                    std::string_view folder = "INBOX", flag_set flags = 0, std::size_t split = 1 << 20,
                                    change_bus* bus = nullptr) {
    auto w = s.begin_append(folder);
    if (!w) return w.error();
    for (std::size_t i = 0; i < text.size(); i += split)
        if (auto ec = (*w)->write(text.substr(i, split))) return ec;
    auto p = (*w)->finish(flags);
    if (!p) return p.error();
    std::vector<pending_append> one;
    one.push_back(std::move(*p));
    auto uids = commit_appends(gc, std::move(one), bus);
    if (!uids) return uids.error();
    return uids->front();
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

inline std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace mailroom::store::test
