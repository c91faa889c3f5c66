/**
 * The operator's screen: the current part with its heatmap and boxes, a large OK/NG verdict readable from a
 * distance, throughput and latency, and the source controls (demo, folder, hot folder, video, webcam).
 */
import { ProductSwitcher } from '../components/ProductSwitcher.js';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FrameEvent, LiveState, SourceKind, SourceSpec, SourceStatus } from '../../../main/common/api.js';
import { HEATMAP_SCALE } from '../../../main/common/api.js';
import { useErrors } from '../components/Feedback.js';
import { FolderField } from '../components/FolderField.js';
import { ModelTrainingNotice, useFirstModelJob } from '../components/ModelTrainingNotice.js';
import { FrameView } from '../components/FrameView.js';
import { GenicamFields, useGenicamSpec } from '../components/GenicamPanel.js';
import { ThresholdEvidence } from '../components/ThresholdEvidence.js';
import { WebcamPump } from '../components/Webcam.js';
import { NgAlarms } from '../components/NgLatch.js';
import { ShiftPanel } from '../components/ShiftPanel.js';
import { FeedbackActions } from '../components/FeedbackActions.js';
import { VersionsPanel } from '../components/VersionsPanel.js';
import { VerdictStrip } from '../components/VerdictStrip.js';
import { useStation } from '../connection.js';
import { heatGradientCss } from '../lib/colormap.js';
import { fmtScore, useCall, useEvent, useLoad } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';

const KINDS: { kind: SourceKind; label: string }[] = [
  { kind: 'demo', label: 'Demo' },
  { kind: 'folder', label: 'Folder' },
  { kind: 'hotfolder', label: 'Hot folder' },
  { kind: 'video', label: 'Video' },
  { kind: 'webcam', label: 'Webcam' },
  { kind: 'trigger', label: 'Trigger' },
  { kind: 'genicam', label: 'Camera' },
];

