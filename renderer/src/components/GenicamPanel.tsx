/**
 * The GenICam camera source on the Live screen: camera picker (discovery), acquisition mode, the usual settings,
 * and the engineer's feature browser (any feature by name; enumerations as lists; the camera's own limits in the
 * error of a refused value). Features written here can be kept with the source: they are re-applied, in order,
 * every time the camera is opened.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { GENICAM_PIXEL_FORMATS, type GenicamFeature, type GenicamFeatureListing, type SourceSpec } from '../../../main/common/api.js';
import { useStation } from '../connection.js';
import { useCall, useLoad } from '../lib/hooks.js';
import { usePersistent } from '../lib/persist.js';

type FeatureValue = string | number | boolean;
type GenicamSpec = Extract<SourceSpec, { kind: 'genicam' }>;

/** The GenICam source's settings (remembered in the UI) and the spec they make. */
export function useGenicamSpec(): { spec: GenicamSpec; fields: GenicamFieldsState } {
  const [camera, setCamera] = usePersistent('live.genicam.camera', '');
  const [mode, setMode] = usePersistent<'continuous' | 'triggered'>('live.genicam.mode', 'continuous');
  const [triggerSource, setTriggerSource] = usePersistent('live.genicam.trigger', 'Software');
  const [pixelFormat, setPixelFormat] = usePersistent('live.genicam.pixelFormat', '');
  const [width, setWidth] = usePersistent('live.genicam.width', 0);
  const [height, setHeight] = usePersistent('live.genicam.height', 0);
  const [exposureUs, setExposureUs] = usePersistent('live.genicam.exposure', 0);
  const [features, setFeatures] = usePersistent<Record<string, FeatureValue>>('live.genicam.features', {});
  const spec: GenicamSpec = {
    kind: 'genicam',
    camera,
    mode,
    triggerSource,
    ...(pixelFormat ? { pixelFormat: pixelFormat as GenicamSpec['pixelFormat'] } : {}),
    ...(width > 0 ? { width } : {}),
    ...(height > 0 ? { height } : {}),
    ...(exposureUs > 0 ? { exposureUs } : {}),
    ...(Object.keys(features).length ? { features } : {}),
  };
  return {
    spec,
    fields: { camera, setCamera, mode, setMode, triggerSource, setTriggerSource, pixelFormat, setPixelFormat, width, setWidth, height, setHeight, exposureUs, setExposureUs, features, setFeatures },
  };
}

export interface GenicamFieldsState {
  camera: string;
  setCamera(v: string): void;
  mode: 'continuous' | 'triggered';
  setMode(v: 'continuous' | 'triggered'): void;
  triggerSource: string;
  setTriggerSource(v: string): void;
  pixelFormat: string;
  setPixelFormat(v: string): void;
  width: number;
  setWidth(v: number): void;
  height: number;
  setHeight(v: number): void;
  exposureUs: number;
  setExposureUs(v: number): void;
  features: Record<string, FeatureValue>;
  setFeatures(v: Record<string, FeatureValue>): void;
}

