/**
 * The station engine: implements the whole StationApi contract. Runs inside the engine worker (never on the
 * Electron main thread or the host's event loop), owning the store, the models and the live pipeline.
 */
import { join, resolve } from 'node:path';
import type { EvaluateResult, GenerateResult, Notice, StationApiImpl, TrainResult } from '../common/api.js';
import { Emitter } from '../common/event.js';
import { StationFault } from '../common/result.js';
import { MediaStore } from '../pipeline/media-store.js';
import { WritableFolders } from '../node/write-policy.js';
import { ensureDataDir } from '../node/paths.js';
import { openStore } from '../store/store.js';
import { createSource } from '../camera/create-source.js';
import { listImages } from '../camera/folder-source.js';
import { findFfmpeg } from '../camera/ffmpeg.js';
import { JobManager } from './jobs.js';
import { ModelRegistry, importDetectorModel } from './model-registry.js';
import { AnnotationService } from './annotations.js';
import { GenicamService } from './genicam.js';
import { LiveService } from './live.js';
import { IntegrationService } from '../integration/service.js';
import { LogService } from './log.js';
import { FloorService } from './floor.js';
import { RetentionService } from './retention.js';
import { startRetentionWorker } from './retention-runner.js';
import { AuditTrail, currentActor } from './audit.js';
import { AuthService, Session } from './auth.js';
import { ProductService } from './products.js';
import { guardApi } from './access.js';
import { permissionsOf, type AuthState } from '../common/accounts.js';
import { systemInfo, listFolder } from './system.js';
import { inspectDataset, previewImage } from './datasets.js';
import { labelledImagesOf } from './training.js';
import { runInJobWorker } from './job-runner.js';
import { LearningService } from './learning.js';
import { tuneGc } from '../node/gc-tuning.js';
import type { LearnResult } from '../common/learning.js';

export interface EngineOptions {
  readonly dataDir: string;
  readonly shell: 'electron' | 'browser';
  readonly electronVersion?: string;
  /** Train a demo model on first start when there is none. Default true. */
  readonly bootstrap?: boolean;
  /** Resume the last line source (every-part delivery) on start. Default true. */
  readonly resumeLine?: boolean;
  /** Native folder dialog, provided by the Electron main process (relayed); absent in the browser. */
  readonly pickFolder?: (opts: { title?: string; defaultPath?: string }) => Promise<string | null>;
}

export interface Engine {
  /** Unguarded (tests, benchmarks, the CLI in-process); calls run as 'system' unless wrapped in runAs. */
  readonly api: StationApiImpl;
  /** One client connection (a tab, a window): its own login, every call checked against its role and audited as it. */
  connect(): { readonly api: StationApiImpl; dispose(): void };
  readonly audit: AuditTrail;
  readonly jobs: JobManager;
  /** The live side; `live.line` is the LineStation the protocol adapters are started on. */
  readonly live: LiveService;
  /** The OPC UA / Modbus / MQTT adapters on `live.line`. */
  readonly integration: IntegrationService;
  dispose(): Promise<void>;
}

