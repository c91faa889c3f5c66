/**
 * Part registration: finds the part and brings it to a canonical position, orientation and scale before
 * feature extraction. Screws lie at random angles and positions; generic CNN features are not rotation
 * invariant, so without this a rotated good part looks anomalous.
 *
 * Steps: foreground mask (imaging/segment) -> principal axis of the mask (PCA of pixel coordinates) ->
 * head side (the wider end goes left) -> a box aligned with the axis, sized relative to the part's
 * length, resampled to `width` x `height` pixels.
 * Without registration the whole image is resized to the canvas (and the mask still marks the part).
 */
import type { RawImage } from '../common/types.js';
import { foregroundMask, partWithoutShadow } from '../imaging/segment.js';
import { toGray } from '../imaging/gray.js';
import { dilate } from '../imaging/filters.js';
import { type Affine, warpGray, warpMask } from '../imaging/warp.js';

export interface RegistrationConfig {
  /** Rotate/centre/scale the part into a canonical frame. */
  readonly enabled: boolean;
  /** Canvas size fed to the backbone, in pixels (multiples of the backbone's `multipleOf`). */
  readonly width: number;
  readonly height: number;
  /** Canonical box as multiples of the part's length along its axis (registration only). */
  readonly boxLength: number;
  /** Extra margin of the foreground mask, in canvas pixels, so patches at the part's edge count as part. */
  readonly maskDilation: number;
  /**
   * Paint everything outside the (dilated) part mask with the background level. Backbone features have
   * receptive fields of 100+ pixels, so clutter beside the part (other objects, marks, shadows) would
   * otherwise leak into the part's own patch features.
   */
  readonly cleanBackground?: boolean;
  /**
   * Score only the part's own pixels (`partWithoutShadow`: dark pixels split from the shadow, plus lit metal behind the
   * silhouette edge; dilated by maskDilation), not its shadow: the coarse outline's 10-25 px of shadow and background
   * beside the part made most of a good part's highest patches (paper specks, a fibre). The canvas is still painted
   * outside the dilated outline, so the features are unchanged.
   */
  readonly tightMask?: boolean;
}

export interface RegisteredImage {
  /** Canvas-sized gray image (channels 1). */
  readonly image: RawImage;
  /** Canvas-sized 0/1 mask of the part (dilated): the patches scored. */
  readonly mask: Uint8Array;
  /** Canvas pixel -> original image pixel. */
  readonly toOriginal: Affine;
  /** Orientation of the part's head in the original image, radians (0 = head pointing left). */
  readonly angle: number;
  /** Length of the part along its axis, original pixels. */
  readonly length: number;
}

/**
 * An image that may come with its registration already done (a part decoded ahead on the decode thread, which also
 * registers it when the reader names the model's registration: decodeImage's `register`).
 */
export interface PreparedImage extends RawImage {
  readonly registered?: { readonly config: RegistrationConfig; readonly value: RegisteredImage };
}

function sameRegistration(a: RegistrationConfig, b: RegistrationConfig): boolean {
  return a.enabled === b.enabled && a.width === b.width && a.height === b.height && a.boxLength === b.boxLength
    && a.maskDilation === b.maskDilation && (a.cleanBackground ?? false) === (b.cleanBackground ?? false)
    && (a.tightMask ?? false) === (b.tightMask ?? false);
}

/** `img` registered with `cfg`: the registration it came with when that used the same settings, else done here. */
export function registerPrepared(img: PreparedImage, cfg: RegistrationConfig): RegisteredImage {
  const pre = img.registered;
  return pre && sameRegistration(pre.config, cfg) ? pre.value : register(img, cfg);
}

