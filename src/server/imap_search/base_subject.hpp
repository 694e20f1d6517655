// imap_search::base_subject: RFC 5256 §2.1 base subject extraction (the
// SORT SUBJECT key and the subject grouping of both THREAD algorithms), on
// a subject already decoded to UTF-8. Called by sort_keys.cpp and the tests.
#pragma once

#include <string>
#include <string_view>

namespace mailroom::imap_search {

struct subject_base {
    std::string text;    // the base subject (case kept; compare casemap keys)
    bool reply = false;  // a Re:, Fw:, Fwd: leader, "(fwd)" trailer or "[fwd: ...]" was removed
};

subject_base base_subject(std::string_view decoded);

}  // namespace mailroom::imap_search
