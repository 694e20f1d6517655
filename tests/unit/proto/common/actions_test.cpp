#include "proto/common/actions.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mailroom::proto {
namespace {

// The names are what operators grep for in "disconnect reason=" lines.
TEST(actions, every_close_reason_has_its_own_log_name) {
    const close_reason all[] = {close_reason::quit,          close_reason::timeout,
                                close_reason::eof,           close_reason::too_many_errors,
                                close_reason::auth_failures, close_reason::tls_failed,
                                close_reason::server_error,  close_reason::shutdown};
    std::set<std::string> names;
    for (auto r : all) names.insert(reason_name(r));
    EXPECT_EQ(names.size(), std::size(all));
    EXPECT_STREQ(reason_name(close_reason::eof), "disconnected");
    EXPECT_STREQ(reason_name(close_reason::auth_failures), "too_many_auth_failures");
}

}  // namespace
}  // namespace mailroom::proto
