// Test helper for harness_configs_test.py: loads each FILE with
// config::load_file and prints its diagnostics; exit status 1 if any fails.
#include <iostream>

#include "config/loader.hpp"

int main(int argc, char** argv) {
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        const auto result = mailroom::config::load_file(argv[i]);
        for (const auto& d : result.errors) std::cout << d.format() << "\n";
        if (!result.cfg) {
            status = 1;
        } else {
            std::cout << argv[i] << ": OK, " << result.cfg->listeners.size() << " listener(s)\n";
        }
    }
    return argc < 2 ? 2 : status;
}