export function register(img: RawImage, cfg: RegistrationConfig): RegisteredImage {
  const gray = toGray(img);
  const fg = foregroundMask(gray);
  const { width: mw, height: mh, mask, scale } = fg;

  // One pass over the mask: the background level (to fill canvas pixels that fall outside the image), and the
  // part's pixels listed for the moments below, which then visit only those (a part covers a few % of the image).
  let bgSum = 0, bgN = 0;
  let n = 0, mx = 0, my = 0;
  const xs = new Int32Array(mw * mh), ys = new Int32Array(mw * mh);
  for (let y = 0; y < mh; y++) {
    const row = y * mw;
    for (let x = 0; x < mw; x++) {
      if (mask[row + x]) {
        xs[n] = x; ys[n] = y; n++;
        mx += x; my += y;
        continue;
      }
      bgSum += gray.data[(y * scale) * gray.width + x * scale]!;
      bgN++;
    }
  }
  const fill = bgN > 0 ? Math.round(bgSum / bgN) : 255;

  let toOriginal: Affine;
  let angle = 0;
  let length = Math.max(fg.bbox.w, fg.bbox.h);
  if (!cfg.enabled) {
    const sx = img.width / cfg.width, sy = img.height / cfg.height;
    toOriginal = { a: sx, b: 0, c: (sx - 1) / 2, d: 0, e: sy, f: (sy - 1) / 2 };
  } else {
    // Principal axis of the mask (coordinates in mask pixels).
    mx /= n; my /= n;
    let cxx = 0, cyy = 0, cxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = xs[i]! - mx, dy = ys[i]! - my;
      cxx += dx * dx; cyy += dy * dy; cxy += dx * dy;
    }
    let theta = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
    let cos = Math.cos(theta), sin = Math.sin(theta);
    // Extent along the axis, and the part's area near each end: the head is the wider end.
    let umin = Infinity, umax = -Infinity;
    const us = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = (xs[i]! - mx) * cos + (ys[i]! - my) * sin;
      us[i] = u;
      if (u < umin) umin = u;
      if (u > umax) umax = u;
    }
    const end = 0.2 * (umax - umin);
    let nearMin = 0, nearMax = 0;
    for (let i = 0; i < n; i++) {
      const u = us[i]!;
      if (u < umin + end) nearMin++;
      else if (u > umax - end) nearMax++;
    }
    let centreU = (umin + umax) / 2;
    if (nearMax > nearMin) {
      theta += Math.PI;
      cos = -cos; sin = -sin;
      centreU = -centreU;
    }
    angle = theta;
    length = (umax - umin) * scale;
    // Centre of the part in original pixel coordinates (mask pixel x covers image pixels [x*scale, (x+1)*scale)).
    const cx = (mx + centreU * cos + 0.5) * scale - 0.5;
    const cy = (my + centreU * sin + 0.5) * scale - 0.5;
    const s = (cfg.boxLength * length) / cfg.width; // original pixels per canvas pixel
    // canvas (ox, oy) -> (u, v) = ((ox + 0.5 - W/2) s, (oy + 0.5 - H/2) s) -> original = c + u*axis + v*normal
    const ou = (0.5 - cfg.width / 2) * s, ov = (0.5 - cfg.height / 2) * s;
    toOriginal = {
      a: s * cos, b: -s * sin, c: cx + ou * cos - ov * sin,
      d: s * sin, e: s * cos, f: cy + ou * sin + ov * cos,
    };
  }

  const image = warpGray(gray.data, gray.width, gray.height, cfg.width, cfg.height, toOriginal, fill);
  // The mask lives on a coarser grid: map canvas -> mask pixels.
  const toMask: Affine = {
    a: toOriginal.a / scale, b: toOriginal.b / scale, c: (toOriginal.c + 0.5) / scale - 0.5,
    d: toOriginal.d / scale, e: toOriginal.e / scale, f: (toOriginal.f + 0.5) / scale - 0.5,
  };
  const outline = warpMask(mask, mw, mh, cfg.width, cfg.height, toMask);
  const kept = dilate(outline, cfg.width, cfg.height, cfg.maskDilation);
  // Before painting: the split needs the shadow's own gray levels.
  const canvasMask = cfg.tightMask
    ? dilate(partWithoutShadow(image, outline, cfg.width, cfg.height, fill), cfg.width, cfg.height, cfg.maskDilation)
    : kept;
  if (cfg.cleanBackground) {
    for (let i = 0; i < image.length; i++) if (!kept[i]) image[i] = fill;
  }
  return {
    image: { width: cfg.width, height: cfg.height, channels: 1, data: image },
    mask: canvasMask,
    toOriginal,
    angle,
    length,
  };
}
