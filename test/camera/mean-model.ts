/**
 * The pixel model of the camera tests: score = mean gray level / 255 (the live pipeline, queue and log are what is
 * under test there; PatchCore on camera frames is measured by `npm run bench -- --genicam`), and the station's model
 * registry with it loaded.
 */
import type { InspectionModel } from '../../main/inference/model.js';
import { ModelRegistry } from '../../main/services/model-registry.js';
import type { StationStore } from '../../main/store/interface.js';

export const meanModel: InspectionModel = {
  info: { id: 'mean', kind: 'patchcore', formatVersion: 1, backbone: 'none', createdAt: '', trainImages: 0, defaultThreshold: 0.9, params: {} },
  executionProvider: 'cpu',
  inputChannels: 1,
  async infer(image) {
    let sum = 0;
    for (let i = 0; i < image.data.length; i += image.channels) sum += image.data[i]!;
    return { score: sum / (image.width * image.height) / 255, boxes: [], timings: {} };
  },
  async dispose() {},
};

/** The registry with the pixel model active at threshold 0.9 (recorded in the store: the log's foreign key). */
export function registryWith(store: StationStore, modelsDir: string): ModelRegistry {
  const reg = new (class extends ModelRegistry {
    override activeId(): string {
      return 'mean';
    }
    override async ensureLoaded(): Promise<void> {}
    override current() {
      return { modelId: 'mean', model: meanModel, threshold: 0.9 };
    }
    override executionProvider(): string {
      return 'cpu';
    }
  })(store, modelsDir);
  store.createModel({ id: 'mean', kind: 'patchcore', productId: 'default', artifactPath: '/none', backbone: 'none' });
  return reg;
}
