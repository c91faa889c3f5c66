/**
 * Holds the connection to the station (Electron bridge or loopback WebSocket) and replaces it when it drops.
 * Screens read `useStation()`; when a new connection is made `generation` changes, so effects that subscribe
 * to events re-run against the new client.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { StationApi, SystemInfo } from '../../main/common/api.js';
import { connectStation, type StationConnection, type WindowLike } from '../../main/common/connect.js';
import { i18n } from './i18n/index.js';

export type LinkState = 'connecting' | 'open' | 'lost';

export interface Station {
  readonly api: StationApi;
  readonly shell: 'electron' | 'browser';
  readonly mediaUrl: (ref: string) => string;
  /** Bumps on every (re)connection. */
  readonly generation: number;
  readonly info: SystemInfo | null;
  readonly link: LinkState;
  readonly linkMessage: string;
  /** Seconds until the next automatic reconnect attempt, when lost. */
  readonly retryIn: number;
  reconnect(): void;
  refreshInfo(): void;
}

const StationContext = createContext<Station | null>(null);

export function useStation(): Station {
  const s = useContext(StationContext);
  if (!s) throw new Error('useStation outside <StationProvider>');
  return s;
}

const BACKOFF_S = [1, 2, 3, 5, 8, 10];

export function StationProvider({ children }: { children: ReactNode }) {
  const connRef = useRef<StationConnection | null>(null);
  const attempt = useRef(0);
  const [conn, setConn] = useState<StationConnection | null>(null);
  const [generation, setGeneration] = useState(0);
  const [info, setInfo] = useState<SystemInfo | null>(null);
  const [link, setLink] = useState<LinkState>('connecting');
  const [linkMessage, setLinkMessage] = useState('');
  const [retryIn, setRetryIn] = useState(0);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  const connect = useCallback(() => {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
    connRef.current?.dispose();
    setLink('connecting');
    let c: StationConnection;
    try {
      c = connectStation(window as unknown as WindowLike);
    } catch (e) {
      setLink('lost');
      setLinkMessage(e instanceof Error ? e.message : String(e));
      return;
    }
    connRef.current = c;
    let isLost = false;
    const lost = (why: string) => {
      if (connRef.current !== c || isLost) return;
      isLost = true;
      setLink('lost');
      setLinkMessage(why);
      const wait = BACKOFF_S[Math.min(attempt.current, BACKOFF_S.length - 1)];
      attempt.current++;
      let left = wait;
      setRetryIn(left);
      timer.current = setInterval(() => {
        left--;
        setRetryIn(left);
        if (left <= 0) connect();
      }, 1000);
    };
    c.onClose(() => lost('The connection to the station closed.'));
    void c.api.system.info().then((r) => {
      if (connRef.current !== c) return;
      if (r.ok) {
        attempt.current = 0;
        setInfo(r.value);
        setConn(c);
        setGeneration((g) => g + 1);
        setLink('open');
        setLinkMessage('');
      } else {
        lost(r.error.message);
      }
    });
  }, []);

  useEffect(() => {
    connect();
    return () => {
      if (timer.current) clearInterval(timer.current);
      connRef.current?.dispose();
      connRef.current = null;
    };
  }, [connect]);

  const refreshInfo = useCallback(() => {
    const c = connRef.current;
    if (!c) return;
    void c.api.system.info().then((r) => {
      if (r.ok && connRef.current === c) setInfo(r.value);
    });
  }, []);

  if (!conn) {
    return (
      <div className="boot">
        <div className="panel stack boot-panel">
          <h2>{i18n.t('app.brand')}</h2>
          {link === 'lost' ? (
            <>
              <p className="banner error" role="alert">
                {i18n.t('app.cannotReach', { why: linkMessage || i18n.t('app.noConnection') })}
              </p>
              <p className="muted small">
                {i18n.t('app.openPrinted')}
                {retryIn > 0 ? ` ${i18n.t('app.retryingIn', { s: retryIn })}` : ''}
              </p>
              <div>
                <button className="btn primary" onClick={connect}>
                  {i18n.t('app.reconnectNow')}
                </button>
              </div>
            </>
          ) : (
            <p className="muted">{i18n.t('app.connecting')}</p>
          )}
        </div>
      </div>
    );
  }

  const value: Station = {
    api: conn.api,
    shell: conn.shell,
    mediaUrl: conn.mediaUrl,
    generation,
    info,
    link,
    linkMessage,
    retryIn,
    reconnect: connect,
    refreshInfo,
  };
  return <StationContext.Provider value={value}>{children}</StationContext.Provider>;
}
