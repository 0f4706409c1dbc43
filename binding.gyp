{
  # One addon, earshot_native: the hot DSP kernels. The FFT/mel kernels are compiled twice,
  # once for the baseline ISA and once with AVX2+FMA, and picked at load time (dsp_dispatch.cc).
  "variables": { "earshot_x64%": "<!(node -p \"process.arch === 'x64' ? 1 : 0\")" },
  "targets": [
    {
      "target_name": "earshot_native",
      "sources": [
        "native/addon.cc",
        "native/mel_binding.cc",
        "native/resampler_binding.cc",
        "native/resampler.cc",
        "native/als_solver.cc",
        "native/als_binding.cc",
        "native/cuda_als_binding.cc",
        "native/fft_plan.cc",
        "native/plan_cache.cc",
        "native/mel_filterbank.cc",
        "native/mel_frame.cc",
        "native/mel_batch.cc",
        "native/mfcc.cc",
        "native/mel_stream.cc",
        "native/dsp_dispatch.cc",
        "native/dsp_kernels_generic.cc",
        "native/linalg_kernels_generic.cc",
        "native/nearest_centroid.cc",
        "native/kmeans_init.cc",
        "native/kmeans.cc",
        "native/kmeans_binding.cc",
        "native/cross_product.cc",
        "native/project.cc",
        "native/householder_tridiagonal.cc",
        "native/tridiagonal_ql.cc",
        "native/sym_eigen.cc",
        "native/pca_binding.cc",
        "native/topk.cc",
        "native/ivf_index.cc",
        "native/catalog_binding.cc",
        "native/fold_in_binding.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "libraries": ["-ldl"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-psabi", "-fopenmp-simd"],
      "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "OTHER_CPLUSPLUSFLAGS": ["-O3"] },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } },
      "conditions": [
        ["earshot_x64==1", {
          "dependencies": ["earshot_kernels_avx2"],
          "defines": ["EARSHOT_HAVE_AVX2_KERNELS=1"]
        }]
      ]
    },
    {
      "target_name": "earshot_kernels_avx2",
      "type": "static_library",
      "sources": ["native/dsp_kernels_avx2.cc", "native/linalg_kernels_avx2.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-mavx2", "-mfma", "-fPIC", "-Wno-psabi"],
      "defines": ["EARSHOT_HAVE_AVX2_KERNELS=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma"] },
      "msvs_settings": { "VCCLCompilerTool": { "EnableEnhancedInstructionSet": 5 } }
    }
  ]
}
