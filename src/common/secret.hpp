// secret: a string that zeroes its memory when it goes away and never
// prints itself. Passwords, SASL responses and keys live in this type;
// traces show "********" instead (STYLE.md §11).
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace mailroom {

class secret {
public:
    secret() = default;
    explicit secret(std::string_view s) : value_(s) {}
    explicit secret(std::string&& s) : value_(std::move(s)) {}
    secret(const secret& other) : value_(other.value_) {}
    secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    secret& operator=(const secret& other) {
        if (this != &other) {
            wipe();
            value_ = other.value_;
        }
        return *this;
    }
    secret& operator=(secret&& other) noexcept {
        if (this != &other) {
            wipe();
            value_ = std::move(other.value_);
            other.wipe();
        }
        return *this;
    }
    ~secret() { wipe(); }

    // The only way to read the value: callers name what they do with it.
    std::string_view reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    static constexpr std::string_view masked = "********";

private:
    void wipe() noexcept;
    std::string value_;
};

}  // namespace mailroom
