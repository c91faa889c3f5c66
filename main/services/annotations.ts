/**
 * The `annotations` service: defect boxes per image, kept in the store's annotations table keyed by the image's
 * absolute path; MVTec ground-truth masks imported as boxes; COCO JSON / YOLO txt export and re-import, with image
 * names relative to the annotated folder. An annotation with no boxes marks an image as good.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import type {
  AnnotatedImageInfo,
  AnnotationBoxDto,
  AnnotationFolder,
  AnnotationFormat,
  AnnotationState,
  AnnotationTransferResult,
  ImageAnnotationDto,
} from '../common/api.js';
import { StationFault } from '../common/result.js';
import { annotationsFromMvtec, readCocoFile, writeCocoFile, writeYoloDir, yoloLabelPath } from '../annotation/io.js';
import { clipBox, labelsOf, type ImageAnnotation } from '../annotation/types.js';
import { fromYolo } from '../annotation/yolo.js';
import { listImages } from '../camera/folder-source.js';
import type { AnnotationRecord, StationStore } from '../store/interface.js';

/** Most images one folder listing returns. */
export const LIST_LIMIT = 5000;

/** An annotated image with its size, for export and training. */
export interface AnnotatedImage {
  readonly path: string;
  /** Relative to the folder, '/'-separated. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly AnnotationBoxDto[];
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const stateOf = (r: AnnotationRecord | null | undefined): AnnotationState => (!r ? 'none' : r.boxes.length > 0 ? 'defect' : 'good');
const rel = (root: string, p: string) => relative(root, p).split(sep).join('/');

/** Original size of an image (EXIF orientation applied, as decodeImage does), from its header only. */
export async function imageSize(path: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(path, { failOn: 'error' }).metadata();
    if (!m.width || !m.height) throw new Error('no size in header');
    return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch (e) {
    if (!existsSync(path)) throw new StationFault('not-found', `image not found: ${path}`);
    throw new StationFault('corrupt-image', `cannot read image ${path}: ${(e as Error).message}`);
  }
}

function requireFolder(folder: string): string {
  const root = resolve(folder);
  if (!isDir(root)) throw new StationFault('not-found', `folder not found: ${root}`);
  return root;
}

export class AnnotationService {
  constructor(
    private readonly store: StationStore,
    /** Exports without a path go under `<mediaRoot>/exports` (downloadable as media). */
    private readonly mediaRoot: string,
  ) {}

  /** Images of `folder` (ground_truth/ and mask files excluded), sorted by relative path. */
  async images(folder: string, recursive = true): Promise<string[]> {
    const root = requireFolder(folder);
    return (await listImages(root, recursive)).filter((p) => {
      const parts = relative(root, p).split(sep);
      return !parts.includes('ground_truth') && !/_mask\.[^.]+$/i.test(parts[parts.length - 1]!);
    });
  }

  /** Annotation records of images inside `folder`, by path. */
  private recordsUnder(root: string): Map<string, AnnotationRecord> {
    const prefix = root.endsWith(sep) ? root : root + sep;
    return new Map(this.store.listAnnotations().filter((a) => a.imagePath.startsWith(prefix)).map((a) => [a.imagePath, a]));
  }

  async list(folder: string, recursive = true): Promise<AnnotationFolder> {
    const root = requireFolder(folder);
    const all = await this.images(root, recursive);
    const records = this.recordsUnder(root);
    const counts = { none: 0, defect: 0, good: 0 };
    const images: AnnotatedImageInfo[] = all.map((p) => {
      const r = records.get(p);
      const state = stateOf(r);
      counts[state]++;
      return { path: p, name: rel(root, p), state, boxes: r?.boxes.length ?? 0 };
    });
    const labels = [...new Set([...records.values()].flatMap((r) => r.boxes.map((b) => b.label)))].sort();
    return {
      folder: root,
      images: images.slice(0, LIST_LIMIT),
      truncated: images.length > LIST_LIMIT,
      labels,
      counts,
      hasMasks: this.mvtecTarget(root) !== null,
    };
  }

