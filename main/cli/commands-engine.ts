/** `station generate | train | evaluate | inspect | backbone`: each engine step on its own. */
import { Command, Option } from 'commander';
import { readdir, stat, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { writeDemoDataset } from '../services/training.js';
import { basename, extname, join, resolve } from 'node:path';
import { StationFault, toStationError } from '../common/result.js';
import type { Verdict } from '../common/types.js';
import { generateDataset } from '../dataset/generate.js';
import { listMvtec } from '../dataset/mvtec.js';
import { decodeImage, isImagePath } from '../node/image-io.js';
import { nativeModelsDir, userDataDir } from '../node/paths.js';
import { DEFAULT_BACKBONE, trainPatchCore, savePatchCore } from '../inference/patchcore/index.js';
import { resolveBackboneId } from '../inference/patchcore/config.js';
import { loadModel } from '../inference/load-model.js';
import { listBackboneIds, readBackboneManifest } from '../inference/backbone/loader.js';
import { importBackbone } from '../inference/backbone/import.js';
import { overlayPng } from '../pipeline/overlay.js';
import { PROTOCOLS, scoreImages, selectTestImages, variantResult, type Protocol } from '../experiment/patchcore-experiment.js';
import { fileSha256, hashFiles, trainedOn } from '../experiment/trained-on.js';
import { supervisedTrainingSet } from '../experiment/supervised-experiment.js';
import { trainSupervised } from '../inference/supervised/train.js';
import { saveSupervisedModel } from '../inference/supervised/artifact.js';
import { configFromFlags, floatOption, intOption, listOption, patchCoreFlags, type ModelFlags } from './options.js';
import { progressPrinter, table, writeJson } from './output.js';
import { experimentTable } from './commands-experiment.js';

/** Image files of a folder, sorted by name. */
async function imagesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new StationFault('not-found', `folder not found: ${dir}`);
  }
  return names.filter(isImagePath).sort().map((n) => join(dir, n));
}

function defaultModelDir(): string {
  return join(userDataDir(), 'models', 'default');
}

/**
 * The model `inspect` uses when none is given: the default model folder, created on first use by training on
 * the built-in demo parts (synthetic, no files needed) with the station's default backbone. For real parts,
 * train on your own good images (`station train --images DIR`).
 */
async function ensureDefaultModel(): Promise<string> {
  const dir = defaultModelDir();
  if (existsSync(join(dir, 'model.json'))) return dir;
  process.stderr.write(`no model given and none at ${dir}: training the built-in demo model (synthetic parts) once...\n`);
  const root = join(userDataDir(), 'demo-dataset');
  const progress = progressPrinter();
  if (!existsSync(join(root, 'train', 'good', '023.png'))) {
    await writeDemoDataset(root, 24, 6, { signal: new AbortController().signal, progress });
  }
  const listing = await listMvtec(root);
  const { model } = await trainPatchCore({
    images: listing.train.map((i) => i.path),
    validation: listing.test.map((t) => ({ source: t.path, name: `${t.defectType}/${t.name}`, label: (t.defectType === 'good' ? 0 : 1) as 0 | 1, defectType: t.defectType })),
    onProgress: progress,
  });
  await savePatchCore(model, dir);
  await model.dispose();
  return dir;
}

function generateCommand(): Command {
  return new Command('generate')
    .description('write dataset variants (original, misalignment, brightness, background and combinations) of an MVTec-layout folder')
    .requiredOption('--data <dir>', 'MVTec-layout source folder')
    .requiredOption('--out <dir>', 'output folder (one MVTec-layout folder per variant + manifest.json)')
    .option('--variants <list>', 'comma-separated variants', listOption, ['original', 'misalignment', 'brightness', 'background'])
    .option('--seed <n>', 'random seed', intOption('seed'), 0)
    .option('--train-limit <n>', 'only the first n training images', intOption('train-limit', 1))
    .option('--json <file>', 'write the manifest summary')
    .action(async (f: { data: string; out: string; variants: string[]; seed: number; trainLimit?: number; json?: string }) => {
      const m = await generateDataset({
        source: f.data, out: f.out, variants: f.variants, seed: f.seed, onProgress: progressPrinter(),
        ...(f.trainLimit ? { limit: { train: f.trainLimit } } : {}),
      });
      console.log(table(['variant', 'train', 'test', 'masks', 'skipped'], Object.entries(m.counts).map(([v, c]) => [v, c.train, c.test, c.masks, c.skipped])));
      for (const s of m.skipped) console.log(`skipped ${s.source}${s.variant ? ` (${s.variant})` : ''}: ${s.reason}`);
      console.log(`manifest: ${join(resolve(f.out), 'manifest.json')}`);
      if (f.json) await writeJson(f.json, { counts: m.counts, skipped: m.skipped, variants: m.variants, seed: m.seed });
    });
}

