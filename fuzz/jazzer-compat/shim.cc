// Preloaded by scripts/fuzz.mjs on systems older than glibc 2.38 / GCC 13 (Debian 12): the three
// functions @jazzer.js/fuzzer 4.0.0's prebuilt addon was linked against and such systems lack. The
// C23 strtol variants differ from the classic ones only in also accepting a "0b" prefix for base 0/2.
#include <cstdlib>
#include <ios>

extern "C" long __isoc23_strtol(const char* s, char** end, int base) { return std::strtol(s, end, base); }
extern "C" unsigned long __isoc23_strtoul(const char* s, char** end, int base) { return std::strtoul(s, end, base); }

// GCC 13 moved the <iostream> static initialisation into this call; older libstdc++ initialises the
// standard streams itself, and a (reference-counted) ios_base::Init here is harmless.
namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}  // namespace std