export function LiveView() {
  const { api, mediaUrl, info, refreshInfo, generation } = useStation();
  const { clear } = useErrors();
  const { t } = useTranslation();
  const { run, busy } = useCall();
  const [live, setLive] = useState<LiveState | null>(null);
  const [frame, setFrame] = useState<FrameEvent | null>(null);
  // Counts the live sessions started from this screen; lets tests (and the eye) tell a fresh run from the last one.
  const [runs, setRuns] = useState(0);
  const [source, setSource] = useState<SourceStatus | null>(null);
  const [opacity, setOpacity] = usePersistent('live.opacity', 0.6);
  const [showHeat, setShowHeat] = usePersistent('live.heat', true);
  const [showBoxes, setShowBoxes] = usePersistent('live.boxes', true);

  const initial = useLoad('Live state', (a) => a.live.state());
  useEffect(() => {
    if (initial.value) {
      setLive(initial.value);
      setSource(initial.value.source);
    }
  }, [initial.value]);
  const active = useLoad('Active model', (a) => a.models.active());
  useEvent(api.models.onChanged, () => {
    active.reload();
    refreshInfo();
  });
  useEvent(api.live.onFrame, (f) => setFrame(f));
  // A tab opened (or reloaded) while a source runs shows its last part at once, not "waiting for the first frame".
  useEffect(() => {
    void api.live.lastFrame().then((r) => {
      if (r.ok && r.value) setFrame((f) => f ?? r.value);
    });
  }, [api, generation]);
  const firstModelJob = useFirstModelJob(!!active.value);
  // Once live inspection runs (the demo started by itself, or a retry worked), an earlier Start failure is stale.
  useEffect(() => {
    if (live?.running) clear('Start live inspection');
  }, [live?.running, clear]);
  useEvent(api.live.onState, (s) => {
    setLive(s);
    setSource(s.source);
  });
  useEvent(api.sources.onStatus, (s) => setSource(s));

  // Open while webcam frames may be pushed; closed before any request that ends or pauses the session.
  const webcamGate = useRef(true);
  const act = async (label: string, call: () => ReturnType<typeof api.live.stop>) => {
    webcamGate.current = call === api.live.resume;
    const s = await run(label, call);
    if (s) {
      setLive(s);
      setSource(s.source);
    }
    return s;
  };

  // Space toggles pause, S steps: quick hands-free-ish control beside the line.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!live?.running || (e.target as HTMLElement)?.closest('input, textarea, select, dialog')) return;
      if (e.code === 'Space') {
        e.preventDefault();
        void act(live.paused ? 'Resume' : 'Pause', live.paused ? api.live.resume : api.live.pause);
      } else if (e.key === 's' && live.paused) void act('Step', api.live.step);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  // An ERROR verdict (a part that could not be inspected) shows until the next inspected frame.
  const lastError = live?.line?.lastError ?? null;
  const [errorShown, setErrorShown] = useState<number | null>(null);
  useEffect(() => {
    if (lastError?.inspectionId) setErrorShown(lastError.inspectionId);
  }, [lastError?.inspectionId]);
  useEvent(api.live.onFrame, () => setErrorShown(null));
  const showError = errorShown !== null && lastError?.inspectionId === errorShown;

  const stats = live?.stats && frame?.stats && live.stats.inspected + (live.stats.errors ?? 0) > frame.stats.inspected + (frame.stats.errors ?? 0) ? live.stats : (frame?.stats ?? live?.stats);
  const running = live?.running ?? false;
  const paused = live?.paused ?? false;
  const verdict = frame && running ? frame.verdict : frame ? frame.verdict : null;
  const ep = info?.activeExecutionProvider ?? '—';
  const webcamRunning = running && live?.source.spec?.kind === 'webcam';

  return (
    <div className="live" data-testid="live-view" data-runs={runs}>
      <div className="live-stage">
        <NgAlarms />
        <FrameView
          frame={frame}
          mediaUrl={mediaUrl}
          opacity={opacity}
          showHeat={showHeat}
          showBoxes={showBoxes}
          placeholder={running ? t('live.waiting', { name: source?.name || '—' }) : firstModelJob ? t('live.modelTraining') : t('live.chooseSource')}
        />
        <div className="panel controls">
          {running ? (
            <>
              <button className="btn" data-testid="pause" onClick={() => void act(paused ? 'Resume' : 'Pause', paused ? api.live.resume : api.live.pause)}>
                {paused ? `▶ ${t('live.resume')}` : `❚❚ ${t('live.pause')}`}
              </button>
              <button className="btn" data-testid="step" disabled={!paused} onClick={() => void act('Step', api.live.step)}>
                {t('live.step')} ▸|
              </button>
              <button className="btn danger" data-testid="stop" onClick={() => void act('Stop', api.live.stop)}>
                ■ {t('live.stop')}
              </button>
            </>
          ) : null}
          <label className="row small">
            <input type="checkbox" checked={showHeat} onChange={(e) => setShowHeat(e.target.checked)} /> {t('live.heatmap')}
          </label>
          <label className="row small">
            <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.target.checked)} /> {t('live.boxes')}
          </label>
          <label className="row small" style={{ flex: '0 1 220px' }}>
            {t('live.opacity')}
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={opacity}
              style={{ flex: 1 }}
              data-testid="opacity"
              aria-label={t('live.opacityLabel')}
              onChange={(e) => setOpacity(Number(e.target.value))}
            />
          </label>
          <div className="legend" style={{ flex: '1 1 240px' }} title={t('live.legendTitle')}>
            <span className="mono">0</span>
            <div className="bar" style={{ background: heatGradientCss() }} />
            <span className="mono">{t('live.scaleMax', { max: HEATMAP_SCALE.max })}</span>
          </div>
        </div>
        <VerdictStrip />
      </div>

      <aside className="live-side">
        <ProductSwitcher />
        <div className={`verdict ${showError ? 'error' : verdict ? verdict.toLowerCase() : 'idle'}`} data-testid="verdict" aria-live="polite">
          <div className="word">{showError ? 'ERROR' : (verdict ?? (running ? '…' : t('live.idle')))}</div>
          <div className="score mono">
            {showError && lastError ? (
              <span data-testid="error-reason">
                {lastError.partId}: {lastError.message}
              </span>
            ) : frame ? (
              <>
                {t('live.score')} <b>{fmtScore(frame.score)}</b> / {t('live.thr')} {fmtScore(frame.threshold)}
              </>
            ) : (
              <span className="muted">{t('live.noPart')}</span>
            )}
          </div>
          {frame?.name ? <div className="small mono muted" data-testid="frame-name">{frame.name}</div> : null}
          {active.value ? <ThresholdEvidence model={active.value} threshold={frame?.threshold} /> : null}
          {frame ? <FeedbackActions inspectionId={frame.inspectionId} score={frame.score} threshold={frame.threshold} verdict={frame.verdict} /> : null}
        </div>

        <div className="stats">
          <div className="stat">
            <div className="v num" data-testid="fps">{stats ? stats.fps.toFixed(1) : '—'}</div>
            <div className="l">{t('live.fps')}</div>
          </div>
          <div className="stat">
            <div className="v num" data-testid="latency">{stats ? Math.round(stats.latencyMs) : '—'}</div>
            <div className="l">{t('live.latency')}</div>
          </div>
          <div className="stat">
            <div className="v" data-testid="ep" style={{ fontSize: 20, paddingTop: 5 }}>{ep}</div>
            <div className="l">{t('live.provider')}</div>
          </div>
        </div>

        <div className="panel counters">
          <div>
            <div className="v num">{stats?.inspected ?? 0}</div>
            <div className="l small muted">{t('live.inspected')}</div>
          </div>
          <div className="ok">
            <div className="v num" data-testid="count-ok">{stats?.ok ?? 0}</div>
            <div className="l small">OK</div>
          </div>
          <div className="ng">
            <div className="v num" data-testid="count-ng">{stats?.ng ?? 0}</div>
            <div className="l small">NG</div>
          </div>
          {live?.line?.delivery === 'every-part' ? (
            <div className="warn-text" title={t('live.errorTitle')}>
              <div className="v num" data-testid="count-error">{stats?.errors ?? 0}</div>
              <div className="l small">ERROR</div>
            </div>
          ) : (
            <div title={t('live.droppedTitle')}>
              <div className="v num muted" data-testid="count-dropped">{stats?.dropped ?? 0}</div>
              <div className="l small muted">{t('live.skipped')}</div>
            </div>
          )}
        </div>

        <ShiftPanel />
        <VersionsPanel />
        {stats?.camera ? (
          <div className="small muted" data-testid="camera-stats" title={t('live.cameraStatsTitle')}>
            {t('live.cameraStats', { completed: stats.camera.completed, failed: stats.camera.failed, underruns: stats.camera.underruns, missing: stats.camera.missingPackets })}
            {stats.camera.triggers ? t('live.cameraTriggers', { n: stats.camera.triggers }) : ''}
          </div>
        ) : null}

        {running && live?.line?.delivery === 'every-part' ? <LinePanel live={live} trigger={live.source.spec?.kind === 'trigger' || (live.source.spec?.kind === 'genicam' && (live.source.spec.triggerSource ?? 'Software') === 'Software')} /> : null}

        {firstModelJob ? <ModelTrainingNotice job={firstModelJob} /> : null}
        <SourcePanel
          live={live}
          source={source}
          busy={busy}
          modelTraining={!!firstModelJob}
          modelName={active.value ? `${active.value.name} (${active.value.backbone})` : null}
          onStart={(spec) =>
            act('Start live inspection', () => api.live.start({ source: spec })).then((s) => {
              webcamGate.current = !!s;
              if (s) {
                setFrame(null);
                setRuns((n) => n + 1);
                refreshInfo();
              }
            })
          }
        />
        {webcamRunning ? <WebcamPump active={running && !paused} gate={webcamGate} /> : null}
      </aside>
    </div>
  );
}