interface TrainFlags extends ModelFlags {
  images?: string;
  data?: string;
  train?: number;
  out?: string;
  validate?: boolean;
  json?: string;
  kind: 'patchcore' | 'supervised';
  defect?: string;
  trainDefects: number;
}

/** `train --kind supervised`: annotated defects of one type (masks from ground_truth) + good images of an MVTec folder. */
async function trainSupervisedCommand(f: TrainFlags): Promise<void> {
  if (!f.data || f.images) throw new StationFault('invalid-input', 'the supervised model trains on an MVTec-layout folder: give --data DIR (and --defect TYPE)');
  if (!f.defect) throw new StationFault('invalid-input', 'give --defect TYPE: the supervised model learns one defect type');
  const started = performance.now();
  const set = await supervisedTrainingSet({ dir: f.data, defect: f.defect, train: f.train ?? 20, trainDefects: f.trainDefects });
  const model = await trainSupervised(set.samples, {
    label: f.defect,
    ...(f.backbone ? { backbone: resolveBackboneId(f.backbone) } : {}),
    ...(f.layers ? { layers: f.layers } : {}),
    trainedOn: await hashFiles(set.files),
    onProgress: progressPrinter(),
  });
  try {
    await saveSupervisedModel(model, resolve(f.out!));
    const seconds = (performance.now() - started) / 1000;
    console.log(table(['model', 'defect images', 'good images', 'train s', 'provider'], [[model.info.id, set.trainIdx.size, set.samples.length - set.trainIdx.size, seconds, model.executionProvider]]));
    console.log(`saved to ${resolve(f.out!)} (its ${set.files.length} training images are left out by station evaluate)`);
    if (f.json) await writeJson(f.json, { info: model.info, seconds, files: set.files });
  } finally {
    await model.dispose();
  }
}

function trainCommand(): Command {
  const cmd = new Command('train')
    .description('train a PatchCore model on normal images, or (--kind supervised) a defect model on annotated defects')
    .addOption(new Option('--kind <kind>', 'patchcore: normal images only; supervised: annotated defects of --defect + normal images').choices(['patchcore', 'supervised']).default('patchcore'))
    .option('--defect <type>', 'supervised: the defect type of --data to learn (test/<type> with ground_truth masks)')
    .option('--train-defects <n>', 'supervised: annotated defect images to train on (spread over test/<type>)', intOption('train-defects', 1), 10)
    .option('--images <dir>', 'folder of normal images')
    .option('--data <dir>', 'MVTec-layout folder (uses train/good; with --validate also test/)')
    .option('--train <n>', 'use the first n images (by name)', intOption('train', 1))
    .option('--out <dir>', 'model folder to write', defaultModelDir())
    .option('--validate', 'score the test images of --data and store them for threshold tuning')
    .option('--json <file>', 'write the training report');
  patchCoreFlags(cmd);
  return cmd.action(async (f: TrainFlags) => {
    if (f.kind === 'supervised') return trainSupervisedCommand(f);
    if (!f.images === !f.data) throw new StationFault('invalid-input', 'give exactly one of --images DIR or --data DIR');
    let images: string[];
    let validation;
    if (f.images) images = await imagesIn(f.images);
    else {
      const listing = await listMvtec(f.data!);
      images = listing.train.filter((i) => i.defectType === 'good').map((i) => i.path);
      if (f.validate) {
        validation = listing.test.map((t) => ({ source: t.path, name: `${t.defectType}/${t.name}`, label: (t.defectType === 'good' ? 0 : 1) as 0 | 1, defectType: t.defectType }));
      }
    }
    if (f.train) images = images.slice(0, f.train);
    const { model, report } = await trainPatchCore({ images, config: configFromFlags(f), validation, onProgress: progressPrinter() });
    const skippedSources = new Set(report.skipped.map((s) => s.source));
    model.info = { ...model.info, params: { ...model.info.params, trainedOn: await hashFiles(images.filter((p) => !skippedSources.has(p))) } };
    await savePatchCore(model, resolve(f.out!));
    console.log(table(['model', 'images', 'skipped', 'patches', 'bank', 'threshold', 'train s', 'provider'], [[model.info.id, model.info.trainImages, report.skipped.length, report.candidatePatches, report.bankSize, model.info.defaultThreshold, report.seconds, model.executionProvider]]));
    for (const s of report.skipped) console.log(`skipped ${s.source}: ${s.reason}`);
    console.log(`saved to ${resolve(f.out!)}`);
    if (f.json) await writeJson(f.json, { info: model.info, report });
    await model.dispose();
  });
}

