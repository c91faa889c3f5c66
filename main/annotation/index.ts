/** Pure annotation API (types, masks to boxes, COCO, YOLO); file helpers are in io.ts (node only). */
export * from './types.js';
export * from './components.js';
export * from './masks.js';
export * from './coco.js';
export * from './yolo.js';