function SourcePanel({
  live,
  source,
  busy,
  modelName,
  modelTraining,
  onStart,
}: {
  live: LiveState | null;
  source: SourceStatus | null;
  busy: boolean;
  modelName: string | null;
  /** No model yet, one is being trained: Start would only fail. */
  modelTraining: boolean;
  onStart: (spec: SourceSpec) => Promise<void>;
}) {
  const { api } = useStation();
  const { run } = useCall();
  const [kind, setKind] = usePersistent<SourceKind>('live.kind', 'demo');
  const [path, setPath] = usePersistent('live.path', '');
  const [fps, setFps] = usePersistent('live.fps', 4);
  const [loop, setLoop] = usePersistent('live.loop', false);
  const [recursive, setRecursive] = usePersistent('live.recursive', true);
  const [includeExisting, setIncludeExisting] = usePersistent('live.existing', false);
  const [probe, setProbe] = useState<{ ok: boolean; message: string } | null>(null);
  const genicam = useGenicamSpec();
  const { t } = useTranslation();

  const spec = (): SourceSpec => {
    switch (kind) {
      case 'demo':
        return { kind, fps };
      case 'folder':
        return { kind, path, fps, loop, recursive };
      case 'hotfolder':
        return { kind, path, includeExisting };
      case 'video':
        return { kind, path, fps, loop };
      case 'webcam':
        return { kind };
      case 'trigger':
        // One part per trigger: the next image of the folder, or a demo part when no folder is given.
        return path.trim() ? { kind, from: 'folder', path, recursive } : { kind, from: 'demo' };
      case 'genicam':
        return genicam.spec;
    }
  };
  const needsPath = kind === 'folder' || kind === 'hotfolder' || kind === 'video';
  const optionalPath = kind === 'trigger';
  const running = live?.running ?? false;

  // The form shows the source that is running (started here, in another tab, or resumed after a restart), so a
  // second screen never offers to switch the line to whatever this browser chose last. Synced when the running
  // source changes, not on every state push, so the operator can still pick another source to switch to.
  const runningSpec = running ? (live?.source.spec ?? null) : null;
  const runningKey = runningSpec ? JSON.stringify(runningSpec) : '';
  const synced = useRef('');
  useEffect(() => {
    if (!runningSpec || synced.current === runningKey) return;
    synced.current = runningKey;
    setKind(runningSpec.kind);
    if ('path' in runningSpec && typeof runningSpec.path === 'string') setPath(runningSpec.path);
    if ('fps' in runningSpec && typeof runningSpec.fps === 'number') setFps(runningSpec.fps);
    if ('loop' in runningSpec && typeof runningSpec.loop === 'boolean') setLoop(runningSpec.loop);
    if ('recursive' in runningSpec && typeof runningSpec.recursive === 'boolean') setRecursive(runningSpec.recursive);
    if (runningSpec.kind === 'hotfolder' && typeof runningSpec.includeExisting === 'boolean') setIncludeExisting(runningSpec.includeExisting);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the running spec's content only
  }, [runningKey]);
  const switching = running && runningSpec !== null && runningSpec.kind !== kind;

  return (
    <div className={`panel stack source-panel ${running ? 'running' : 'idle'}`} data-testid="source-panel">
      <header>
        <h2>{t('live.source')}</h2>
        <span className="spacer" />
        <SourceState status={source} />
      </header>
      <div className="source-kinds" role="radiogroup" aria-label={t('live.sourceKind')}>
        {KINDS.map((k) => (
          <button
            key={k.kind}
            role="radio"
            aria-checked={kind === k.kind}
            className={`btn small ${kind === k.kind ? 'active' : ''}`}
            data-testid={`source-${k.kind}`}
            onClick={() => {
              setKind(k.kind);
              setProbe(null);
            }}
          >
            {t(`live.kind.${k.kind}`, { defaultValue: k.label })}
          </button>
        ))}
      </div>
      {needsPath || optionalPath ? (
        <FolderField
          label={t(kind === 'video' || kind === 'hotfolder' || kind === 'trigger' ? `live.path.${kind}` : 'live.path.folder')}
          value={path}
          onChange={(p) => {
            setPath(p);
            setProbe(null);
          }}
          testId="source-path"
        />
      ) : null}
      {kind === 'genicam' ? <GenicamFields f={genicam.fields} /> : null}
      <div className="row">
        {kind === 'folder' || kind === 'video' || kind === 'demo' ? (
          <label className="field" style={{ width: 90 }}>
            <span>{t('live.fpsLabel')}</span>
            <input className="input num" type="number" min={0.5} max={60} step={0.5} value={fps} data-testid="source-fps" onChange={(e) => setFps(Number(e.target.value) || 1)} />
          </label>
        ) : null}
        {kind === 'folder' || kind === 'video' ? (
          <label className="row small">
            <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} /> {t('live.loop')}
          </label>
        ) : null}
        {kind === 'folder' ? (
          <label className="row small">
            <input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} /> {t('live.subfolders')}
          </label>
        ) : null}
        {kind === 'hotfolder' ? (
          <label className="row small">
            <input type="checkbox" checked={includeExisting} onChange={(e) => setIncludeExisting(e.target.checked)} /> {t('live.existing')}
          </label>
        ) : null}
      </div>
      {probe ? <div className={`small ${probe.ok ? 'muted' : 'banner error'}`} data-testid="probe">{probe.message}</div> : null}
      <div className="row">
        {needsPath || kind === 'genicam' ? (
          <button
            className="btn"
            disabled={kind === 'genicam' ? !genicam.spec.camera.trim() : !path.trim()}
            onClick={() => void run('Check source', () => api.sources.probe(spec())).then((p) => p && setProbe(p))}
          >
            {t('live.check')}
          </button>
        ) : null}
        <button
          className="btn primary"
          style={{ flex: 1 }}
          data-testid="start"
          data-switch={switching ? 'true' : 'false'}
          disabled={busy || modelTraining || (needsPath && !path.trim()) || (kind === 'genicam' && !genicam.spec.camera.trim())}
          onClick={() => void onStart(spec())}
        >
          {switching ? `↻ ${t('live.switchTo', { kind: t(`live.kind.${kind}`) })}` : running ? `↻ ${t('live.restart')}` : `▶ ${t('live.start')}`}
        </button>
      </div>
      <div className="small muted" data-testid="source-model">
        {t('live.model')} {modelName ?? <span className="warn-text">{modelTraining ? t('live.modelBeingTrained') : t('live.noModel')}</span>}
      </div>
    </div>
  );
}

