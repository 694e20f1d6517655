// imap::argument helpers (argument.hpp).
#include "proto/imap/argument.hpp"

#include "proto/common/keyword.hpp"

namespace mailroom::imap {

bool is_keyword(const argument& a, std::string_view keyword) noexcept {
    return a.kind == argument_kind::atom && proto::keyword_equals(a.text, keyword);
}

bool argument::is_nil() const noexcept { return is_keyword(*this, "NIL"); }

}  // namespace mailroom::imap
