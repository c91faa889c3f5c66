/**
 * Top-bar login: who this screen acts as (open mode, kiosk operator, a user), log in with a password or PIN, log out.
 * When accounts exist and there is no kiosk mode, the whole station waits behind the login form.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useStation } from '../connection.js';
import { useAuth } from '../lib/auth.js';
import { useCall } from '../lib/hooks.js';

export function AccountBadge() {
  const { api } = useStation();
  const { state } = useAuth();
  const { t } = useTranslation();
  const { run, busy } = useCall();
  const [open, setOpen] = useState(false);
  if (!state) return null;
  const who =
    state.mode === 'open' && !state.user
      ? t('access.openMode')
      : state.user
        ? `${state.user.displayName || state.user.name} · ${t(`access.role.${state.user.role}`)}`
        : state.actor === 'kiosk'
          ? t('access.kiosk')
          : t('access.notLoggedIn');
  const gate = state.actor === 'anonymous';
  return (
    <span className="row small account" data-testid="account" data-actor={state.actor} data-mode={state.mode}>
      <span title={state.mode === 'open' ? t('access.openModeTitle') : ''}>
        <b data-testid="account-who">{who}</b>
      </span>
      {state.user ? (
        <button className="btn small" data-testid="logout" disabled={busy} onClick={() => void run('Log out', () => api.auth.logout())}>
          {t('access.logout')}
        </button>
      ) : state.mode === 'enforced' ? (
        <button className="btn small" data-testid="login-open" onClick={() => setOpen(true)}>
          {t('access.login')}
        </button>
      ) : null}
      {open || gate ? <LoginForm overlay={gate} onDone={() => setOpen(false)} /> : null}
    </span>
  );
}

function LoginForm({ overlay, onDone }: { overlay: boolean; onDone: () => void }) {
  const { api } = useStation();
  const { t } = useTranslation();
  const { run, busy } = useCall();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const s = await run('Log in', () => api.auth.login({ name, secret }));
    setSecret('');
    if (s) onDone();
  };
  return (
    <div className={overlay ? 'login-overlay' : 'login-popover'} data-testid="login-form">
      <form className="panel stack" onSubmit={(e) => void submit(e)}>
        <h2>{overlay ? t('access.loginRequired') : t('access.login')}</h2>
        <label className="stack small">
          {t('access.userName')}
          <input className="input" autoFocus autoComplete="username" data-testid="login-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="stack small">
          {t('access.secret')}
          <input className="input" type="password" autoComplete="current-password" data-testid="login-secret" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <div className="row">
          <button className="btn primary" type="submit" data-testid="login-submit" disabled={busy || !name || !secret}>
            {t('access.login')}
          </button>
          {overlay ? null : (
            <button className="btn" type="button" onClick={onDone}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
