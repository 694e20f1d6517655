// fuzz_input: the fuzzer's bytes read as a script of decisions - a byte
// for each choice the harness makes, runs of bytes for the peer's writes.
// Past the end every choice is 0, so every input is a complete script.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mailroom::fuzz {

class fuzz_input {
public:
    fuzz_input(const std::uint8_t* d, std::size_t n) : data_(d), size_(n) {}
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::string_view bytes(std::size_t n) {
        n = std::min(n, size_ - pos_);
        std::string_view s(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return s;
    }
    bool done() const { return pos_ >= size_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace mailroom::fuzz
