// EARSHOT_MULTIVERSION: compile a hot function twice on x86-64 with GCC (AVX2+FMA and the baseline
// ISA) and let the loader pick one per machine (function multiversioning). The clone is
// "arch=x86-64-v3", an ISA level the resolver tests by CPU features; "arch=haswell" would test for an
// Intel Haswell-family model, so AMD processors would silently get the baseline clone.
#ifndef EARSHOT_MULTIVERSION_H
#define EARSHOT_MULTIVERSION_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define EARSHOT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define EARSHOT_MULTIVERSION
#endif

#endif  // EARSHOT_MULTIVERSION_H
