/**
 * The Aravis addon (main/camera/genicam/native/, built by scripts/build-genicam.mjs at `npm install`), loaded on
 * first use. When it is missing (no Aravis on this machine, no compiler, Windows/macOS) `genicamAvailability()`
 * says why and how to install it; nothing else in the station depends on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { GenicamCamera } from '../../common/api.js';
import { StationFault } from '../../common/result.js';
import { repoRoot } from '../../node/paths.js';

/** What the camera list gives the API (`GenicamCamera`), plus Aravis's physical id. */
export interface CameraListing extends GenicamCamera {
  readonly physicalId: string;
}

export type FeatureValue = string | number | boolean;

export interface FeatureInfo {
  readonly name: string;
  readonly type: 'Integer' | 'Float' | 'Enumeration' | 'Boolean' | 'String' | 'Command' | 'Register' | 'Category' | 'Node';
  /** RO, WO, RW or NA (not available now). */
  readonly access: string;
  readonly available: boolean;
  readonly displayName?: string;
  readonly description?: string;
  readonly unit?: string;
  readonly value?: FeatureValue;
  readonly min?: number;
  readonly max?: number;
  readonly increment?: number;
  /** Enumerations: the entries available now. */
  readonly entries?: readonly string[];
  /** Why the value could not be read now. */
  readonly error?: string;
}

export interface FeatureListing {
  readonly name: string;
  readonly type: FeatureInfo['type'];
  /** Category path from the camera's GenICam tree, e.g. `ImageFormatControl`. */
  readonly category: string;
}

export interface StreamStats {
  readonly completed: number;
  readonly failed: number;
  readonly underruns: number;
  readonly missingPackets: number;
  readonly resentPackets: number;
  readonly buffers: number;
}

export interface PulledFrame {
  /** 'ok', or why the buffer failed ('missing-packets', 'timeout', 'size-mismatch', 'unsupported', ...). */
  readonly status: string;
  readonly frameId: bigint;
  /** Camera timestamp (ns, the camera's clock). */
  readonly timestamp: bigint;
  /** Host clock (ns since the epoch) when Aravis got the frame's first packet. */
  readonly systemTimestamp: bigint;
  readonly error?: string;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixelFormat: string;
  /** The camera's buffer itself (Mono8, RGB8) or the converted pixels; give it back with `release`. */
  readonly data: Uint8Array;
  /** false where the runtime forbids external buffers (Electron): the pixels were copied once. */
  readonly zeroCopy: boolean;
}

export interface NativeCamera {
  info(): { id: string; vendor: string; model: string; serial: string; protocol: string };
  /** Aravis saw the control channel's heartbeat fail (camera unplugged, powered off, network gone). */
  isLost(): boolean;
  features(): Promise<FeatureListing[]>;
  getFeature(name: string): Promise<FeatureInfo>;
  setFeature(name: string, value: FeatureValue): Promise<FeatureInfo>;
  execute(name: string): Promise<void>;
  getExposure(): Promise<{ value: number; min: number; max: number }>;
  setExposure(us: number): Promise<{ value: number; min: number; max: number }>;
  getGain(): Promise<{ value: number; min: number; max: number }>;
  setGain(gain: number): Promise<{ value: number; min: number; max: number }>;
  setFrameRate(fps: number): Promise<void>;
  /** null: free-running; else the FrameStart trigger source ('Software', 'Line0', ...). */
  setTrigger(source: string | null): Promise<void>;
  softwareTrigger(): Promise<void>;
  start(buffers: number): Promise<void>;
  stop(): Promise<void>;
  /** The next frame, or null after `timeoutMs` without one. Waits on a worker thread. */
  pull(timeoutMs: number): Promise<PulledFrame | null>;
  stats(): StreamStats;
  close(): Promise<void>;
}

export interface GenicamAddon {
  listCameras(): Promise<CameraListing[]>;
  openCamera(id: string): Promise<NativeCamera>;
  /** Gives a frame's buffer back to its stream now (it is detached: `data` reads as empty afterwards). */
  release(buffer: ArrayBufferLike): boolean;
  convert(pixelFormat: string, width: number, height: number, data: Uint8Array): { channels: 1 | 3; data: Uint8Array };
  aravisVersion(): string;
}

export type GenicamAvailability =
  | { readonly available: true; readonly aravis: string }
  | { readonly available: false; readonly reason: string; readonly install: string };

export const GENICAM_INSTALL =
  'apt-get install libaravis-dev (Debian/Ubuntu; Fedora: dnf install aravis-devel), then `node scripts/build-genicam.mjs`';

const NATIVE_DIR = join(repoRoot, 'main', 'camera', 'genicam', 'native');
export const ADDON_PATH = join(NATIVE_DIR, 'build', 'Release', 'arv_genicam.node');
/** Written by scripts/build-genicam.mjs: why the addon was not built. */
export const BUILD_STATUS_PATH = join(NATIVE_DIR, 'build-status.json');

let loaded: { addon: GenicamAddon | null; availability: GenicamAvailability } | null = null;

function candidates(): string[] {
  // STATION_GENICAM_ADDON: this addon file only (a build elsewhere; tests of the unavailable path).
  const list = process.env.STATION_GENICAM_ADDON ? [process.env.STATION_GENICAM_ADDON] : [ADDON_PATH];
  // Packaged app: native files live beside the asar archive.
  return list.flatMap((p) => (p.includes('app.asar') && !p.includes('app.asar.unpacked') ? [p.replace('app.asar', 'app.asar.unpacked'), p] : [p]));
}

function load(): { addon: GenicamAddon | null; availability: GenicamAvailability } {
  if (loaded) return loaded;
  const path = candidates().find((p) => existsSync(p));
  if (!path) {
    let reason = 'the GenICam addon is not built';
    try {
      const st = JSON.parse(readFileSync(BUILD_STATUS_PATH, 'utf8')) as { built?: boolean; reason?: string };
      if (!st.built && st.reason) reason = `the GenICam addon was not built: ${st.reason}`;
    } catch {
      // no record: never tried (e.g. installed with --ignore-scripts)
    }
    return (loaded = { addon: null, availability: { available: false, reason, install: GENICAM_INSTALL } });
  }
  try {
    const addon = createRequire(import.meta.url)(path) as GenicamAddon;
    return (loaded = { addon, availability: { available: true, aravis: addon.aravisVersion() } });
  } catch (e) {
    // Typically libaravis-0.8.so missing at run time, or an addon built for another Node ABI.
    const reason = `the GenICam addon does not load: ${(e as Error).message.split('\n')[0]}`;
    return (loaded = { addon: null, availability: { available: false, reason, install: GENICAM_INSTALL } });
  }
}

export function genicamAvailability(): GenicamAvailability {
  return load().availability;
}

/** The addon, or a StationFault saying why it is unavailable and how to install it. */
export function genicamAddon(): GenicamAddon {
  const { addon, availability } = load();
  if (!addon) {
    const a = availability as Extract<GenicamAvailability, { available: false }>;
    throw new StationFault('not-found', `GenICam cameras are unavailable: ${a.reason}. Install: ${a.install}`);
  }
  return addon;
}
