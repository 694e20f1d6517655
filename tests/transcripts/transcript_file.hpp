// Reading transcript files (format in STYLE.md §9 and README "Tests"):
// one directive per line, "<tag>: text" or "! setup", "#" comments.
// Protocol-neutral; the per-protocol runner gives the tags meaning.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::test {

struct transcript_line {
    int number = 0;    // 1-based line in the file, for failure messages
    std::string tag;   // "C", "B", "S", "A", "R", "X", "=", "!"
    std::string text;  // after "<tag>: " (or "! "), escapes not yet expanded
};

std::vector<transcript_line> read_transcript(const std::filesystem::path& file);

// Expands \r \n \t \\ \xHH and {N*c} (c repeated N times, N <= 10^7).
std::string unescape(std::string_view text);

// Splits "a=b c=d" into pairs; words without '=' get an empty value.
std::vector<std::pair<std::string, std::string>> key_values(std::string_view text);

std::vector<std::filesystem::path> transcript_files(const std::filesystem::path& dir);

// One parameter of a replay test: a file, fed whole or one byte at a time.
struct transcript_case {
    std::filesystem::path file;
    bool per_byte = false;
};
void PrintTo(const transcript_case& c, std::ostream* os);  // gtest's name for it in failures
// Every file of dir, twice (whole, per byte).
std::vector<transcript_case> transcript_cases(const std::filesystem::path& dir);
// "name_whole" / "name_per_byte", as a gtest parameter name.
std::string transcript_case_name(const transcript_case& c);

// Feeds a client write to an engine whole, or split into single bytes.
template <class Engine>
void feed_write(Engine& engine, std::string_view bytes, bool per_byte) {
    if (!per_byte) return engine.feed(bytes);
    for (char c : bytes) engine.feed(std::string_view(&c, 1));
}

}  // namespace mailroom::test
