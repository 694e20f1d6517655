#include "storage/sqlite/detail/statement_cache.hpp"

#include "common/errors.hpp"

namespace mailroom::storage::detail {

std::error_code sqlite_error(int rc) {
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return make_error_code(errc::invalid_argument);
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT: return make_error_code(errc::already_exists);
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return make_error_code(errc::corrupt_data);
        default: return make_error_code(errc::storage_failure);
    }
}

result<statement_use> statement_cache::get(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* s = nullptr;
        // PERSISTENT: kept for the connection's lifetime, so SQLite takes
        // its memory from the heap rather than the lookaside slots.
        const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                                          nullptr);
        if (rc != SQLITE_OK) return sqlite_error(rc);
        it = statements_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, finalizer>(s)).first;
    }
    return statement_use(it->second.get());
}

}  // namespace mailroom::storage::detail