  async get(path: string): Promise<ImageAnnotationDto> {
    const p = resolve(path);
    const { width, height } = await imageSize(p);
    const r = this.store.getAnnotation(p);
    return { path: p, width, height, state: stateOf(r), boxes: r?.boxes ?? [], updatedAt: r?.updatedAt ?? null };
  }

  /** Replaces an image's boxes (clipped to the image; boxes left empty by clipping are dropped). */
  async save(path: string, boxes: readonly AnnotationBoxDto[]): Promise<ImageAnnotationDto> {
    const p = resolve(path);
    const { width, height } = await imageSize(p);
    const clipped = boxes.map((b) => clipBox(b, width, height)).filter((b): b is AnnotationBoxDto => !!b);
    const r = this.store.saveAnnotation({ imagePath: p, boxes: clipped });
    return { path: p, width, height, state: stateOf(r), boxes: r.boxes, updatedAt: r.updatedAt };
  }

  clear(path: string): { removed: boolean } {
    return { removed: this.store.deleteAnnotation(resolve(path)) };
  }

  /** Annotated images (defect or good) under `folder`, with their sizes. */
  async annotated(folder: string): Promise<AnnotatedImage[]> {
    const root = requireFolder(folder);
    const out: AnnotatedImage[] = [];
    for (const r of [...this.recordsUnder(root).values()].sort((a, b) => (a.imagePath < b.imagePath ? -1 : 1))) {
      if (!existsSync(r.imagePath)) continue; // the image was moved or deleted since it was annotated
      out.push({ path: r.imagePath, name: rel(root, r.imagePath), ...(await imageSize(r.imagePath)), boxes: r.boxes });
    }
    return out;
  }

  /** Where MVTec masks are for `folder`: the category root and which defect types (null when there are none). */
  private mvtecTarget(root: string): { root: string; types: string[]; good: boolean } | null {
    const typesIn = (r: string) =>
      isDir(join(r, 'ground_truth'))
        ? readdirSync(join(r, 'ground_truth'))
            .sort()
            .filter((t) => !t.startsWith('.') && isDir(join(r, 'ground_truth', t)) && isDir(join(r, 'test', t)))
        : [];
    const own = typesIn(root);
    if (own.length) return { root, types: own, good: isDir(join(root, 'test', 'good')) };
    // a test/<type> folder of an MVTec category
    const type = basename(root);
    const cat = dirname(dirname(root));
    if (basename(dirname(root)) === 'test') {
      if (type === 'good' && isDir(join(cat, 'ground_truth'))) return { root: cat, types: [], good: true };
      if (isDir(join(cat, 'ground_truth', type))) return { root: cat, types: [type], good: false };
    }
    return null;
  }

  async importMasks(req: { folder: string; replace: boolean; minArea: number }): Promise<AnnotationTransferResult> {
    const root = requireFolder(req.folder);
    const target = this.mvtecTarget(root);
    if (!target) {
      throw new StationFault('not-found', `no MVTec ground_truth/<type>/ masks for ${root} (expected an MVTec category folder or one of its test/<type> folders)`);
    }
    const anns: ImageAnnotation[] = [];
    for (const t of target.types) anns.push(...(await annotationsFromMvtec(target.root, t, { minArea: req.minArea })));
    if (target.good) {
      for (const p of await listImages(join(target.root, 'test', 'good'), false)) anns.push({ image: rel(target.root, p), width: 0, height: 0, boxes: [] });
    }
    return this.apply(target.root, anns, req.replace, join(target.root, 'ground_truth'));
  }

  /** Saves `anns` (names relative to root) unless already annotated and !replace. */
  private apply(root: string, anns: readonly ImageAnnotation[], replace: boolean, path: string, missing: string[] = []): AnnotationTransferResult {
    let images = 0;
    let boxes = 0;
    let skipped = 0;
    for (const a of anns) {
      const p = isAbsolute(a.image) ? a.image : resolve(root, a.image);
      if (!replace && this.store.getAnnotation(p)) {
        skipped++;
        continue;
      }
      this.store.saveAnnotation({ imagePath: p, boxes: a.boxes });
      images++;
      boxes += a.boxes.length;
    }
    return { images, boxes, skipped, labels: labelsOf(anns), path, ...(missing.length ? { missing: missing.slice(0, 20) } : {}) };
  }

