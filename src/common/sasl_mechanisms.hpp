// sasl_mechanisms: the one list of SASL mechanisms mailroom knows (GNU SASL
// serves them all), upper case, in the order a listener offers them by
// default. Read by the configuration (defaults, validation), the SASL
// adapters (auth/) and the engines' policy defaults (proto/).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom {

inline constexpr std::array<std::string_view, 5> sasl_mechanism_names{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1",
                                                                      "SCRAM-SHA-256"};

inline std::vector<std::string> default_sasl_mechanisms() {
    return {sasl_mechanism_names.begin(), sasl_mechanism_names.end()};
}

}  // namespace mailroom
