#include "common/secret.hpp"

#include <string.h>  // explicit_bzero (glibc): not optimised away

namespace mailroom {

void secret::wipe() noexcept {
    // Wipe the whole capacity: a shorter value may have overwritten a longer one.
    if (value_.capacity() > 0) explicit_bzero(value_.data(), value_.capacity());
    value_.clear();
}

}  // namespace mailroom
