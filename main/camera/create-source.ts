/** SourceSpec (from the API) -> FrameSource. */
import { SourceSpecSchema, type SourceSpec } from '../common/api.js';
import { DemoSource } from './demo-source.js';
import { FolderSource } from './folder-source.js';
import { HotFolderSource } from './hot-folder-source.js';
import type { FrameSource, RetryOptions } from './source.js';
import { createVideoSource } from './video-source.js';
import { PushedFrameSource } from './webcam-source.js';

export async function createSource(input: SourceSpec, retry: RetryOptions = {}): Promise<FrameSource> {
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
  }
}
