#include "fetch/sink.hpp"

#include <stdexcept>

namespace mailroom::fetch {

std::unique_ptr<sink> open_sink(std::string_view spec, const local_sink_factory& make_local) {
    const auto colon = spec.find(':');
    if (colon == std::string_view::npos || colon + 1 == spec.size())
        throw std::runtime_error("--to must be maildir:DIR, mbox:FILE or local:ADDRESS, not " + std::string(spec));
    const auto kind = spec.substr(0, colon);
    const std::string where(spec.substr(colon + 1));
    if (kind == "maildir") return open_maildir_sink(where);
    if (kind == "mbox") return open_mbox_sink(where);
    if (kind == "local") {
        if (!make_local) throw std::runtime_error("local: delivery is not available here");
        return make_local(where);
    }
    throw std::runtime_error("unknown destination " + std::string(kind) + ": (maildir:, mbox: or local:)");
}

}  // namespace mailroom::fetch