export function GenicamFields({ f }: { f: GenicamFieldsState }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const status = useLoad('GenICam status', (a) => a.genicam.status());
  const [cameras, setCameras] = useState<{ id: string; label: string }[] | null>(null);
  const [browse, setBrowse] = useState(false);
  const { t } = useTranslation();
  const st = status.value;
  if (st && !st.available) {
    return (
      <div className="banner error small" data-testid="genicam-unavailable">
        {t('camera.genicamUnavailable', { reason: st.reason })} <code>{st.install}</code>
      </div>
    );
  }
  const discover = () =>
    void run(t('camera.findCameras'), () => api.genicam.list()).then((list) => {
      if (!list) return;
      setCameras(list.map((c) => ({ id: c.id, label: `${c.vendor} ${c.model} · ${c.serial} · ${c.address}` })));
      if (!f.camera && list[0]) f.setCamera(list[0].id);
    });
  return (
    <div className="stack" data-testid="genicam-fields">
      <div className="row">
        <label className="field" style={{ flex: 1 }}>
          <span>{t('camera.camera')}</span>
          {cameras && cameras.length ? (
            <select className="input" value={f.camera} data-testid="genicam-camera" onChange={(e) => f.setCamera(e.target.value)}>
              {cameras.some((c) => c.id === f.camera) ? null : <option value={f.camera}>{f.camera || '—'}</option>}
              {cameras.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id} ({c.label})
                </option>
              ))}
            </select>
          ) : (
            <input className="input" value={f.camera} placeholder={t('camera.cameraPlaceholder')} data-testid="genicam-camera" onChange={(e) => f.setCamera(e.target.value)} />
          )}
        </label>
        <button className="btn small" disabled={busy} onClick={discover} data-testid="genicam-discover">
          {busy ? t('camera.searching') : t('camera.find')}
        </button>
      </div>
      {cameras && cameras.length === 0 ? <div className="small muted">{t('camera.noCamera')}</div> : null}
      <div className="row">
        <label className="field">
          <span>{t('camera.acquisition')}</span>
          <select className="input" value={f.mode} data-testid="genicam-mode" onChange={(e) => f.setMode(e.target.value as 'continuous' | 'triggered')}>
            <option value="continuous">{t('camera.continuous')}</option>
            <option value="triggered">{t('camera.triggered')}</option>
          </select>
        </label>
        {f.mode === 'triggered' ? (
          <label className="field" style={{ width: 110 }} title={t('camera.triggerTitle')}>
            <span>{t('camera.trigger')}</span>
            <input className="input" value={f.triggerSource} data-testid="genicam-trigger-source" onChange={(e) => f.setTriggerSource(e.target.value)} />
          </label>
        ) : null}
      </div>
      <div className="row">
        <label className="field">
          <span>{t('camera.pixelFormat')}</span>
          <select className="input" value={f.pixelFormat} onChange={(e) => f.setPixelFormat(e.target.value)}>
            <option value="">{t('camera.camerasOwn')}</option>
            {GENICAM_PIXEL_FORMATS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label className="field" style={{ width: 80 }}>
          <span>{t('camera.width')}</span>
          <input className="input num" type="number" min={0} value={f.width || ''} placeholder="—" onChange={(e) => f.setWidth(Math.max(0, Math.round(Number(e.target.value) || 0)))} />
        </label>
        <label className="field" style={{ width: 80 }}>
          <span>{t('camera.height')}</span>
          <input className="input num" type="number" min={0} value={f.height || ''} placeholder="—" onChange={(e) => f.setHeight(Math.max(0, Math.round(Number(e.target.value) || 0)))} />
        </label>
        <label className="field" style={{ width: 100 }}>
          <span>{t('camera.exposure')}</span>
          <input className="input num" type="number" min={0} value={f.exposureUs || ''} placeholder="µs" title={t('camera.exposureTitle')} onChange={(e) => f.setExposureUs(Math.max(0, Number(e.target.value) || 0))} />
        </label>
      </div>
      <div className="row small">
        <span className="muted">{Object.keys(f.features).length ? t('camera.kept', { list: Object.entries(f.features).map(([k, v]) => `${k}=${String(v)}`).join(', ') }) : t('camera.noneKept')}</span>
        <span className="spacer" />
        {Object.keys(f.features).length ? (
          <button className="btn small" onClick={() => f.setFeatures({})}>
            {t('camera.clear')}
          </button>
        ) : null}
        <button className="btn small" disabled={!f.camera.trim()} data-testid="genicam-browse" onClick={() => setBrowse((b) => !b)}>
          {browse ? t('camera.hideFeatures') : t('camera.features')}
        </button>
      </div>
      {browse && f.camera.trim() ? <FeatureBrowser camera={f.camera.trim()} kept={f.features} onKeep={(name, value) => f.setFeatures({ ...f.features, [name]: value })} /> : null}
    </div>
  );
}

