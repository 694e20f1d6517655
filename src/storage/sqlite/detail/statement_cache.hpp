// storage::detail::statement_cache: SQLite statements of one connection,
// prepared once (SQLITE_PREPARE_PERSISTENT) and reused, so a lookup no
// longer pays the SQL parser and planner each time. Private to userdb.cpp;
// not thread-safe: the caller holds the connection's mutex from get() until
// the statement_use is gone.
#pragma once

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace mailroom::storage::detail {

// A cached statement lent out. Reset with its bindings cleared when it goes
// out of scope: a statement left stepped would keep its read transaction -
// an old snapshot, and a WAL the checkpointer cannot restart - open between
// calls.
class statement_use {
public:
    explicit statement_use(sqlite3_stmt* s) noexcept : s_(s) {}
    statement_use(statement_use&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    statement_use& operator=(statement_use&&) = delete;
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    ~statement_use() {
        if (!s_) return;
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    sqlite3_stmt* get() const noexcept { return s_; }

private:
    sqlite3_stmt* s_;
};

// An extended SQLite result code as a mailroom error: constraint
// violations are already_exists (foreign keys: invalid_argument), a damaged
// file corrupt_data, anything else storage_failure.
std::error_code sqlite_error(int rc);

class statement_cache {
public:
    explicit statement_cache(sqlite3* db) noexcept : db_(db) {}

    // The statement for `sql`, prepared on first use; errors as
    // sqlite_error(). At most one use of the same SQL at a time.
    result<statement_use> get(std::string_view sql);

    std::size_t size() const noexcept { return statements_.size(); }

private:
    struct finalizer {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    sqlite3* db_;
    std::map<std::string, std::unique_ptr<sqlite3_stmt, finalizer>, std::less<>> statements_;
};

}  // namespace mailroom::storage::detail
