/** SourceSpec (from the API) -> FrameSource. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceSpecSchema, type SourceSpec } from '../common/api.js';
import { DemoSource } from './demo-source.js';
import { FolderSource } from './folder-source.js';
import { HotFolderSource } from './hot-folder-source.js';
import type { FrameSource, RetryOptions } from './source.js';
import { createVideoSource } from './video-source.js';
import { PushedFrameSource } from './webcam-source.js';
import { TriggerSource } from './trigger-source.js';
import { GenicamSource } from './genicam/genicam-source.js';

/** `spoolDir`: where a trigger source writes in-memory parts before they are queued (default: the OS temp folder). */
export async function createSource(input: SourceSpec, retry: RetryOptions = {}, spoolDir = join(tmpdir(), 'station-spool')): Promise<FrameSource> {
  const spec = SourceSpecSchema.parse(input);
  switch (spec.kind) {
    case 'demo':
      return new DemoSource({ fps: spec.fps, defectRate: spec.defectRate, seed: spec.seed });
    case 'folder':
      return new FolderSource({ path: spec.path, fps: spec.fps, loop: spec.loop, recursive: spec.recursive, ...retry });
    case 'hotfolder':
      return new HotFolderSource({ path: spec.path, settleMs: spec.settleMs, includeExisting: spec.includeExisting, ...retry });
    case 'video':
      return createVideoSource({ path: spec.path, fps: spec.fps, loop: spec.loop, ...retry });
    case 'webcam':
      return new PushedFrameSource(spec.label);
    case 'genicam':
      return new GenicamSource({ ...spec, spoolDir, ...retry });
    case 'trigger':
      return new TriggerSource({ from: spec.from, path: spec.path, recursive: spec.recursive, defectRate: spec.defectRate, seed: spec.seed, spoolDir });
  }
}
