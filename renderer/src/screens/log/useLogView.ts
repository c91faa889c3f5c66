/**
 * The Log screen's data: one keyset page and the filter's summary, loaded when the filter changes or the
 * operator pages, and then kept current from `log.onAppended` alone: a new matching inspection is added to the
 * newest page and to the counts in place, so parts arriving never trigger a reload or a recount.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogFilter, LogSummary } from '../../../../main/common/api.js';
import { useStation } from '../../connection.js';
import { useCall, useEvent } from '../../lib/hooks.js';
import { EMPTY_VIEW, PAGE, appendToSummary, appendToView, pageQuery, viewAfter, type LogView, type PageMove } from './log-view.js';

export function useLogView(filter: LogFilter): { view: LogView; summary: LogSummary | null; move: (m: PageMove) => void; loaded: boolean } {
  const { api, generation } = useStation();
  const { run } = useCall();
  const [view, setView] = useState<LogView>(EMPTY_VIEW);
  const [summary, setSummary] = useState<LogSummary | null>(null);
  const [loaded, setLoaded] = useState(false);
  const viewRef = useRef(view);
  viewRef.current = view;
  const summaryRef = useRef(summary);
  summaryRef.current = summary;
  // Replies can arrive out of order (filter changed while a query ran): only the newest request may render.
  const seq = useRef(0);

  const move = useCallback(
    async (m: PageMove) => {
      const mine = ++seq.current;
      const q = pageQuery(viewRef.current, m);
      const page = await run('Load log', () => api.log.query({ ...filter, ...q, limit: PAGE }));
      if (mine !== seq.current || !page) return;
      // Paging newer up to the newest rows: show the full newest page instead of a partial one.
      if (m === 'newer' && !page.next) return void move('newest');
      setView(viewAfter(viewRef.current, m, page.items, page.next !== null, summaryRef.current?.total ?? page.total));
      setLoaded(true);
    },
    [api, run, filter],
  );

  // A new filter (or a reconnect): the summary once and the newest page, shown together.
  useEffect(() => {
    const mine = ++seq.current;
    setSummary(null);
    setView(EMPTY_VIEW);
    setLoaded(false);
    void Promise.all([
      run('Load log', () => api.log.query({ ...filter, order: 'newest', limit: PAGE })),
      run('Log summary', () => api.log.summary(filter)),
    ]).then(([page, s]) => {
      if (mine !== seq.current || !page || !s) return;
      setSummary(s);
      setView(viewAfter(EMPTY_VIEW, 'newest', page.items, page.next !== null, s.total));
      setLoaded(true);
    });
  }, [api, run, filter, generation]);

  useEvent(api.log.onAppended, (r) => {
    setView((v) => appendToView(v, r, filter));
    setSummary((s) => appendToSummary(s, r, filter));
  });

  return { view, summary, move: (m) => void move(m), loaded };
}