function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('score the images of an MVTec-layout folder with any trained model (PatchCore, supervised, detector); images the model was trained on are left out')
    .requiredOption('--data <dir>', 'MVTec-layout folder')
    .option('--model <dir>', 'model folder', defaultModelDir())
    .option('--defect <type>', "defect type, or 'all'", 'all')
    .addOption(new Option('--protocol <p>', 'seed: 5 + 5 images; full: all; even / odd: every other image by name within each folder').choices([...PROTOCOLS]).default('full'))
    .option('--with-train-good', "also score train/good as good images (those the model was not trained on)")
    .option('--json <file>', 'write per-image scores and metrics')
    .action(async (f: { data: string; model: string; defect: string; protocol: Protocol; withTrainGood?: boolean; json?: string }) => {
      const model = await loadModel(f.model);
      try {
        const listing = await listMvtec(f.data);
        const candidates = selectTestImages(listing.test, f.defect, f.protocol, listing.defectTypes);
        if (f.withTrainGood) candidates.unshift(...listing.train.filter((i) => i.defectType === 'good').map((i) => ({ ...i, defectType: 'good' })));
        // Whatever the folder, an image the model learnt from (same file content) is never scored.
        const known = trainedOn(model.info);
        const test = [];
        let left = 0;
        for (const im of candidates) {
          if (known.size && known.has(await fileSha256(im.path))) left++;
          else test.push(im);
        }
        if (!test.some((t) => t.defectType === 'good') || !test.some((t) => t.defectType !== 'good')) {
          throw new StationFault('invalid-input', `${f.data}: after leaving out the ${left} training images, good and defect images are both needed to evaluate`);
        }
        const { scores, pixel } = await scoreImages(model, test, { onProgress: progressPrinter(), variant: basename(f.data) });
        const kind = model.info.kind === 'supervised' ? 'supervised' : 'patchcore';
        const r = variantResult(basename(resolve(f.data)), kind, scores, pixel, 0);
        console.log(experimentTable([r]));
        console.log(`model ${model.info.id} (${model.info.kind}); ${r.nGood} good + ${r.nDefect} defect images scored; ${left} training image(s) left out${known.size ? '' : ' (the model records none: trained before this was kept)'}`);
        const s = r.summary;
        console.log('\nper defect type:');
        console.log(table(['type', 'AUROC', 'P@R=1', 'best F1', 'defects'], Object.entries(s.perType).map(([t, g]) => [t, g.auroc, g.fullRecall?.precision ?? null, g.bestF1?.f1 ?? null, g.defects])));
        if (f.json) await writeJson(f.json, { ...r, model: { id: model.info.id, kind: model.info.kind }, leftOut: left });
      } finally {
        await model.dispose();
      }
    });
}

