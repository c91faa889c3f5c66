/** Parsing of shared CLI options into engine configuration. */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_BACKBONE, resolveBackboneId } from '../inference/patchcore/config.js';
import type { DeepPartial, PatchCoreConfig } from '../inference/patchcore/config.js';

export function intOption(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function floatOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

export function listOption(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Comma-separated integers (may be negative); 'none' or '' = an empty list. */
export function intListOption(name: string) {
  return (v: string): number[] => {
    if (v.trim() === '' || v.trim() === 'none') return [];
    return listOption(v).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be comma-separated integers, got '${s}'`);
      return n;
    });
  };
}

export interface ModelFlags {
  backbone?: string;
  layers?: string[];
  registration?: boolean;
  foreground?: boolean;
  cleanBackground?: boolean;
  tightMask?: boolean;
  size?: number;
  coresetRatio?: number;
  coresetMax?: number;
  projection?: number;
  positionWeight?: number;
  positionWindow?: number;
  mirrorBank?: boolean;
  gridStride?: number;
  phaseShifts?: number[];
  scoreTop?: number;
  maskDilation?: number;
}

/** Adds the PatchCore flags shared by train and experiment. */
export function patchCoreFlags(cmd: Command): Command {
  return cmd
    .option('--backbone <id>', "backbone id under native-models/, a folder with manifest.json, or 'default'")
    .option('--layers <names>', 'feature outputs to concatenate, finest first (comma separated)', listOption)
    .option('--no-registration', 'do not rotate/centre the part; resize the whole image instead')
    .option('--no-foreground', 'use every patch, not only those on the part')
    .option('--mask-dilation <px>', 'canvas pixels added around the part outline before background patches are dropped and painted over', intOption('mask-dilation'))
    .option('--no-clean-background', 'keep the background around the part instead of painting it uniform')
    .option('--no-tight-mask', "also score the shadow the part's outline takes in, not only the part's own pixels")
    .option('--size <px>', 'canvas width fed to the backbone', intOption('size', 32))
    .option('--coreset-ratio <r>', 'fraction of patches kept in the memory bank', floatOption('coreset-ratio'))
    .option('--coreset-max <n>', 'absolute cap on the memory bank size', intOption('coreset-max', 1))
    .option('--projection <d>', 'random projection of patch features to d dimensions (0 = none)', intOption('projection'))
    .option('--position-weight <w>', 'position-conditioned matching: feature units per patch column along the part (0 = off)', floatOption('position-weight'))
    .option('--position-window <n>', 'match each patch only with bank patches at most n grid columns away along the part (0 = off; default 2)', intOption('position-window'))
    .option('--mirror-bank', 'also put every training part mirrored across its axis into the bank')
    .option('--grid-stride <px>', 'patch grid stride in canvas pixels when coarser than the first layer (0 = that layer\'s grid)', intOption('grid-stride'))
    .option('--score-top <fraction>', "image score: mean of this fraction of the part's highest patch scores (0 = the paper's re-weighted maximum)", floatOption('score-top'))
    .option('--phase-shifts <px>', 'training also adds each part moved by these canvas pixels along its axis to the bank candidates (comma separated, e.g. -4,4; none = off)', intListOption('phase-shifts'));
}

export function configFromFlags(f: ModelFlags): DeepPartial<PatchCoreConfig> {
  const c: DeepPartial<PatchCoreConfig> = {};
  if (f.backbone) c.backbone = resolveBackboneId(f.backbone);
  if (f.layers) c.layers = f.layers;
  const reg: DeepPartial<PatchCoreConfig['registration']> = {};
  if (f.registration === false) {
    reg.enabled = false;
    // Whole image: keep it square.
    reg.width = f.size ?? 512;
    reg.height = f.size ?? 512;
  } else if (f.size) {
    reg.width = f.size;
    reg.height = Math.max(32, Math.round((f.size * 224) / 512 / 32) * 32);
  }
  if (f.maskDilation !== undefined) reg.maskDilation = f.maskDilation;
  if (Object.keys(reg).length) c.registration = reg;
  if (f.foreground === false) c.foregroundOnly = false;
  if (f.cleanBackground === false || f.foreground === false) c.registration = { ...(c.registration ?? {}), cleanBackground: false };
  if (f.tightMask === false) c.registration = { ...(c.registration ?? {}), tightMask: false };
  if (f.projection !== undefined) c.projectionDim = f.projection;
  if (f.positionWeight !== undefined) c.positionWeight = f.positionWeight;
  if (f.positionWindow !== undefined) c.positionWindow = f.positionWindow;
  if (f.mirrorBank !== undefined) c.mirrorBank = f.mirrorBank;
  if (f.gridStride !== undefined) c.gridStride = f.gridStride;
  if (f.phaseShifts !== undefined) c.phaseShifts = f.phaseShifts;
  if (f.scoreTop !== undefined) c.scoreTopFraction = f.scoreTop;
  if (f.coresetRatio !== undefined || f.coresetMax !== undefined) {
    c.coreset = { ...(f.coresetRatio !== undefined ? { ratio: f.coresetRatio } : {}), ...(f.coresetMax !== undefined ? { max: f.coresetMax } : {}) };
  }
  return c;
}

/** Backbone for experiments and benchmarks when none is given: the station's default, which every install has. */
export async function benchmarkBackbone(): Promise<string> {
  return DEFAULT_BACKBONE;
}
