#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

std::string endpoint_text(const listener& l) { return l.address + " port " + std::to_string(l.port); }

// Names are unique; no two listeners could be bound at once.
void check_against_earlier(fields& f, const toml::table& t, const listener& l, const std::vector<listener>& earlier) {
    for (const auto& e : earlier) {
        if (!l.name.empty() && l.name == e.name) {
            f.error(*t.get("name"), "listener name '" + l.name + "' is used twice (also on line " +
                                        std::to_string(e.source_line) + ")");
            break;
        }
    }
    for (const auto& e : earlier) {
        if (endpoints_collide(l.address, l.port, e.address, e.port)) {
            f.error(*t.get("port"), "listener '" + l.name + "' on " + endpoint_text(l) + " collides with listener '" +
                                        e.name + "' on " + endpoint_text(e) + " (line " +
                                        std::to_string(e.source_line) + ")");
            break;
        }
    }
}

}  // namespace

void read_listeners(fields& f, const toml::table& doc, settings& s) {
    const toml::node* n = doc.get("listener");
    if (!n) {
        s.listeners = embedded_defaults().listeners;
        return;
    }
    const toml::array* arr = n->as_array();
    if (!arr) {
        f.error(*n, "'listener' must be an array of tables ([[listener]]), not " + std::string(type_phrase(n->type())));
        return;
    }
    if (arr->empty()) {
        f.error(*n, "'listener' is empty; leave it out to use the default listeners");
        return;
    }
    s.listeners.clear();
    for (const toml::node& item : *arr) {
        const toml::table* t = item.as_table();
        if (!t) {
            f.error(item,
                    "each 'listener' must be a table ([[listener]]), not " + std::string(type_phrase(item.type())));
            continue;
        }
        listener l = read_listener(f, *t);
        check_against_earlier(f, *t, l, s.listeners);
        s.listeners.push_back(std::move(l));
    }
}

}  // namespace mailroom::config::detail
