// sandbox: JSON forms of journal records and message events (see the header).
#include "sandbox/session_json.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

namespace mailroom::sandbox {

std::string rfc3339(wall_time t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
    if (ms < 0) ms += 1000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(t), ms);
}

namespace {

// Bytes as a valid UTF-8 string: invalid sequences become U+FFFD.
std::string as_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        auto c = static_cast<unsigned char>(in[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len != 0 && i + len <= in.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 2;
        if (ok) {
            out.append(in.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

}  // namespace

boost::json::value to_json(const session_record& s, bool with_dialogue) {
    boost::json::object o;
    o["id"] = s.id;
    o["protocol"] = s.protocol;
    o["listener"] = s.listener;
    o["peer"] = s.peer;
    o["started"] = rfc3339(s.started);
    o["ended"] = s.ended ? boost::json::value(rfc3339(*s.ended)) : boost::json::value(nullptr);
    o["tls"] = s.tls;
    o["user"] = as_utf8(s.user);
    o["truncated"] = s.truncated;
    o["entries"] = s.dialogue.size();
    boost::json::array findings;
    for (const auto& f : s.findings)
        findings.push_back(boost::json::object{{"code", f.code}, {"rfc", f.rfc}, {"text", f.text}, {"entry", f.entry}});
    o["findings"] = std::move(findings);
    if (with_dialogue) {
        boost::json::array d;
        for (const auto& e : s.dialogue) {
            boost::json::object j{{"time", rfc3339(e.at)}, {"dir", e.dir == direction::client ? "C" : "S"}};
            if (!e.note.empty()) j["note"] = e.note;
            else j["bytes"] = as_utf8(e.bytes);
            d.push_back(std::move(j));
        }
        o["dialogue"] = std::move(d);
    }
    return o;
}

boost::json::value to_json(const captured_message& m) {
    return boost::json::object{{"mailbox", as_utf8(m.mailbox)},
                               {"uid", m.uid},
                               {"file", m.file.string()},
                               {"session", m.session}};
}

}  // namespace mailroom::sandbox
