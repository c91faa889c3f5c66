/** The station's shell: top bar with the screens and status, connection and notice banners. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
import { Products } from './screens/Products.js';
import { AuditTrail } from './screens/AuditTrail.js';
import { Users } from './screens/Users.js';
import { AccountBadge } from './components/AccountBadge.js';
import { useAuth } from './lib/auth.js';
import { LanguageSwitch } from './components/LanguageSwitch.js';
import { noticesAfter, type ShownNotice } from './lib/notices.js';

const SCREENS = [
  { id: 'live', label: 'Live', render: () => <LiveView /> },
  { id: 'threshold', label: 'Threshold', render: () => <ThresholdTuning /> },
  { id: 'annotate', label: 'Annotate', render: () => <Annotate /> },
  { id: 'training', label: 'Training', render: () => <Training /> },
  { id: 'log', label: 'Log', render: () => <InspectionLog /> },
  { id: 'integration', label: 'Integration', render: () => <Integration /> },
  { id: 'products', label: 'Products', render: () => <Products /> },
  { id: 'audit', label: 'Audit', render: () => <AuditTrail /> },
  { id: 'users', label: 'Users', render: () => <Users /> },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];

export function App() {
  const initial = (new URLSearchParams(window.location.search).get('screen') as ScreenId | null) ?? undefined;
  const [screen, setScreen] = usePersistent<ScreenId>('screen', initial ?? 'live');
  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0];
  const { t } = useTranslation();
  // A login or logout remounts the screen, so it loads again with the new rights.
  const actor = useAuth().state?.actor ?? '';
  return (
    <ErrorsProvider>
      <div className="app">
        <TopBar screen={current.id} onScreen={setScreen} />
        <Banners />
        <main className="screen" data-screen={current.id}>
          <ErrorBoundary key={`${current.id}:${actor}`} name={t(`app.tab.${current.id}`)}>
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
  const { t } = useTranslation();
  useEvent(api.models.onChanged, () => {
    active.reload();
    refreshInfo();
  });
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" /> <span className="brand-name">{t('app.brand')}</span>
      </div>
      <nav className="tabs" role="tablist">
        {SCREENS.map((s) => (
          <button key={s.id} role="tab" className="tab" aria-selected={s.id === screen} data-testid={`tab-${s.id}`} onClick={() => onScreen(s.id)}>
            {t(`app.tab.${s.id}`)}
          </button>
        ))}
      </nav>
      <div className="topbar-status">
        <span title={t('app.activeModelTitle')}>
          {t('app.model')} <b data-testid="active-model">{active.value ? active.value.name : t('app.none')}</b>
        </span>
        <span title={t('app.epTitle')}>
          EP <b>{info?.activeExecutionProvider ?? '—'}</b>
        </span>
        <span data-testid="link-state" data-link={link}>
          <span className={`dot ${link === 'open' ? 'ok' : link === 'lost' ? 'bad' : 'warn'}`} />
          {t(`app.link.${link}`)}
        </span>
        <LanguageSwitch />
        <AccountBadge />
      </div>
    </header>
  );
}

function Banners() {
  const { api, link, linkMessage, retryIn, reconnect } = useStation();
  const [notices, setNotices] = useState<ShownNotice[]>([]);
  const { t } = useTranslation();
  useEvent(api.system.onNotice, (n: Notice) => setNotices((p) => noticesAfter(p, n)));
  return (
    <div className="banners" data-testid="banners">
      {link === 'lost' ? (
        <div className="banner error" role="alert" data-testid="connection-lost">
          <span className="kind">{t('app.offline')}</span>
          <span className="grow">
            {t('app.connectionLost')}
            {linkMessage ? ` (${linkMessage})` : ''}. {retryIn > 0 ? t('app.reconnectingIn', { s: retryIn }) : t('app.reconnecting')}
          </span>
          <button className="btn small" onClick={reconnect}>
            {t('app.reconnectNow')}
          </button>
        </div>
      ) : null}
      {link === 'connecting' ? <div className="banner warn">{t('app.reconnectingToStation')}</div> : null}
      {notices.map((n) => (
        <div key={n.id} className={`banner ${n.level === 'error' ? 'error' : 'warn'}`} role="status" data-testid="notice" data-key={n.key ?? ''}>
          <span className="kind">{t(`app.level.${n.level}`)}</span>
          <span className="grow">
            {n.message}
            {n.repeats > 1 ? <span className="muted"> ×{n.repeats}</span> : null}
          </span>
          <button className="btn small" onClick={() => setNotices((p) => p.filter((x) => x.id !== n.id))}>
            {t('common.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}