const TRAIN_KINDS = ['train', 'bootstrap'] as const;
/** The source last started from the API (operators may start it again). */
const LAST_SOURCE_KEY = 'live.lastStartedSource';

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  tuneGc();
  const dataDir = resolve(opts.dataDir);
  await ensureDataDir(dataDir, ['media', 'models']);
  const store = openStore(join(dataDir, 'station.db'));
  const media = new MediaStore(join(dataDir, 'media'));
  const notices = new Emitter<Notice>();
  const notice = (level: Notice['level'], message: string, key?: string) => notices.fire({ level, message, at: new Date().toISOString(), ...(key ? { key } : {}) });
  const reg = new ModelRegistry(store, join(dataDir, 'models'));
  const jobs = new JobManager();
  const live = new LiveService(reg, store, media, notice);
  const log = new LogService(store, media.root, notice);
  const annotations = new AnnotationService(store, media.root);
  const integration = new IntegrationService({ station: live.line, store, dataDir, notice });
  // The floor: NG latch, NG-rate alarm (also on the line outputs), shift/lot counters, report; retention off the inspection path.
  const audit = new AuditTrail(store, () => reg.productId());
  // Products (recipes): a PLC's product index selects one; the line's lot is the current product's lot.
  const products = new ProductService(store, reg, audit, live.line);
  const learning = new LearningService({
    reg, store, media, jobs, audit,
    actor: () => currentActor(),
    runLearnJob: (task, ctx) => runInJobWorker<LearnResult>({ kind: 'learn', dataDir, task }, ctx),
    busy: () => live.line.signals().queueDepth > 0,
  });
  live.onRecorded((r) => learning.recorded(r));
  live.productHooks = { selectByIndex: (o, i) => products.selectByIndex(o, i), lotChanged: (o, l) => products.lotChanged(o, l) };
  const auth = new AuthService(store, audit);
  const floor = new FloorService({
    store,
    media,
    lotName: () => live.line.signals().lotName,
    signals: (s) => live.line.setFloorSignals(s),
    notice,
    audit: (e) => audit.record(e),
    actor: () => currentActor().name,
  });
  const retention = new RetentionService(
    { store, media, floor, setMediaBlocked: (reason) => live.setMediaBlocked(reason), notice },
    {
      intervalMs: Number(process.env.STATION_RETENTION_INTERVAL_MS) || undefined,
      kickDelayMs: Number(process.env.STATION_RETENTION_KICK_MS) || undefined,
      core: startRetentionWorker({ dbPath: store.path, mediaRoot: media.root }),
    },
  );
  live.onRecorded((r) => {
    floor.recorded(r);
    retention.kick();
  });
  retention.start();
  // The adapters enabled in the stored configuration start with the station (failures show in their status).
  void integration.start();
  // API writes go only under the data folder or folders picked in the native dialog since start.
  const writable = new WritableFolders(dataDir);

  if (opts.bootstrap !== false && reg.list().length === 0) {
    // A fresh install: train the demo model, then show live inspection of the demo source straight away.
    jobs.start('bootstrap', 'Training the built-in demo model', async (ctx) => {
      // In a job worker (its own thread and store connection); the model is loaded here once trained.
      const result = await runInJobWorker<TrainResult>({ kind: 'bootstrap', dataDir }, ctx);
      await reg.activate(result.modelId);
      if (live.state().running) return result;
      // Not logged: demo parts are not production records, and unlogged frames are not kept on disk.
      await live.start({ source: { kind: 'demo' }, store: false }).catch((e: Error) => notice('warning', `demo source did not start: ${e.message}`));
      return result;
    }, TRAIN_KINDS);
  } else {
    reg.ensureLoaded().catch((e: Error) => notice('error', `could not load the active model: ${e.message}`));
    // The last line source starts again by itself after a restart (pending parts first).
    if (opts.resumeLine !== false) void live.resumeLineSource();
  }

  const genicam = new GenicamService();

  /** The auth and users services as seen by one session (a connection, or the in-process local one). */
  const sessionApi = (session: Session, state: Emitter<AuthState>): Pick<StationApiImpl, 'auth' | 'users'> => ({
    auth: {
      state: () => session.state(),
      login: async (req) => {
        await session.login(req.name, req.secret);
        const s = session.state();
        state.fire(s);
        return s;
      },
      logout: () => {
        session.logout();
        const s = session.state();
        state.fire(s);
        return s;
      },
      onState: state.event,
    },
    users: {
      list: () => auth.users(),
      create: async (req) => {
        const wasOpen = auth.mode() === 'open';
        const u = await auth.createUser(req);
        // The first administrator ends open mode: whoever created it is logged in as it, not locked out.
        if (wasOpen && u.role === 'administrator') {
          session.adopt(store.getUser(u.name)!);
          state.fire(session.state());
        }
        return u;
      },
      update: async (req) => {
        const u = await auth.updateUser(req);
        state.fire(session.state());
        return u;
      },
      configure: (req) => {
        auth.configure(req);
        const s = session.state();
        state.fire(s);
        return s;
      },
    },
  });
  const localSession = new Session(auth);
  const localAuthState = new Emitter<AuthState>();

  const api: StationApiImpl = {
    system: {
      info: () => systemInfo({ shell: opts.shell, dataDir, activeProvider: reg.executionProvider(), electronVersion: opts.electronVersion }),
      pickFolder: async (req) => {
        if (!opts.pickFolder) return { supported: false, path: null };
        const path = await opts.pickFolder(req ?? {});
        if (path) writable.allow(path);
        return { supported: true, path };
      },
      listFolder: (req) => listFolder(req?.path),
      onNotice: notices.event,
    },
    live: {
      state: () => live.state(),
      lastFrame: () => live.lastFrame(),
      start: async (req) => {
        // Operators run and pause; choosing a different source is an engineer's change ('sources'): without it,
        // only the source last started (or the product's own) may be started again.
        const actor = currentActor();
        const sameAs = (x: unknown) => x !== null && x !== undefined && JSON.stringify(x) === JSON.stringify(req.source);
        if (actor.role !== null && !permissionsOf(actor.role).includes('sources')) {
          const productSource = store.getProduct(reg.productId())?.settings?.source;
          if (!sameAs(store.getSetting(LAST_SOURCE_KEY)) && !sameAs(productSource)) {
            throw new StationFault('forbidden', `${actor.name} (${actor.role}) may start the station's source again, but choosing another source needs the engineer role`);
          }
        }
        const r = await live.start(req);
        store.setSetting(LAST_SOURCE_KEY, req.source);
        audit.record({ action: 'live.start', target: `source:${req.source.kind}`, new: req.source });
        return r;
      },
      stop: async () => {
        const r = await live.stop();
        audit.record({ action: 'live.stop', target: 'source' });
        return r;
      },
      pause: () => live.pause(),
      resume: () => live.resume(),
      step: () => live.step(),
      pushFrame: (req) => live.pushFrame(req),
      onFrame: live.onFrame,
      onState: live.onState,
    },
    sources: {
      status: () => live.sourceStatus(),
      probe: async (spec) => {
        if (spec.kind === 'genicam') return genicam.probe(spec.camera);
        try {
          if (spec.kind === 'demo' || spec.kind === 'webcam' || (spec.kind === 'trigger' && !spec.path)) return { ok: true, message: `${spec.kind} source is always available` };
          if (spec.kind === 'video' && !/\.(png|jpe?g|bmp|tiff?|webp)$/i.test(spec.path) && !/[*?[]/.test(spec.path)) {
            const s = await createSource(spec); // throws a clear error without ffmpeg
            await s.stop();
            return { ok: true, message: findFfmpeg() ? 'ffmpeg found' : 'image sequence' };
          }
          if (!('path' in spec) || !spec.path) return { ok: true, message: 'ok' };
          const n = spec.kind === 'video' ? undefined : (await listImages(resolve(spec.path), (spec.kind === 'folder' || spec.kind === 'trigger') && !!spec.recursive)).length;
          return { ok: true, message: n === undefined ? 'ok' : `${n} images`, images: n };
        } catch (e) {
          return { ok: false, message: (e as Error).message };
        }
      },
      onStatus: live.onStatus,
    },
    models: {
      list: () => reg.list(),
      active: () => reg.active(),
      activate: async (req) => {
        const old = reg.activeId();
        const r = await reg.activate(req.id);
        if (old !== req.id) audit.record({ action: 'model.activate', target: `model:${req.id}`, old, new: req.id });
        return r;
      },
      remove: async (req) => {
        const rec = reg.get(req.id);
        await reg.remove(req.id);
        audit.record({ action: 'model.delete', target: `model:${req.id}`, old: { name: rec.name, kind: rec.kind, artifactPath: rec.artifactPath }, productId: rec.productId });
      },
      // Training, evaluation and generation run in job workers, apart from the live path (never stall inspection).
      train: (req) => ({
        jobId: jobs.start(
          'train',
          `Training ${req.name ?? 'a model'}`,
          async (ctx) => {
            const r = await runInJobWorker<TrainResult>({ kind: 'train', dataDir, req }, ctx);
            learning.recordTrained(r.modelId, { trainImages: req.maxImages ?? null, goodFolder: req.goodFolder, validationFolder: req.validationFolder ?? join(resolve(req.goodFolder), 'test') });
            if (req.activate) await reg.activate(r.modelId);
            else reg.refresh();
            return r;
          },
          TRAIN_KINDS,
        ).id,
      }),
      evaluate: (req) => ({ jobId: jobs.start('evaluate', 'Evaluating', (ctx) => runInJobWorker<EvaluateResult>({ kind: 'evaluate', dataDir, req }, ctx), ['evaluate']).id }),
      importDetector: async (req) =>
        importDetectorModel(reg, req, req.validationFolder ? (await labelledImagesOf(req.validationFolder, 60)).filter((v): v is typeof v & { source: string } => typeof v.source === 'string') : []),
      onChanged: reg.onChanged,
    },
    datasets: {
      inspect: (req) => inspectDataset(req.path),
      preview: (req) => previewImage(req.path, req.size),
      generate: (req) => {
        const outputFolder = req.outputFolder && writable.check(req.outputFolder, 'generate');
        const defaultOut = join(dataDir, 'datasets', `generated-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        return { jobId: jobs.start('generate', 'Generating variants', (ctx) => runInJobWorker<GenerateResult>({ kind: 'generate', req: { ...req, outputFolder }, defaultOut }, ctx), ['generate']).id };
      },
    },
    thresholds: {
      get: (req) => reg.getThreshold(req?.modelId),
      validationScores: (req) => reg.validationScores(req?.modelId),
      set: (req) => {
        // Logged in: the user is recorded. Open mode ('local') and in-process callers ('system') may name who.
        const actor = currentActor().name;
        const who = actor === 'local' || actor === 'system' ? (req.who ?? actor) : actor;
        const r = reg.setThreshold({ ...req, who });
        audit.record({ actor: who, action: 'threshold.set', target: `model:${r.modelId}`, old: r.previous, new: r.value, reason: req.reason, productId: reg.productOf(r.modelId) });
        return r;
      },
      history: (req) => reg.thresholdHistory(req?.modelId, req?.limit ?? 100),
      onChanged: reg.onThresholdChanged,
    },
    log: {
      query: (req) => log.query(req),
      get: (req) => log.get(req.id),
      summary: (req) => log.summary(req ?? {}),
      export: (req) => {
        const path = req.path && writable.check(req.path, 'log export');
        return { jobId: jobs.start('export', `Exporting ${req.format.toUpperCase()}`, (ctx) => log.export({ ...req, path }, ctx)).id };
      },
      onAppended: live.onAppended,
    },
    annotations: {
      list: (req) => annotations.list(req.folder, req.recursive),
      get: (req) => annotations.get(req.path),
      save: (req) => annotations.save(req.path, req.boxes),
      clear: (req) => annotations.clear(req.path),
      importMasks: (req) => annotations.importMasks(req),
      export: (req) => annotations.exportTo({ ...req, path: req.path && writable.check(req.path, 'annotation export') }),
      import: (req) => annotations.importFrom(req),
    },
    line: {
      signals: () => live.line.signals(),
      trigger: (req) => live.line.trigger('ui', req?.partId),
      acknowledge: () => (live.line.acknowledge('ui'), live.line.signals()),
      selectProduct: async (req) => {
        const r = await live.line.selectProduct('ui', req.index);
        if (!r.ok) throw new StationFault(r.error.kind, r.error.message);
        return live.line.signals();
      },
      setLotName: (req) => (live.line.setLotName('ui', req.name), live.line.signals()),
      products: () => store.listLineProducts().map((p) => ({ productIndex: p.productIndex, modelId: p.modelId, name: p.name })),
      setProduct: (req) => {
        reg.get(req.modelId);
        const old = store.getLineProduct(req.index);
        const p = store.setLineProduct(req.index, req.modelId, req.name);
        audit.record({ action: 'line.map-product', target: `line-index:${req.index}`, old: old ? { modelId: old.modelId, name: old.name } : null, new: { modelId: p.modelId, name: p.name } });
        return { productIndex: p.productIndex, modelId: p.modelId, name: p.name };
      },
      onSignals: live.line.onSignals,
    },
    genicam: {
      status: () => genicam.status(),
      list: () => genicam.list(),
      features: (req) => genicam.features(req),
      getFeature: (req) => genicam.getFeature(req),
      setFeature: (req) => genicam.setFeature(req),
      execute: (req) => genicam.execute(req),
    },
    // In-process callers (tests, benchmarks) act as one local session; client connections get their own (connect()).
    auth: sessionApi(localSession, localAuthState).auth,
    users: sessionApi(localSession, localAuthState).users,
    audit: {
      list: (req) => audit.list({ ...req, order: 'newest' }),
      export: async (req) => {
        const name = `audit-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
        const rows = await audit.exportCsv(join(media.root, 'exports', name), req ?? {});
        return { media: `exports/${name}`, rows };
      },
    },
    products: {
      list: (req) => products.list(req ?? {}),
      create: (req) => products.create(req),
      clone: (req) => products.clone(req),
      update: (req) => products.update(req),
      use: (req) => products.use(req),
      setLot: (req) => products.setLot(req),
      onChanged: products.onChanged,
    },
    jobs: {
      list: () => jobs.list(),
      get: (req) => jobs.get(req.id),
      cancel: (req) => jobs.cancel(req.id),
      onProgress: jobs.onProgress,
    },
    learning: {
      feedback: (req) => learning.feedback(req),
      feedbackFor: (req) => learning.feedbackFor(req.inspectionId),
      learnGood: (req) => learning.learnGood(req),
      versions: () => learning.versions(),
      activate: (req) => learning.activate(req.modelId, req.reason),
      shadowStart: (req) => learning.shadowStart(req.modelId),
      shadowStop: () => learning.shadowStop(),
      shadowStatus: () => learning.shadowStatus(),
      promote: (req) => learning.promote(req.modelId, req.reason, req.acceptEscapes),
    },
    floor: {
      state: () => floor.state(),
      recent: (req) => floor.recent(req?.limit ?? 20),
      acknowledge: (req) => floor.acknowledge(req?.note ?? ''),
      settings: (req) => floor.settings(req?.productId),
      configure: (req) => floor.configure(req),
      report: (req) => floor.report(req ?? {}),
      retentionPass: async () => {
        const r = await retention.pass();
        return { measured: r.measured, pruned: r.pruned, freedBytes: r.freedBytes };
      },
      onState: floor.onState,
    },
    integration: {
      state: () => integration.state(),
      configure: async (req) => {
        const r = await integration.configure(req);
        // Which parts changed, not their values (they may hold broker passwords).
        audit.record({ action: 'integration.configure', target: 'integration', new: Object.keys(req), productId: null });
        return r;
      },
      onState: integration.onState,
    },
  };

  const connections = new Set<() => void>();
  const connect = () => {
    const session = new Session(auth);
    const state = new Emitter<AuthState>();
    // An idle logout is noticed on the next call; this tells the screen without one.
    const idle = setInterval(() => {
      if (session.checkIdle()) state.fire(session.state());
    }, 10_000);
    idle.unref?.();
    const dispose = () => {
      clearInterval(idle);
      state.dispose();
      connections.delete(dispose);
    };
    connections.add(dispose);
    return { api: guardApi({ ...api, ...sessionApi(session, state) }, session), dispose };
  };

  return {
    api,
    connect,
    audit,
    jobs,
    live,
    integration,
    async dispose() {
      for (const d of [...connections]) d();
      products.dispose();
      localAuthState.dispose();
      await integration.dispose().catch(() => {});
      await retention.dispose().catch(() => {});
      floor.dispose();
      await live.dispose().catch(() => {});
      await genicam.dispose().catch(() => {});
      await log.dispose().catch(() => {});
      await jobs.cancelAll().catch(() => {});
      await learning.dispose().catch(() => {});
      await reg.dispose().catch(() => {});
      notices.dispose();
      store.close();
    },
  };
}

export { StationFault };
