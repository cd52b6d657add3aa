{
  "targets": [
    {
      "target_name": "faiss_binding",
      "sources": ["src/binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-frtti"],
      "libraries": [
        "/usr/lib/x86_64-linux-gnu/libfaiss.a",
        "-lopenblas",
        "-llapack",
        "-fopenmp"
      ]
    }
  ]
}
