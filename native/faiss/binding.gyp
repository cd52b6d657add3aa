{
  "targets": [
    {
      "target_name": "faiss_binding",
      "sources": ["src/binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags": ["<!@(node find-faiss.cjs cflags)"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["<!@(node find-faiss.cjs cflags)", "-std=c++17"], "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "GCC_ENABLE_CPP_RTTI": "YES" },
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-frtti"],
      "libraries": ["<!@(node find-faiss.cjs libs)"]
    }
  ]
}
