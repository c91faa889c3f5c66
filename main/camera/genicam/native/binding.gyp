# The GenICam addon (Aravis 0.8). Flags come from pkg-config through pkgconfig.cjs, which also copes with a
# libaravis-dev whose private requirements (libusb-1.0.pc) are not installed. Built by scripts/build-genicam.mjs.
{
  "targets": [
    {
      "target_name": "arv_genicam",
      "sources": ["src/addon.cc", "src/camera.cc", "src/convert.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "<!@(node pkgconfig.cjs --cflags)"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags": ["<!@(node pkgconfig.cjs --cflags)"],
      "libraries": ["<!@(node pkgconfig.cjs --libs)"]
    }
  ]
}
