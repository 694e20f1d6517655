// sandbox web assets: the files of src/sandbox/web/ (the page, its script
// and style, openapi.json), embedded in the binary at build time by
// embed_web_assets.cmake into the build tree (never committed). Served by
// http_api_web.cpp (the page) and http_api_openapi.cpp.
#pragma once

#include <span>
#include <string_view>

namespace mailroom::sandbox {

struct web_asset {
    std::string_view name;  // "index.html", "app.js", ...
    std::string_view bytes;
};

std::span<const web_asset> web_assets();

// The asset of that name, or nullptr.
const web_asset* find_web_asset(std::string_view name);

}  // namespace mailroom::sandbox
