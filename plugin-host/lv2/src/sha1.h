// SHA-1 (FIPS 180-4), only for the WebSocket opening handshake: Sec-WebSocket-Accept is
// base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). Not for anything that needs collision resistance.
// Thread: any (pure function).
#ifndef EARSHOT_LV2_SHA1_H
#define EARSHOT_LV2_SHA1_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace earshot {

std::array<uint8_t, 20> sha1(const void* data, size_t n);

}  // namespace earshot

#endif  // EARSHOT_LV2_SHA1_H
