// result<T>: a value or a std::error_code, for environment errors
// (STYLE.md §7). g++ 12 lacks std::expected, so this wraps Boost's result.
// Peer errors never travel as result: they become protocol replies.
#pragma once

#include <boost/system/result.hpp>
#include <system_error>

namespace mailroom {

template <class T>
using result = boost::system::result<T, std::error_code>;

}  // namespace mailroom
