// sandbox base64 (RFC 4648 §4, standard alphabet, padding required): the
// accept-any-login SASL exchanges (any_login.cpp) and the recorder's view of
// AUTH responses (command_reader.cpp) share this one copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailroom::sandbox {

// nullopt if malformed (length not a multiple of 4, a character outside the
// alphabet, data after '=').
std::optional<std::string> decode_base64(std::string_view b64);
std::string encode_base64(std::string_view bytes);

}  // namespace mailroom::sandbox
