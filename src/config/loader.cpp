#include "config/loader.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>

#include "config/fields.hpp"
#include "config/sections.hpp"

namespace mailroom::config {
namespace {

diagnostic file_error(const std::filesystem::path& file, std::string what) {
    return {file.string(), 0, 0, std::move(what)};
}

// The whole file, or a diagnostic saying why not.
std::optional<std::string> read_text(const std::filesystem::path& file, std::vector<diagnostic>& errors) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        errors.push_back(file_error(file, "cannot read the file: it is a directory"));
        return std::nullopt;
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno;
        errors.push_back(
            file_error(file, "cannot read the file" + (err ? ": " + std::string(std::strerror(err)) : "")));
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        errors.push_back(file_error(file, "cannot read the file: read error"));
        return std::nullopt;
    }
    return std::move(text).str();
}

// Relative paths in the file mean relative to the file's directory, not to
// wherever the server happens to be started.
void anchor_paths(settings& s, const std::filesystem::path& file) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(file, ec);
    const auto base = (ec ? file : absolute).parent_path().lexically_normal();
    for (auto* p : {&s.data_dir, &s.tls_cert, &s.tls_key})
        if (!p->empty() && p->is_relative()) *p = base / *p;
    if (auto& sh = s.delivery.smarthost; sh && !sh->ca_file.empty() && sh->ca_file.is_relative())
        sh->ca_file = base / sh->ca_file;
}

}  // namespace

std::string diagnostic::format() const {
    return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

load_result parse(std::string_view toml_text, std::string source_name) {
    load_result out;
    toml::table doc;
    try {
        doc = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        out.errors.push_back({source_name, static_cast<int>(e.source().begin.line),
                              static_cast<int>(e.source().begin.column), std::string(e.description())});
        return out;
    }

    settings s = embedded_defaults();
    detail::fields f(source_name, out.errors);
    detail::read_top_level(f, doc, s);
    detail::read_tls(f, doc, s);
    detail::read_listeners(f, doc, s);
    detail::read_delivery(f, doc, s);
    detail::read_http(f, doc, s);
    detail::read_proxies(f, doc, s);

    // In file order, whichever check found them.
    std::stable_sort(out.errors.begin(), out.errors.end(), [](const diagnostic& a, const diagnostic& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (out.errors.empty()) out.cfg = std::move(s);
    return out;
}

load_result load_file(const std::filesystem::path& file) {
    load_result out;
    auto text = read_text(file, out.errors);
    if (!text) return out;
    out = parse(*text, file.string());
    if (out.cfg) anchor_paths(*out.cfg, file);
    return out;
}

}  // namespace mailroom::config
