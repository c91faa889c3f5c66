/**
 * Integration: configure the OPC UA server, the Modbus TCP server and the MQTT client (any of them at once),
 * see each adapter's status, and watch the handshake live: every signal's state and when it last changed.
 * The register map, node list and topics are in the README ("Process integration").
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdapterStatusDto, IntegrationConfigPatch, IntegrationState, SignalMonitorEntry } from '../../../main/common/integration.js';
import { useStation } from '../connection.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';

/** Catalogue keys of the adapters' titles. */
const TITLES = { opcua: 'integration.opcua', modbus: 'integration.modbus', mqtt: 'integration.mqtt' } as const;

export function Integration() {
  const { api } = useStation();
  const loaded = useLoad('Integration', (a) => a.integration.state());
  const [state, setState] = useState<IntegrationState | null>(null);
  useEffect(() => setState(loaded.value), [loaded.value]);
  useEvent(api.integration.onState, setState);
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const save = async (patch: IntegrationConfigPatch) => {
    const s = await run('Integration settings', () => api.integration.configure(patch));
    if (s) setState(s);
    return s !== null;
  };
  if (!state) return <div className="empty">{t('threshold.loading')}</div>;
  const status = (p: keyof typeof TITLES) => state.adapters.find((a) => a.protocol === p)!;
  return (
    <div className="grid-log" data-testid="integration-view">
      <div className="stack">
        <OpcuaPanel state={state} status={status('opcua')} busy={busy} onSave={save} />
        <ModbusPanel state={state} status={status('modbus')} busy={busy} onSave={save} />
        <MqttPanel state={state} status={status('mqtt')} busy={busy} onSave={save} />
      </div>
      <SignalMonitor stationId={state.stationId} signals={state.signals} />
    </div>
  );
}

interface PanelProps {
  state: IntegrationState;
  status: AdapterStatusDto;
  busy: boolean;
  onSave: (patch: IntegrationConfigPatch) => Promise<boolean>;
}

function StatusLine({ s }: { s: AdapterStatusDto }) {
  const { t } = useTranslation();
  const dot = s.state === 'running' ? 'ok' : s.state === 'failed' ? 'bad' : s.state === 'stopped' ? '' : 'warn';
  return (
    <div className="stack small" data-testid={`adapter-${s.protocol}`}>
      <div className="row">
        <span>
          <span className={`dot ${dot}`} />
          <b data-testid={`adapter-${s.protocol}-state`}>{s.state}</b>
        </span>
        <span className="mono muted">{s.endpoint}</span>
        <span className="spacer" style={{ flex: 1 }} />
        <span>
          {t('integration.delivered')} <b className="num">{s.delivered}</b> · {t('integration.waiting')} <b className="num">{s.pending}</b>
        </span>
      </div>
      {s.message ? <div className={s.state === 'failed' || s.state === 'degraded' ? 'warn-text' : 'muted'}>{s.message}</div> : null}
    </div>
  );
}

function Panel({ title, status, children }: { title: string; status: AdapterStatusDto; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="panel stack">
      <header className="row">
        <h2 style={{ margin: 0 }}>{t(title)}</h2>
      </header>
      <StatusLine s={status} />
      {children}
    </div>
  );
}

function Enabled({ value, onChange, id }: { value: boolean; onChange: (v: boolean) => void; id: string }) {
  const { t } = useTranslation();
  return (
    <label className="row">
      <input type="checkbox" checked={value} data-testid={`${id}-enabled`} onChange={(e) => onChange(e.target.checked)} /> {t('integration.enabled')}
    </label>
  );
}

function num(v: string): number {
  return Number(v.trim());
}

function OpcuaPanel({ state, status, busy, onSave }: PanelProps) {
  const { t } = useTranslation();
  const c = state.config.opcua;
  const [enabled, setEnabled] = useState(c.enabled);
  const [host, setHost] = useState(c.host);
  const [port, setPort] = useState(String(c.port));
  const [insecure, setInsecure] = useState(c.allowInsecure);
  const [user, setUser] = useState(c.userName);
  const [password, setPassword] = useState('');
  return (
    <Panel title={TITLES.opcua} status={status}>
      <div className="row">
        <Enabled id="opcua" value={enabled} onChange={setEnabled} />
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.listenOn')}</span>
          <input className="input" value={host} onChange={(e) => setHost(e.target.value)} />
        </label>
        <label className="field" style={{ width: 110 }}>
          <span>{t('integration.port')}</span>
          <input className="input num" data-testid="opcua-port" value={port} onChange={(e) => setPort(e.target.value)} />
        </label>
      </div>
      <label className="row small">
        <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> {t('integration.insecure')}
      </label>
      <div className="row">
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.user')}</span>
          <input className="input" value={user} autoComplete="off" onChange={(e) => setUser(e.target.value)} />
        </label>
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.password')}</span>
          <input
            className="input"
            type="password"
            value={password}
            autoComplete="new-password"
            placeholder={c.hasPassword ? t('integration.unchanged') : t('integration.notSet')}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button
          className="btn primary"
          disabled={busy}
          data-testid="opcua-save"
          onClick={() =>
            void onSave({ opcua: { enabled, host: host.trim(), port: num(port), allowInsecure: insecure, userName: user.trim(), ...(password ? { password } : {}) } }).then(
              (ok) => ok && setPassword(''),
            )
          }
        >
          {t('log.apply')}
        </button>
      </div>
    </Panel>
  );
}