/** Every-part delivery: the durable queue's depth, its alarms, and a software trigger for trigger sources. */
function LinePanel({ live, trigger }: { live: LiveState; trigger: boolean }) {
  const { api } = useStation();
  const { run } = useCall();
  const { t } = useTranslation();
  const line = live.line!;
  const [reply, setReply] = useState<string | null>(null);
  return (
    <div className="panel stack line-panel" data-testid="line-panel">
      <div className="row">
        <div title={t('live.queueTitle')}>
          <span className="queue num" data-testid="queue-depth">
            {line.queueDepth}
          </span>
          <span className="small muted">{t('live.partsWaiting', { capacity: line.queueCapacity })}</span>
        </div>
        <span className="spacer" />
        {trigger ? (
          <button
            className="btn"
            data-testid="trigger"
            onClick={() =>
              void run('Trigger', () => api.line.trigger()).then((r) => {
                if (!r) return;
                setReply(r.accepted ? null : r.message);
                void api.line.acknowledge();
              })
            }
          >
            {t('live.triggerOne')}
          </button>
        ) : null}
      </div>
      {line.alarms.map((a) => (
        <div key={a.code} className="banner error small" data-testid={`alarm-${a.code}`} role="alert">
          {a.message}
        </div>
      ))}
      {reply ? <div className="small warn-text">{reply}</div> : null}
    </div>
  );
}

function SourceState({ status }: { status: SourceStatus | null }) {
  const { t } = useTranslation();
  if (!status) return null;
  const cls = status.state === 'running' ? 'ok' : status.state === 'lost' || status.state === 'error' ? 'bad' : status.state === 'paused' ? 'warn' : '';
  return (
    <span className="small" data-testid="source-state" title={status.message}>
      <span className={`dot ${cls}`} />
      {status.name ? `${status.name}: ` : ''}
      {t(`live.state.${status.state}`)}
      {status.retry ? t('live.retry', { attempt: status.retry.attempt, s: Math.ceil(status.retry.inMs / 1000) }) : ''}
      {status.message && (status.state === 'lost' || status.state === 'error') ? <div className="banner error small">{status.message}</div> : null}
    </span>
  );
}
