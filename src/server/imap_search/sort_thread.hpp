// imap_search::sort_messages and thread_messages: RFC 5256 SORT (ARRIVAL,
// CC, DATE, FROM, SIZE, SUBJECT, TO, REVERSE; RFC 5957 DISPLAYFROM/TO) and
// THREAD (ORDEREDSUBJECT, REFERENCES) over the facts of the messages a
// search matched. Pure functions; called by run.cpp and the tests.
#pragma once

#include <span>
#include <vector>

#include "proto/imap/command.hpp"
#include "proto/imap/search_result.hpp"
#include "server/imap_search/message_facts.hpp"

namespace mailroom::imap_search {

// Sequence numbers in the order of the criteria; ties by sequence number (RFC 5256 §3).
std::vector<std::uint32_t> sort_messages(std::vector<message_facts> msgs, std::span<const imap::sort_criterion> by);

std::vector<imap::thread_node> thread_messages(std::vector<message_facts> msgs, imap::thread_algorithm algorithm);

}  // namespace mailroom::imap_search
