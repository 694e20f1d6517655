// Shared by the config loader tests: compact views of a load_result and a
// file writer for configurations under a temporary directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.hpp"

namespace mailroom::config::loader_helpers {

// "line:col: message" for every diagnostic, for compact expectations.
inline std::vector<std::string> errors_of(const load_result& r) {
    std::vector<std::string> out;
    for (const auto& d : r.errors)
        out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return out;
}

inline std::string first_error(const load_result& r) { return r.errors.empty() ? "" : r.errors.front().format(); }

inline void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << p;
}

}  // namespace mailroom::config::loader_helpers
