// Base64 encoding (RFC 4648 §4, with '=' padding), for the WebSocket key and accept values.
// Thread: any (pure function).
#ifndef EARSHOT_LV2_BASE64_H
#define EARSHOT_LV2_BASE64_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace earshot {

std::string base64_encode(const uint8_t* data, size_t n);

}  // namespace earshot

#endif  // EARSHOT_LV2_BASE64_H