function ModbusPanel({ state, status, busy, onSave }: PanelProps) {
  const { t } = useTranslation();
  const c = state.config.modbus;
  const [enabled, setEnabled] = useState(c.enabled);
  const [host, setHost] = useState(c.host);
  const [port, setPort] = useState(String(c.port));
  const [unit, setUnit] = useState(String(c.unitId));
  return (
    <Panel title={TITLES.modbus} status={status}>
      <div className="row">
        <Enabled id="modbus" value={enabled} onChange={setEnabled} />
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.listenOn')}</span>
          <input className="input" value={host} onChange={(e) => setHost(e.target.value)} />
        </label>
        <label className="field" style={{ width: 110 }}>
          <span>{t('integration.port')}</span>
          <input className="input num" data-testid="modbus-port" value={port} onChange={(e) => setPort(e.target.value)} />
        </label>
        <label className="field" style={{ width: 90 }}>
          <span>{t('integration.unitId')}</span>
          <input className="input num" value={unit} onChange={(e) => setUnit(e.target.value)} />
        </label>
        <button
          className="btn primary"
          disabled={busy}
          data-testid="modbus-save"
          onClick={() => void onSave({ modbus: { enabled, host: host.trim(), port: num(port), unitId: num(unit) } })}
        >
          {t('log.apply')}
        </button>
      </div>
      <div className="small muted">
        {t('integration.modbusMap')}
      </div>
    </Panel>
  );
}

function MqttPanel({ state, status, busy, onSave }: PanelProps) {
  const { t } = useTranslation();
  const c = state.config.mqtt;
  const [enabled, setEnabled] = useState(c.enabled);
  const [url, setUrl] = useState(c.url);
  const [prefix, setPrefix] = useState(c.topicPrefix);
  const [user, setUser] = useState(c.userName);
  const [password, setPassword] = useState('');
  const base = `${prefix}/${state.stationId}`;
  return (
    <Panel title={TITLES.mqtt} status={status}>
      <div className="row">
        <Enabled id="mqtt" value={enabled} onChange={setEnabled} />
        <label className="field" style={{ flex: 2 }}>
          <span>{t('integration.broker')}</span>
          <input className="input" data-testid="mqtt-url" value={url} placeholder="mqtt://host:1883" onChange={(e) => setUrl(e.target.value)} />
        </label>
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.prefix')}</span>
          <input className="input" value={prefix} onChange={(e) => setPrefix(e.target.value)} />
        </label>
      </div>
      <div className="row">
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.user')}</span>
          <input className="input" value={user} autoComplete="off" onChange={(e) => setUser(e.target.value)} />
        </label>
        <label className="field" style={{ flex: 1 }}>
          <span>{t('integration.password')}</span>
          <input
            className="input"
            type="password"
            value={password}
            autoComplete="new-password"
            placeholder={c.hasPassword ? t('integration.unchanged') : t('integration.notSet')}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button
          className="btn primary"
          disabled={busy}
          data-testid="mqtt-save"
          onClick={() =>
            void onSave({ mqtt: { enabled, url: url.trim(), topicPrefix: prefix.trim(), userName: user, ...(password ? { password } : {}) } }).then((ok) => ok && setPassword(''))
          }
        >
          {t('log.apply')}
        </button>
      </div>
      <div className="small muted mono">
        {base}/result (QoS 1) · {base}/state (retained) · {base}/cmd → {base}/cmd/reply
      </div>
    </Panel>
  );
}

function ago(iso: string | null, now: number, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (!iso) return '—';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  return s < 60 ? t('integration.secondsAgo', { s: s.toFixed(1) }) : s < 3600 ? t('integration.minutesAgo', { m: Math.floor(s / 60) }) : new Date(iso).toLocaleString();
}

function Value({ v }: { v: SignalMonitorEntry['value'] }) {
  if (typeof v === 'boolean') return <span className={`tag ${v ? 'ok' : ''}`}>{v ? 'ON' : 'off'}</span>;
  if (typeof v === 'number') return <span className="num">{Number.isInteger(v) ? v : v.toFixed(4)}</span>;
  return <span className="mono">{v === '' ? '—' : v}</span>;
}

function SignalMonitor({ stationId, signals }: { stationId: string; signals: readonly SignalMonitorEntry[] }) {
  const [now, setNow] = useState(Date.now());
  const { t } = useTranslation();
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <div className="panel" data-testid="signal-monitor">
      <header className="row">
        <h2 style={{ margin: 0 }}>{t('integration.signals')}</h2>
        <span className="spacer" style={{ flex: 1 }} />
        <span className="small muted">
          {t('integration.station')} <b className="mono">{stationId}</b>
        </span>
      </header>
      <table style={{ width: '100%', borderCollapse: 'collapse', marginTop: 8 }}>
        <thead>
          <tr className="small muted" style={{ textAlign: 'left' }}>
            <th>{t('integration.signal')}</th>
            <th>{t('integration.state')}</th>
            <th>{t('integration.lastChange')}</th>
            <th style={{ textAlign: 'right' }}>{t('integration.changes')}</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s) => (
            <tr key={s.name} data-testid={`signal-${s.name}`} style={{ borderTop: '1px solid #20272f', height: 34 }}>
              <td>{s.name}</td>
              <td>
                <Value v={s.value} />
              </td>
              <td className="small muted" title={s.changedAt ?? ''}>
                {ago(s.changedAt, now, t)}
              </td>
              <td className="num" style={{ textAlign: 'right' }}>
                {s.changes}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
