// imap::search_messages and its answer: what SEARCH, SORT and THREAD (RFC
// 9051 §6.4.4, RFC 4731, RFC 5256) ask of the driver, which evaluates the
// program over a copy of the selected view on the storage pool
// (server/imap_search/), and what comes back for cmd_search.cpp to render.
// Engineer H2's part of the engine.
#pragma once

#include <cstdint>
#include <vector>

#include "proto/imap/command.hpp"
#include "proto/imap/selected_view.hpp"

namespace mailroom::imap {

enum class search_kind { search, sort, thread };

// The request. view[i] is message sequence number i + 1 (gone ones
// included: they keep their numbers, never match); saved: the UIDs of "$"
// (RFC 5182), ascending.
struct search_messages {
    search_kind kind = search_kind::search;
    search_key program;
    std::vector<sort_criterion> criteria;  // sort
    thread_algorithm algorithm = thread_algorithm::references;
    std::vector<message_state> view;
    std::vector<std::uint32_t> saved;
};

// A thread (RFC 5256 §4): seq 0 is a placeholder parent of several
// threads with no message of its own (it renders as nested lists).
struct thread_node {
    std::uint32_t seq = 0;
    std::vector<thread_node> children;
    friend bool operator==(const thread_node&, const thread_node&) = default;
};

// The answer: the matching sequence numbers, ascending for SEARCH, in
// order for SORT; the threads for THREAD.
struct search_outcome {
    std::vector<std::uint32_t> seqs;
    std::vector<thread_node> threads;
};

}  // namespace mailroom::imap
