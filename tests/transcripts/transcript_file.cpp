#include "transcript_file.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace mailroom::test {

std::vector<transcript_line> read_transcript(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::vector<transcript_line> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        if (line[0] == '!' || line[0] == '=') {
            auto text_start = line.find_first_not_of(' ', 1);
            out.push_back({number, line.substr(0, 1), text_start == std::string::npos ? "" : line.substr(text_start)});
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0 || colon > 2)
            throw std::runtime_error(file.string() + ":" + std::to_string(number) + ": no '<tag>:' at the start");
        std::string text = line.substr(colon + 1);
        if (!text.empty() && text[0] == ' ') text.erase(0, 1);
        out.push_back({number, line.substr(0, colon), text});
    }
    return out;
}

std::string unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '{') {
            auto star = text.find('*', i);
            auto close = text.find('}', i);
            if (star != std::string_view::npos && close == star + 2 && star > i + 1) {
                std::size_t n = std::stoul(std::string(text.substr(i + 1, star - i - 1)));
                if (n > 10'000'000) throw std::runtime_error("repeat count too large");
                out.append(n, text[star + 1]);
                i = close;
                continue;
            }
        }
        if (c != '\\' || i + 1 == text.size()) {
            out += c;
            continue;
        }
        char e = text[++i];
        switch (e) {
            case 'r': out += '\r'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '\\': out += '\\'; break;
            case '{': out += '{'; break;
            case 'x': {
                if (i + 2 >= text.size()) throw std::runtime_error("bad \\x escape");
                out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
                i += 2;
                break;
            }
            default: throw std::runtime_error(std::string("unknown escape \\") + e);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> key_values(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        auto start = text.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        text.remove_prefix(start);
        auto end = text.find(' ');
        auto word = text.substr(0, end);
        auto eq = word.find('=');
        if (eq == std::string_view::npos) out.emplace_back(std::string(word), "");
        else out.emplace_back(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1)));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    }
    return out;
}

std::vector<std::filesystem::path> transcript_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".txt") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

void PrintTo(const transcript_case& c, std::ostream* os) {
    *os << c.file.filename().string() << (c.per_byte ? " (per byte)" : " (whole)");
}

std::vector<transcript_case> transcript_cases(const std::filesystem::path& dir) {
    std::vector<transcript_case> out;
    for (const auto& f : transcript_files(dir)) {
        out.push_back({f, false});
        out.push_back({f, true});
    }
    return out;
}

std::string transcript_case_name(const transcript_case& c) {
    std::string name = c.file.stem().string() + (c.per_byte ? "_per_byte" : "_whole");
    for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

}  // namespace mailroom::test