function inspectCommand(): Command {
  return new Command('inspect')
    .description('inspect an image or a folder: score, OK/NG verdict, heatmap overlay PNG')
    .argument('<path>', 'image file or folder')
    .option('--model <dir>', 'model folder (default: the station default model, trained on the built-in demo parts on first use)')
    .option('--threshold <t>', 'NG when score >= t (default: the model\'s threshold)', floatOption('threshold'))
    .option('--out <dir>', 'where overlay PNGs are written', 'inspect-out')
    .option('--no-overlay', 'do not write overlay PNGs')
    .option('--json <file>', 'write per-image results')
    .action(async (path: string, f: { model?: string; threshold?: number; out: string; overlay: boolean; json?: string }) => {
      const st = await stat(path).catch(() => null);
      if (!st) throw new StationFault('not-found', `no such file or folder: ${path}`);
      const files = st.isDirectory() ? await imagesIn(path) : [path];
      if (files.length === 0) throw new StationFault('not-found', `no images in ${path}`);
      const model = await loadModel(f.model ?? (await ensureDefaultModel()));
      const threshold = f.threshold ?? model.info.defaultThreshold;
      if (f.overlay) await mkdir(f.out, { recursive: true });
      const rows: (string | number | null)[][] = [];
      const results: unknown[] = [];
      try {
        for (const file of files) {
          try {
            // A dangling symlink (e.g. a camera's 'latest' link mid-rotation) is skipped like a corrupt file.
            if (!(await stat(file).catch(() => null))) throw new StationFault('not-found', `broken symbolic link or vanished file: ${file}`);
            const img = await decodeImage(file, { channels: model.inputChannels ?? 3 });
            const t0 = performance.now();
            const out = await model.infer(img, { threshold });
            const ms = performance.now() - t0;
            const verdict: Verdict = out.score >= threshold ? 'NG' : 'OK';
            let overlay: string | null = null;
            if (f.overlay) {
              overlay = join(f.out, `${basename(file, extname(file))}.overlay.png`);
              await writeFile(overlay, await overlayPng(img, out.map, out.boxes, { threshold, verdict, score: out.score }));
            }
            rows.push([basename(file), out.score, verdict, out.boxes.length, ms, overlay]);
            results.push({ file, score: out.score, threshold, verdict, boxes: out.boxes, ms, overlay });
          } catch (e) {
            const err = toStationError(e);
            if (err.kind !== 'corrupt-image' && err.kind !== 'invalid-input' && err.kind !== 'not-found') throw e;
            rows.push([basename(file), null, 'skipped', null, null, err.message]);
            results.push({ file, skipped: err.message });
          }
        }
      } finally {
        await model.dispose();
      }
      console.log(table(['image', 'score', 'verdict', 'boxes', 'ms', 'overlay / reason'], rows));
      console.log(`model ${model.info.id} (${model.info.backbone}, ${model.executionProvider}), threshold ${threshold.toFixed(3)}`);
      if (f.json) await writeJson(f.json, { model: model.info.id, threshold, executionProvider: model.executionProvider, results });
    });
}

function backboneCommand(): Command {
  const cmd = new Command('backbone').description('list or import feature-extractor backbones');
  cmd.command('list')
    .description("backbones available under native-models/; the station default is marked (select it with --backbone default)")
    .action(async () => {
      const rows: (string | number | null)[][] = [];
      for (const id of await listBackboneIds()) {
        const { manifest } = await readBackboneManifest(id);
        rows.push([id, id === DEFAULT_BACKBONE ? 'yes' : '', manifest.input.colour, manifest.features.map((f) => `${f.name}(${f.channels}@${f.stride})`).join(' '), manifest.license]);
      }
      console.log(rows.length ? table(['id', 'default', 'colour', 'features (channels@stride)', 'license'], rows) : 'no backbones found: run npm install (it converts the default ones)');
    });
  cmd.command('import')
    .description("import an ONNX classifier, exposing internal tensors as feature outputs (e.g. a torchvision WideResNet50's layer2/layer3)")
    .argument('<file>', 'ONNX file')
    .requiredOption('--outputs <names>', 'tensor names to expose, finest first', listOption)
    .requiredOption('--id <id>', 'backbone id (lower-case letters, digits, _ . -)')
    .option('--out <dir>', 'destination folder (default native-models/<id>)')
    .option('--colour <c>', 'rgb or bgr', 'rgb')
    .option('--mean <m>', 'per-channel mean after scaling', listOption)
    .option('--std <s>', 'per-channel std after scaling', listOption)
    .option('--scale <s>', 'pixel scale (default 1/255)', floatOption('scale'))
    .action(async (file: string, f: { outputs: string[]; id: string; out?: string; colour: 'rgb' | 'bgr'; mean?: string[]; std?: string[]; scale?: number }) => {
      const triple = (v: string[] | undefined, name: string): [number, number, number] | undefined => {
        if (!v) return undefined;
        const n = v.map(Number);
        if (n.length !== 3 || n.some((x) => !Number.isFinite(x))) throw new StationFault('invalid-input', `--${name} needs three numbers`);
        return n as [number, number, number];
      };
      const manifest = await importBackbone({
        file, outputs: f.outputs, id: f.id, outDir: f.out ?? nativeModelsDir(f.id),
        input: { colour: f.colour, ...(f.scale ? { scale: f.scale } : {}), ...(triple(f.mean, 'mean') ? { mean: triple(f.mean, 'mean') } : {}), ...(triple(f.std, 'std') ? { std: triple(f.std, 'std') } : {}) },
      });
      console.log(table(['output', 'channels', 'stride'], manifest.features.map((x) => [x.name, x.channels, x.stride])));
      console.log(`backbone '${manifest.id}' written to ${f.out ?? nativeModelsDir(f.id)}`);
    });
  return cmd;
}

export function engineCommands(): Command[] {
  return [generateCommand(), trainCommand(), evaluateCommand(), inspectCommand(), backboneCommand()];
}
