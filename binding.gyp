{
  # One addon, earshot_native: the hot DSP kernels. The FFT/mel kernels are compiled twice,
  # once for the baseline ISA and once with AVX2+FMA, and picked at load time (dsp_dispatch.cc).
  "variables": { "earshot_x64%": "<!(node -p \"process.arch === 'x64' ? 1 : 0\")" },
  "targets": [
    {
      "target_name": "earshot_native",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/dsp/mel.cc",
        "native/napi/dsp/resampler.cc",
        "native/dsp/resampler.cc",
        "native/linalg/als_solver.cc",
        "native/linalg/als_cg.cc",
        "native/napi/linalg/als_solver.cc",
        "native/napi/cuda/als_cuda.cc",
        "native/dsp/fft_plan.cc",
        "native/dsp/plan_cache.cc",
        "native/dsp/mel_filterbank.cc",
        "native/dsp/mel_frame.cc",
        "native/dsp/mel_batch.cc",
        "native/dsp/mfcc.cc",
        "native/dsp/mel_stream.cc",
        "native/dsp/dsp_dispatch.cc",
        "native/dsp/dsp_kernels_generic.cc",
        "native/linalg/linalg_kernels_generic.cc",
        "native/cluster/nearest_centroid.cc",
        "native/cluster/kmeans_init.cc",
        "native/cluster/kmeans.cc",
        "native/napi/cluster/kmeans.cc",
        "native/linalg/cross_product.cc",
        "native/linalg/project.cc",
        "native/linalg/householder_tridiagonal.cc",
        "native/linalg/tridiagonal_ql.cc",
        "native/linalg/sym_eigen.cc",
        "native/napi/linalg/pca.cc",
        "native/search/topk.cc",
        "native/search/ivf_index.cc",
        "native/napi/search/topk.cc",
        "native/napi/search/ivf_index.cc",
        "native/napi/linalg/fold_in.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
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
      "sources": ["native/dsp/dsp_kernels_avx2.cc", "native/linalg/linalg_kernels_avx2.cc"],
      "include_dirs": ["native"],
      "cflags_cc": ["-std=c++17", "-O3", "-mavx2", "-mfma", "-fPIC", "-Wno-psabi"],
      "defines": ["EARSHOT_HAVE_AVX2_KERNELS=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2", "-mfma"] },
      "msvs_settings": { "VCCLCompilerTool": { "EnableEnhancedInstructionSet": 5 } }
    }
  ]
}
