// Pixel formats the station inspects, converted to 8-bit gray or RGB. Pure (no Aravis, no N-API), so it can be
// checked with hand-computed values through the addon's `convert` export.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace genicam {

struct Layout {
  int channels = 0;       // 1 (gray) or 3 (RGB) after conversion
  bool passthrough = false; // the camera's bytes are already 8-bit gray / RGB: no conversion, no copy
  size_t inputBytes = 0;  // bytes the input needs for width x height
};

// PFNC pixel format code -> what conversion produces. Returns false for formats we do not convert.
bool layoutOf(uint32_t pixelFormat, int width, int height, Layout* out);

// Converts `in` (inputBytes of layoutOf) into `out` (width * height * channels bytes).
// Mono10/12/14/16 keep their top 8 bits; Mono12Packed is unpacked first; Bayer 8-bit patterns are demosaiced
// bilinearly to RGB; BGR8 is swapped to RGB.
void convert(uint32_t pixelFormat, int width, int height, const uint8_t* in, uint8_t* out);

// "Mono8", "BayerRG8", ... for the formats above; "0x…" otherwise.
std::string pixelFormatName(uint32_t pixelFormat);
// Inverse of pixelFormatName for the formats above; 0 when unknown.
uint32_t pixelFormatCode(const std::string& name);

}  // namespace genicam
