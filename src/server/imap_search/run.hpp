// imap_search::run_search: one search_messages request (SEARCH, SORT or
// THREAD) answered over a message source - evaluate, then for SORT/THREAD
// the facts of the matches from their headers. Blocking: the IMAP driver
// (imap_connection.cpp) calls it on the storage pool.
#pragma once

#include "proto/imap/search_result.hpp"
#include "server/imap_search/message_source.hpp"
#include "server/imap_search/search_eval.hpp"

namespace mailroom::imap_search {

imap::search_outcome run_search(const imap::search_messages& req, message_source& source,
                                long (*zone_offset)(std::int64_t) = nullptr);

}  // namespace mailroom::imap_search