/** Any feature by name: the camera's tree, one feature's value/limits/entries, write and keep. */
function FeatureBrowser({ camera, kept, onKeep }: { camera: string; kept: Record<string, FeatureValue>; onKeep: (name: string, value: FeatureValue) => void }) {
  const { api } = useStation();
  const { run } = useCall();
  const { t: tr } = useTranslation();
  const tree = useLoad<GenicamFeatureListing[]>('Camera features', (a) => a.genicam.features({ camera }), [camera]);
  const [filter, setFilter] = useState('');
  const [name, setName] = useState('');
  const [feature, setFeature] = useState<GenicamFeature | null>(null);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);

  const open = (n: string) => {
    setName(n);
    setError(null);
    void api.genicam.getFeature({ camera, name: n }).then((r) => {
      if (r.ok) {
        setFeature(r.value);
        setDraft(r.value.value === undefined ? '' : String(r.value.value));
      } else {
        setFeature(null);
        setError(r.error.message);
      }
    });
  };
  const typed = (): FeatureValue => {
    if (feature?.type === 'Integer' || feature?.type === 'Float') return draft.trim() === '' ? NaN : Number(draft);
    if (feature?.type === 'Boolean') return draft === 'true';
    return draft;
  };
  const write = async (keep: boolean) => {
    setError(null);
    const value = typed();
    const r = await api.genicam.setFeature({ camera, name: feature!.name, value });
    if (!r.ok) return setError(r.error.message); // the camera's own limits / entries
    setFeature(r.value);
    setDraft(r.value.value === undefined ? '' : String(r.value.value));
    if (keep) onKeep(r.value.name, r.value.value ?? value);
  };
  const shown = (tree.value ?? []).filter((t) => !filter || t.name.toLowerCase().includes(filter.toLowerCase()));

  return (
    <div className="panel stack" data-testid="genicam-features">
      <div className="row">
        <input className="input" style={{ flex: 1 }} placeholder={tr('camera.featurePlaceholder')} value={filter} data-testid="genicam-feature-filter" onChange={(e) => setFilter(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && filter.trim() && open(filter.trim())} />
        <button className="btn small" disabled={!filter.trim()} onClick={() => open(filter.trim())}>
          {tr('camera.read')}
        </button>
      </div>
      <div className="feature-list small" style={{ maxHeight: 160, overflow: 'auto' }}>
        {tree.loading ? <span className="muted">{tr('camera.reading')}</span> : null}
        {shown.map((t) => (
          <div key={t.name}>
            <button className={`btn link small ${t.name === name ? 'active' : ''}`} onClick={() => open(t.name)} title={t.category}>
              {t.name}
            </button>
            <span className="muted"> {t.type}</span>
            {t.name in kept ? <span className="ok-text">{tr('camera.keptTag')}</span> : null}
          </div>
        ))}
      </div>
      {feature ? (
        <div className="stack small" data-testid="genicam-feature">
          <div>
            <b>{feature.displayName || feature.name}</b> <span className="muted">({feature.name}, {feature.type}, {feature.access}{feature.unit ? `, ${feature.unit}` : ''})</span>
          </div>
          {feature.description ? <div className="muted">{feature.description}</div> : null}
          {feature.min !== undefined ? <div className="muted">{tr('camera.range', { min: feature.min, max: feature.max })}{feature.increment ? tr('camera.step', { step: feature.increment }) : ''}</div> : null}
          {feature.type === 'Command' ? (
            <button className="btn small" onClick={() => void run(tr('camera.executeName', { name: feature.name }), () => api.genicam.execute({ camera, name: feature.name }))}>
              {tr('camera.execute')}
            </button>
          ) : feature.access === 'RW' || feature.access === 'WO' ? (
            <div className="row">
              {feature.entries ? (
                <select className="input" value={draft} data-testid="genicam-feature-value" onChange={(e) => setDraft(e.target.value)}>
                  {feature.entries.map((e) => (
                    <option key={e}>{e}</option>
                  ))}
                </select>
              ) : feature.type === 'Boolean' ? (
                <select className="input" value={draft} data-testid="genicam-feature-value" onChange={(e) => setDraft(e.target.value)}>
                  <option>true</option>
                  <option>false</option>
                </select>
              ) : (
                <input className="input" value={draft} data-testid="genicam-feature-value" onChange={(e) => setDraft(e.target.value)} />
              )}
              <button className="btn small" data-testid="genicam-feature-write" onClick={() => void write(false)}>
                {tr('camera.write')}
              </button>
              <button className="btn small" title={tr('camera.writeKeepTitle')} onClick={() => void write(true)}>
                {tr('camera.writeKeep')}
              </button>
            </div>
          ) : (
            <div className="mono">{String(feature.value ?? '—')}</div>
          )}
        </div>
      ) : null}
      {error ? (
        <div className="banner error small" data-testid="genicam-feature-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
