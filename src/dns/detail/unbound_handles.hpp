// RAII owners for libunbound objects (STYLE.md §11): the context and the
// result structures its callbacks hand over.
#pragma once

#include <unbound.h>

#include <memory>

namespace mailroom::dns::detail {

struct ub_ctx_deleter {
    void operator()(ub_ctx* ctx) const noexcept { ub_ctx_delete(ctx); }
};
struct ub_result_deleter {
    void operator()(ub_result* r) const noexcept { ub_resolve_free(r); }
};

using unique_ub_ctx = std::unique_ptr<ub_ctx, ub_ctx_deleter>;
using unique_ub_result = std::unique_ptr<ub_result, ub_result_deleter>;

}  // namespace mailroom::dns::detail
