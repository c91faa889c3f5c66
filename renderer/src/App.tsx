/** The station's shell: top bar with the screens and status, connection and notice banners. */
import { useState } from 'react';
import type { Notice } from '../../main/common/api.js';
import { ErrorBoundary, ErrorsProvider } from './components/Feedback.js';
import { useStation } from './connection.js';
import { useEvent, useLoad } from './lib/hooks.js';
import { usePersistent } from './lib/persist.js';
import { Annotate } from './screens/Annotate.js';
import { InspectionLog } from './screens/InspectionLog.js';
import { LiveView } from './screens/LiveView.js';
import { ThresholdTuning } from './screens/ThresholdTuning.js';
import { Training } from './screens/Training.js';
import { Integration } from './screens/Integration.js';

const SCREENS = [
  { id: 'live', label: 'Live', render: () => <LiveView /> },
  { id: 'threshold', label: 'Threshold', render: () => <ThresholdTuning /> },
  { id: 'annotate', label: 'Annotate', render: () => <Annotate /> },
  { id: 'training', label: 'Training', render: () => <Training /> },
  { id: 'log', label: 'Log', render: () => <InspectionLog /> },
  { id: 'integration', label: 'Integration', render: () => <Integration /> },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];

export function App() {
  const initial = (new URLSearchParams(window.location.search).get('screen') as ScreenId | null) ?? undefined;
  const [screen, setScreen] = usePersistent<ScreenId>('screen', initial ?? 'live');
  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0];
  return (
    <ErrorsProvider>
      <div className="app">
        <TopBar screen={current.id} onScreen={setScreen} />
        <Banners />
        <main className="screen" data-screen={current.id}>
          <ErrorBoundary key={current.id} name={current.label}>
            {current.render()}
          </ErrorBoundary>
        </main>
      </div>
    </ErrorsProvider>
  );
}

function TopBar({ screen, onScreen }: { screen: ScreenId; onScreen: (s: ScreenId) => void }) {
  const { api, info, link, refreshInfo } = useStation();
  const active = useLoad('Active model', (a) => a.models.active());
  useEvent(api.models.onChanged, () => {
    active.reload();
    refreshInfo();
  });
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" /> Inspection Station
      </div>
      <nav className="tabs" role="tablist">
        {SCREENS.map((s) => (
          <button key={s.id} role="tab" className="tab" aria-selected={s.id === screen} data-testid={`tab-${s.id}`} onClick={() => onScreen(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      <div className="topbar-status">
        <span title="Active model">
          model <b data-testid="active-model">{active.value ? active.value.name : 'none'}</b>
        </span>
        <span title="ONNX Runtime execution provider">
          EP <b>{info?.activeExecutionProvider ?? '—'}</b>
        </span>
        <span data-testid="link-state">
          <span className={`dot ${link === 'open' ? 'ok' : link === 'lost' ? 'bad' : 'warn'}`} />
          {link === 'open' ? 'connected' : link}
        </span>
      </div>
    </header>
  );
}

function Banners() {
  const { api, link, linkMessage, retryIn, reconnect } = useStation();
  const [notices, setNotices] = useState<(Notice & { id: number })[]>([]);
  useEvent(api.system.onNotice, (n) => {
    if (n.level === 'info') return;
    setNotices((p) => [...p.filter((x) => x.message !== n.message), { ...n, id: Date.now() + Math.random() }].slice(-3));
  });
  return (
    <div>
      {link === 'lost' ? (
        <div className="banner error" role="alert" data-testid="connection-lost">
          <span className="kind">offline</span>
          <span className="grow">
            Connection to the station lost{linkMessage ? ` (${linkMessage})` : ''}. {retryIn > 0 ? `Reconnecting in ${retryIn} s…` : 'Reconnecting…'}
          </span>
          <button className="btn small" onClick={reconnect}>
            Reconnect now
          </button>
        </div>
      ) : null}
      {link === 'connecting' ? <div className="banner warn">Reconnecting to the station…</div> : null}
      {notices.map((n) => (
        <div key={n.id} className={`banner ${n.level === 'error' ? 'error' : 'warn'}`} role="status">
          <span className="kind">{n.level}</span>
          <span className="grow">{n.message}</span>
          <button className="btn small" onClick={() => setNotices((p) => p.filter((x) => x.id !== n.id))}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