  async exportTo(req: { folder: string; format: AnnotationFormat; path?: string }): Promise<AnnotationTransferResult> {
    const root = requireFolder(req.folder);
    const items = await this.annotated(root);
    if (items.length === 0) throw new StationFault('invalid-input', `no annotated images in ${root}: draw boxes or import masks first`);
    const anns: ImageAnnotation[] = items.map((i) => ({ image: i.name, width: i.width, height: i.height, boxes: i.boxes }));
    const found = labelsOf(anns);
    const labels = found.length ? found : ['defect'];
    let path: string;
    let media: string | undefined;
    if (req.format === 'coco') {
      if (req.path) path = isDir(resolve(req.path)) ? join(resolve(req.path), 'annotations.coco.json') : resolve(req.path);
      else {
        await mkdir(join(this.mediaRoot, 'exports'), { recursive: true });
        const name = `annotations-${stamp()}.coco.json`;
        path = join(this.mediaRoot, 'exports', name);
        media = `exports/${name}`;
      }
      writeCocoFile(path, anns, labels);
    } else {
      path = req.path ? resolve(req.path) : join(this.mediaRoot, 'exports', `yolo-${stamp()}`);
      if (existsSync(path) && !isDir(path)) throw new StationFault('invalid-input', `YOLO export needs a folder, ${path} is a file`);
      writeYoloDir(path, anns, labels);
    }
    const boxes = anns.reduce((n, a) => n + a.boxes.length, 0);
    return { images: anns.length, boxes, skipped: 0, labels: found, path, ...(media ? { media } : {}) };
  }

  async importFrom(req: { folder: string; format: AnnotationFormat; path: string; replace: boolean }): Promise<AnnotationTransferResult> {
    const root = requireFolder(req.folder);
    const src = resolve(req.path);
    const missing: string[] = [];
    const anns: ImageAnnotation[] = [];
    if (req.format === 'coco') {
      const coco = readCocoFile(isDir(src) ? join(src, 'annotations.coco.json') : src);
      // check every image before writing anything: a wrong file must not leave half an import behind
      for (const a of coco.annotations) {
        const p = isAbsolute(a.image) ? a.image : resolve(root, a.image);
        if (!existsSync(p)) {
          missing.push(a.image);
          continue;
        }
        const size = await imageSize(p);
        if (size.width !== a.width || size.height !== a.height) {
          throw new StationFault('invalid-input', `${a.image} is ${size.width}x${size.height}, the COCO file says ${a.width}x${a.height}: wrong folder?`);
        }
        anns.push({ ...a, image: p, boxes: a.boxes.map((b) => clipBox(b, size.width, size.height)).filter((b): b is AnnotationBoxDto => !!b) });
      }
      if (anns.length === 0 && coco.annotations.length > 0) {
        throw new StationFault('not-found', `none of the ${coco.annotations.length} images of ${src} are in ${root} (first: ${coco.annotations[0]!.image})`);
      }
    } else {
      const classesFile = join(src, 'classes.txt');
      if (!existsSync(classesFile)) throw new StationFault('not-found', `YOLO classes file not found: ${classesFile}`);
      const classes = readFileSync(classesFile, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      for (const p of await this.images(root)) {
        const name = rel(root, p);
        const file = [yoloLabelPath(src, name), yoloLabelPath(src, basename(name))].find((f) => existsSync(f));
        if (!file) continue;
        const size = await imageSize(p);
        const a = fromYolo(readFileSync(file, 'utf8'), { image: p, ...size }, classes);
        anns.push({ ...a, boxes: a.boxes.map((b) => clipBox(b, size.width, size.height)).filter((b): b is AnnotationBoxDto => !!b) });
      }
      if (anns.length === 0) throw new StationFault('not-found', `no YOLO label file in ${join(src, 'labels')} matches an image of ${root}`);
    }
    return this.apply(root, anns, req.replace, src, missing);
  }
}
