// Loaded with node --require by scripts/fuzz.mjs (only where the prebuilt jazzer.js addon needs the glibc
// compatibility copy, see jazzerEnv() there): jazzer.js then dlopens build-fuzz/jazzer/'s patched copy of
// @jazzer.js/fuzzer's addon instead of the one in node_modules, which stays untouched.
'use strict';
const replacement = process.env.EARSHOT_JAZZER_ADDON;
if (replacement) {
  const dlopen = process.dlopen;
  process.dlopen = function (module, filename, ...rest) {
    if (/[\\/]fuzzer-linux-[^\\/]+\.node$/.test(filename)) filename = replacement;
    return dlopen.call(this, module, filename, ...rest);
  };
}
