/**
 * The engineer's side of GenICam cameras: discovery, the feature browser (any feature by name) and the source
 * probe. Shares the open cameras with a running GenICam source (camera-pool.ts), so browsing never fights the
 * source for the camera's control channel.
 */
import type { GenicamCamera, GenicamFeature, GenicamFeatureListing, GenicamStatus } from '../common/api.js';
import { StationFault } from '../common/result.js';
import { cameraPool, type CameraPool } from '../camera/genicam/camera-pool.js';
import { cameraFault, resolveFeature } from '../camera/genicam/genicam-source.js';
import { genicamAddon, genicamAvailability, type FeatureValue } from '../camera/genicam/native.js';

export class GenicamService {
  constructor(private readonly pool: CameraPool = cameraPool) {}

  status(): GenicamStatus {
    return genicamAvailability();
  }

  async list(): Promise<GenicamCamera[]> {
    const cams = await genicamAddon().listCameras();
    return cams.map(({ id, vendor, model, serial, address, protocol }) => ({ id, vendor, model, serial, address, protocol }));
  }

  private async use<T>(camera: string, fn: (cam: import('../camera/genicam/native.js').NativeCamera) => Promise<T>): Promise<T> {
    try {
      return await this.pool.with(camera, fn);
    } catch (e) {
      if (e instanceof StationFault) throw e;
      throw cameraFault(e);
    }
  }

  features(req: { camera: string }): Promise<GenicamFeatureListing[]> {
    return this.use(req.camera, (cam) => cam.features());
  }

  getFeature(req: { camera: string; name: string }): Promise<GenicamFeature> {
    return this.use(req.camera, async (cam) => cam.getFeature(await resolveFeature(cam, req.name)));
  }

  setFeature(req: { camera: string; name: string; value: FeatureValue }): Promise<GenicamFeature> {
    return this.use(req.camera, async (cam) => cam.setFeature(await resolveFeature(cam, req.name), req.value));
  }

  async execute(req: { camera: string; name: string }): Promise<void> {
    await this.use(req.camera, (cam) => cam.execute(req.name));
  }

  /** `sources.probe` for a GenICam spec: the addon is there and the camera answers. */
  async probe(camera: string): Promise<{ ok: boolean; message: string }> {
    const a = genicamAvailability();
    if (!a.available) return { ok: false, message: `${a.reason}. Install: ${a.install}` };
    try {
      const info = await this.use(camera, async (cam) => cam.info());
      return { ok: true, message: `${info.vendor} ${info.model} (serial ${info.serial}, ${info.protocol})` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  async dispose(): Promise<void> {
    await this.pool.closeAll();
  }
}
