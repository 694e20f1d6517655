// store::maildir names: what a Maildir file name says. A name is
// "<base>[:2,<info>]"; the base ("<secs>.M<usecs>P<pid>Q<n>R<rand>.<host>,S=<size>,W=<crlf size>")
// never changes, the info holds the flags as sorted letters (D F R S T, as
// Dovecot and mutt write them) and keywords as letters a-z indexing the
// dovecot-keywords file. Pure functions; used by the Maildir backend only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/mail_store.hpp"

namespace mailroom::store::maildir {

std::string_view base_name(std::string_view file_name);

struct info {
    flag_set flags = 0;
    std::uint32_t keyword_bits = 0;  // bit i: keyword i of dovecot-keywords ('a' + i)
    std::string other;               // letters we do not interpret (e.g. P, passed), kept as they are
    friend bool operator==(const info&, const info&) = default;
};
info parse_info(std::string_view file_name);
// "<base>:2,<letters>" (sorted, as the Maildir specification wants).
std::string file_name(std::string_view base, const info& i);

std::optional<std::uint64_t> size_field(std::string_view base, std::string_view field);  // ",S=" / ",W="
std::pair<std::uint64_t, std::uint64_t> delivery_time(std::string_view base);            // (secs, usecs), 0 if absent
std::uint64_t crlf_size_of(std::string_view content);

// "<secs>.M<usecs>P<pid>Q<counter>R<random>.<host>": unique in this host.
std::string new_unique_name();
// A new unique base name for a message of `size` octets (crlf_size on the wire).
std::string new_base_name(std::uint64_t size, std::uint64_t crlf_size);

}  // namespace mailroom::store::maildir
