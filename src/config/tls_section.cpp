#include <array>

#include "config/sections.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 2> tls_keys{"cert", "key"};

}  // namespace

void read_tls(fields& f, const toml::table& doc, settings& s) {
    const toml::node* n = doc.get("tls");
    if (!n) return;
    const toml::table* t = n->as_table();
    if (!t) {
        f.error(*n, "'tls' must be a table ([tls]), not " + std::string(type_phrase(n->type())));
        return;
    }
    f.only_keys(*t, tls_keys, "[tls]");
    if (auto v = f.text(*t, "cert")) s.tls_cert = *v;
    if (auto v = f.text(*t, "key")) s.tls_key = *v;
    const bool has_cert = t->contains("cert");
    const bool has_key = t->contains("key");
    if (has_cert != has_key)
        f.error(*t, std::string("[tls] needs both 'cert' and 'key', or neither (for a self-signed certificate); '") +
                        (has_cert ? "key" : "cert") + "' is missing");
}

}  // namespace mailroom::config::detail
