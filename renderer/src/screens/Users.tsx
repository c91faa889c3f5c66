/**
 * Users (administrator): local accounts with a role and a password or PIN; lock, unlock, disable; kiosk mode and
 * idle logout. Creating the first administrator ends open mode (this screen stays logged in as it).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role, type UserDto } from '../../../main/common/accounts.js';
import { useStation } from '../connection.js';
import { useAuth } from '../lib/auth.js';
import { useCall, useLoad } from '../lib/hooks.js';

export function Users() {
  const { t } = useTranslation();
  const { state } = useAuth();
  // Strict here (not "allowed until known"): the list is only asked for by those who may see it.
  if (!state?.permissions.includes('users')) return <div className="panel empty">{t('access.needsAdmin')}</div>;
  return <UsersAdmin />;
}

function UsersAdmin() {
  const { api } = useStation();
  const { t } = useTranslation();
  const { state } = useAuth();
  const loaded = useLoad('Users', (a) => a.users.list(), [state?.actor]);
  const [users, setUsers] = useState<UserDto[]>([]);
  useEffect(() => setUsers(loaded.value ?? []), [loaded.value]);
  const { run, busy } = useCall();
  const [form, setForm] = useState<{ name: string; displayName: string; role: Role; secretKind: 'password' | 'pin'; secret: string }>({
    name: '',
    displayName: '',
    role: 'operator',
    secretKind: 'pin',
    secret: '',
  });
  const [idle, setIdle] = useState('');
  useEffect(() => setIdle(String(state?.idleMinutes ?? '')), [state?.idleMinutes]);
  const update = (req: Parameters<typeof api.users.update>[0]) => void run('Update user', () => api.users.update(req)).then((u) => u && loaded.reload());
  return (
    <div className="grid-log" data-testid="users-view">
      <div className="panel stack">
        <header>
          <h2>{t('access.users')}</h2>
        </header>
        {state?.mode === 'open' ? <p className="warn-text small">{t('access.openModeHelp')}</p> : null}
        <table className="list" data-testid="users-table">
          <thead>
            <tr>
              <th>{t('access.userName')}</th>
              <th>{t('access.roleLabel')}</th>
              <th>{t('access.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.name} data-testid={`user-row-${u.name}`}>
                <td>
                  <b>{u.name}</b> <span className="muted">{u.displayName}</span>
                </td>
                <td>
                  <select className="input" value={u.role} disabled={busy} onChange={(e) => update({ name: u.name, role: e.target.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`access.role.${r}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{u.disabled ? t('access.disabled') : u.locked ? t('access.locked') : t('access.active')}</td>
                <td className="row">
                  {u.locked ? (
                    <button className="btn small" disabled={busy} onClick={() => update({ name: u.name, unlock: true })}>
                      {t('access.unlock')}
                    </button>
                  ) : null}
                  <button className="btn small" disabled={busy} onClick={() => update({ name: u.name, disabled: !u.disabled })}>
                    {u.disabled ? t('access.enable') : t('access.disable')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void run('Create user', () => api.users.create(form)).then((u) => {
              if (u) {
                setForm({ ...form, name: '', displayName: '', secret: '' });
                loaded.reload();
              }
            });
          }}
        >
          <div className="row">
            <input className="input" data-testid="user-new-name" placeholder={t('access.userName')} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
            <input className="input" placeholder={t('access.displayName')} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
            <select className="input" data-testid="user-new-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`access.role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="row">
            <select className="input" data-testid="user-new-kind" value={form.secretKind} onChange={(e) => setForm({ ...form, secretKind: e.target.value as 'password' | 'pin' })}>
              <option value="pin">{t('access.pin')}</option>
              <option value="password">{t('access.password')}</option>
            </select>
            <input className="input"
              type="password"
              autoComplete="new-password"
              data-testid="user-new-secret"
              placeholder={form.secretKind === 'pin' ? t('access.pinHelp') : t('access.passwordHelp')}
              value={form.secret}
              onChange={(e) => setForm({ ...form, secret: e.target.value })}
            />
            <button className="btn primary" type="submit" data-testid="user-create" disabled={busy || !form.name || !form.secret}>
              {t('access.createUser')}
            </button>
          </div>
        </form>
      </div>
      <div className="panel stack">
        <header>
          <h2>{t('access.loginSettings')}</h2>
        </header>
        <label className="row">
          <input type="checkbox" data-testid="kiosk" checked={state?.kiosk ?? false} disabled={busy} onChange={(e) => void run('Kiosk', () => api.users.configure({ kiosk: e.target.checked }))} />
          {t('access.kioskHelp')}
        </label>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void run('Idle logout', () => api.users.configure({ idleMinutes: Number(idle) }));
          }}
        >
          {t('access.idleHelp')}
          <input className="input" type="number" min={0} max={1440} value={idle} style={{ width: 90 }} onChange={(e) => setIdle(e.target.value)} />
          <button className="btn small" type="submit" disabled={busy}>
            {t('access.save')}
          </button>
        </form>
      </div>
    </div>
  );
}
