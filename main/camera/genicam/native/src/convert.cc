#include "convert.h"

#include <cstdio>
#include <cstring>

namespace genicam {

namespace {
// PFNC / GigE Vision codes (same values as ARV_PIXEL_FORMAT_*; kept here so this file needs no Aravis header).
constexpr uint32_t MONO8 = 0x01080001u, MONO10 = 0x01100003u, MONO12 = 0x01100005u, MONO12_PACKED = 0x010c0006u,
                   MONO14 = 0x01100025u, MONO16 = 0x01100007u, BAYER_GR8 = 0x01080008u, BAYER_RG8 = 0x01080009u,
                   BAYER_GB8 = 0x0108000au, BAYER_BG8 = 0x0108000bu, RGB8 = 0x02180014u, BGR8 = 0x02180015u;

struct Named {
  uint32_t code;
  const char* name;
};
constexpr Named kNames[] = {{MONO8, "Mono8"},         {MONO10, "Mono10"},       {MONO12, "Mono12"},
                            {MONO12_PACKED, "Mono12Packed"}, {MONO14, "Mono14"}, {MONO16, "Mono16"},
                            {BAYER_GR8, "BayerGR8"},   {BAYER_RG8, "BayerRG8"},   {BAYER_GB8, "BayerGB8"},
                            {BAYER_BG8, "BayerBG8"},   {RGB8, "RGB8"},           {BGR8, "BGR8"}};

// Colour (0 = R, 1 = G, 2 = B) at (x, y) of a 2x2 colour filter pattern given by its top-left colour layout.
inline int cfa(uint32_t fmt, int x, int y) {
  // Pattern rows: RG/GB (RG), GR/BG (GR), GB/RG (GB), BG/GR (BG).
  static const int rg[2][2] = {{0, 1}, {1, 2}}, gr[2][2] = {{1, 0}, {2, 1}}, gb[2][2] = {{1, 2}, {0, 1}},
                   bg[2][2] = {{2, 1}, {1, 0}};
  const int(*p)[2] = fmt == BAYER_RG8 ? rg : fmt == BAYER_GR8 ? gr : fmt == BAYER_GB8 ? gb : bg;
  return p[y & 1][x & 1];
}

// Bilinear demosaic: each missing colour is the mean of the nearest samples of that colour in the 3x3
// neighbourhood (borders use the samples that exist).
void demosaic(uint32_t fmt, int w, int h, const uint8_t* in, uint8_t* out) {
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      int sum[3] = {0, 0, 0}, n[3] = {0, 0, 0};
      const int own = cfa(fmt, x, y);
      uint8_t* px = out + (static_cast<size_t>(y) * w + x) * 3;
      px[own] = in[static_cast<size_t>(y) * w + x];
      for (int dy = -1; dy <= 1; dy++) {
        const int yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (int dx = -1; dx <= 1; dx++) {
          const int xx = x + dx;
          if (xx < 0 || xx >= w || (dx == 0 && dy == 0)) continue;
          const int c = cfa(fmt, xx, yy);
          if (c == own) continue;
          // Green at a red/blue site: only the 4 direct neighbours (the diagonals are the other colour).
          if (c == 1 && dx != 0 && dy != 0) continue;
          sum[c] += in[static_cast<size_t>(yy) * w + xx];
          n[c]++;
        }
      }
      for (int c = 0; c < 3; c++)
        if (c != own) px[c] = n[c] ? static_cast<uint8_t>((sum[c] + n[c] / 2) / n[c]) : 0;
    }
  }
}
}  // namespace

bool layoutOf(uint32_t fmt, int w, int h, Layout* out) {
  const size_t px = static_cast<size_t>(w) * static_cast<size_t>(h);
  switch (fmt) {
    case MONO8: *out = {1, true, px}; return true;
    case MONO10: case MONO12: case MONO14: case MONO16: *out = {1, false, px * 2}; return true;
    case MONO12_PACKED: *out = {1, false, (px * 3 + 1) / 2}; return true;
    case BAYER_GR8: case BAYER_RG8: case BAYER_GB8: case BAYER_BG8: *out = {3, false, px}; return true;
    case RGB8: *out = {3, true, px * 3}; return true;
    case BGR8: *out = {3, false, px * 3}; return true;
    default: return false;
  }
}

void convert(uint32_t fmt, int w, int h, const uint8_t* in, uint8_t* out) {
  const size_t px = static_cast<size_t>(w) * static_cast<size_t>(h);
  switch (fmt) {
    case MONO8: std::memcpy(out, in, px); return;
    case RGB8: std::memcpy(out, in, px * 3); return;
    case MONO10: case MONO12: case MONO14: case MONO16: {
      // Little-endian 16-bit containers holding 10/12/14/16 significant bits: keep the top 8.
      const int shift = fmt == MONO10 ? 2 : fmt == MONO12 ? 4 : fmt == MONO14 ? 6 : 8;
      for (size_t i = 0; i < px; i++) {
        const unsigned v = in[2 * i] | (static_cast<unsigned>(in[2 * i + 1]) << 8);
        const unsigned s = v >> shift;
        out[i] = static_cast<uint8_t>(s > 255 ? 255 : s);
      }
      return;
    }
    case MONO12_PACKED:
      // GigE Vision Mono12Packed: 2 pixels in 3 bytes; byte 0 and byte 2 hold the 8 most significant bits.
      for (size_t i = 0; i < px; i += 2) {
        const uint8_t* b = in + (i / 2) * 3;
        out[i] = b[0];
        if (i + 1 < px) out[i + 1] = b[2];
      }
      return;
    case BGR8:
      for (size_t i = 0; i < px; i++) {
        out[3 * i] = in[3 * i + 2];
        out[3 * i + 1] = in[3 * i + 1];
        out[3 * i + 2] = in[3 * i];
      }
      return;
    default: demosaic(fmt, w, h, in, out); return;
  }
}

std::string pixelFormatName(uint32_t fmt) {
  for (const auto& n : kNames)
    if (n.code == fmt) return n.name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", fmt);
  return buf;
}

uint32_t pixelFormatCode(const std::string& name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.code;
  return 0;
}

}  // namespace genicam
