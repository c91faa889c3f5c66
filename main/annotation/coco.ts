/**
 * COCO detection JSON (what mmdetection trains RTMDet from) to and from station annotations. Pure.
 * Category ids are 1-based in the order given; image ids are 1-based in annotation order.
 */
import { z } from 'zod';
import { parseJsonText } from '../common/json.js';
import { StationFault } from '../common/result.js';
import type { AnnotationBox, ImageAnnotation } from './types.js';

const finite = z.number().finite();

export const CocoSchema = z.object({
  info: z.record(z.string(), z.unknown()).optional(),
  licenses: z.array(z.unknown()).optional(),
  images: z.array(
    z.looseObject({
      id: z.number().int(),
      file_name: z.string().min(1),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  ),
  annotations: z.array(
    z.looseObject({
      id: z.number().int(),
      image_id: z.number().int(),
      category_id: z.number().int(),
      bbox: z.tuple([finite, finite, finite.nonnegative(), finite.nonnegative()]),
      area: finite.nonnegative(),
      iscrowd: z.union([z.literal(0), z.literal(1)]),
      segmentation: z.unknown().optional(),
    }),
  ),
  categories: z
    .array(z.looseObject({ id: z.number().int(), name: z.string().min(1), supercategory: z.string().optional() }))
    .min(1),
});

export type CocoJson = z.infer<typeof CocoSchema>;

/**
 * @param categories class names; every box label must be among them (ids = index + 1)
 */
export function toCoco(annotations: readonly ImageAnnotation[], categories: readonly string[]): CocoJson {
  if (categories.length === 0) throw new StationFault('invalid-input', 'COCO export needs at least one category');
  if (new Set(categories).size !== categories.length) throw new StationFault('invalid-input', 'duplicate category names');
  const catId = new Map(categories.map((c, i) => [c, i + 1]));
  const images: CocoJson['images'] = [];
  const anns: CocoJson['annotations'] = [];
  annotations.forEach((a, i) => {
    images.push({ id: i + 1, file_name: a.image, width: a.width, height: a.height });
    for (const b of a.boxes) {
      const id = catId.get(b.label);
      if (id === undefined) throw new StationFault('invalid-input', `${a.image}: label "${b.label}" is not a category`);
      if (!(b.w > 0 && b.h > 0)) throw new StationFault('invalid-input', `${a.image}: empty box`);
      anns.push({
        id: anns.length + 1,
        image_id: i + 1,
        category_id: id,
        bbox: [b.x, b.y, b.w, b.h],
        area: b.w * b.h,
        iscrowd: 0,
        // a box polygon keeps tools that require segmentation (mask heads, some validators) satisfied
        segmentation: [[b.x, b.y, b.x + b.w, b.y, b.x + b.w, b.y + b.h, b.x, b.y + b.h]],
      });
    }
  });
  return {
    info: { description: 'inspection-station annotations', version: '1.0', date_created: new Date().toISOString() },
    licenses: [],
    images,
    annotations: anns,
    categories: categories.map((name, i) => ({ id: i + 1, name, supercategory: 'defect' })),
  };
}

/** Parses and checks COCO JSON (object or text); boxes come back in image pixels with their class names. */
export function fromCoco(json: unknown): { annotations: ImageAnnotation[]; categories: string[] } {
  const value = typeof json === 'string' ? parseJsonText(json, 'the COCO file') : json;
  const parsed = CocoSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new StationFault('invalid-input', `not a COCO detection file: ${first?.path.join('.')}: ${first?.message}`);
  }
  const coco = parsed.data;
  const cats = new Map<number, string>();
  for (const c of coco.categories) {
    if (cats.has(c.id)) throw new StationFault('invalid-input', `COCO category id ${c.id} appears twice`);
    cats.set(c.id, c.name);
  }
  const byImage = new Map<number, AnnotationBox[]>();
  const imageIds = new Set<number>();
  for (const im of coco.images) {
    if (imageIds.has(im.id)) throw new StationFault('invalid-input', `COCO image id ${im.id} appears twice`);
    imageIds.add(im.id);
    byImage.set(im.id, []);
  }
  for (const a of coco.annotations) {
    const list = byImage.get(a.image_id);
    if (!list) throw new StationFault('invalid-input', `COCO annotation ${a.id} refers to missing image ${a.image_id}`);
    const label = cats.get(a.category_id);
    if (label === undefined) throw new StationFault('invalid-input', `COCO annotation ${a.id} refers to missing category ${a.category_id}`);
    const [x, y, w, h] = a.bbox;
    list.push({ x, y, w, h, label });
  }
  const sortedCats = [...coco.categories].sort((a, b) => a.id - b.id).map((c) => c.name);
  return {
    annotations: coco.images.map((im) => ({ image: im.file_name, width: im.width, height: im.height, boxes: byImage.get(im.id)! })),
    categories: sortedCats,
  };
}
