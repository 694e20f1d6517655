// config::loader: TOML text → settings, with every error reported with its
// line and column; unknown keys are errors. Called by `serve --config` and
// `config check`. Knows nothing of sockets or files beyond reading the one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace mailroom::config {

struct diagnostic {
    std::string source;  // file name
    int line = 0;
    int column = 0;
    std::string message;
    std::string format() const;  // "file:line:col: message"
};

struct load_result {
    std::optional<settings> cfg;     // present only when errors is empty
    std::vector<diagnostic> errors;  // all of them, not just the first
};

load_result parse(std::string_view toml_text, std::string source_name);
load_result load_file(const std::filesystem::path& file);

}  // namespace mailroom::config
