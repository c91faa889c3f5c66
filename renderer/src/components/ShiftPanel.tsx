/**
 * Shift and lot counters (from the log: they survive restarts), the shift report (CSV and a printable page), and
 * the floor settings an engineer changes: NG latch, NG-rate limits and disk budget of the product, shift starts.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FloorSettings, ShiftReport, VerdictCounts } from '../../../main/common/floor.js';
import { useStation } from '../connection.js';
import { useCall } from '../lib/hooks.js';
import { fmtBytes, useFloor } from '../lib/floor.js';

function Counts({ id, c }: { id: string; c: VerdictCounts }) {
  const { t } = useTranslation();
  const rate = c.total > 0 ? ((100 * c.ng) / c.total).toFixed(1) : '0.0';
  return (
    <span className="mono" data-testid={`${id}-counts`} data-total={c.total} data-ng={c.ng}>
      <b data-testid={`${id}-total`}>{c.total}</b> {t('floor.parts')} · <span className="ok-text">{c.ok} OK</span> · <span className="ng-text" data-testid={`${id}-ng`}>{c.ng} NG</span>
      {c.error ? ` · ${c.error} ERROR` : ''} · {rate} % NG
    </span>
  );
}

export function ShiftPanel() {
  const floor = useFloor();
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const [report, setReport] = useState<ShiftReport | null>(null);
  const [editing, setEditing] = useState(false);
  const { t } = useTranslation();
  if (!floor) return null;
  return (
    <div className="panel shift-panel" data-testid="shift-panel">
      <div className="row small" style={{ justifyContent: 'space-between', flexWrap: 'wrap', gap: 6 }}>
        <span>
          {t('floor.shift')} <b data-testid="shift-name">{floor.shift.name}</b>: <Counts id="shift" c={floor.shift.counts} />
        </span>
        {floor.lot ? (
          <span>
            {t('floor.lot')} <b data-testid="lot-name">{floor.lot.name}</b>: <Counts id="lot" c={floor.lot.counts} />
          </span>
        ) : null}
      </div>
      <div className="row small" style={{ gap: 8, marginTop: 6, flexWrap: 'wrap' }}>
        <button className="btn small" data-testid="shift-report" disabled={busy} onClick={() => void run(t('floor.shiftReport'), () => api.floor.report({})).then((r) => r && setReport(r))}>
          {t('floor.shiftReport')}
        </button>
        {report ? (
          <>
            <a className="btn small" data-testid="report-html" href={mediaUrl(report.html)} target="_blank" rel="noreferrer">
              {t('floor.openPrintable')}
            </a>
            <a className="btn small" data-testid="report-csv" href={mediaUrl(report.csv)} download>
              CSV
            </a>
          </>
        ) : null}
        <span className="muted" data-testid="retention-usage" title={t('floor.retentionTitle')}>
          {t('floor.images', { used: fmtBytes(floor.retention.usedBytes), budget: fmtBytes(floor.retention.budgetBytes) })}
          {floor.retention.prunedRows ? ` · ${t('floor.prunedRows', { n: floor.retention.prunedRows })}` : ''} · {t('floor.diskFree', { free: fmtBytes(floor.disk.freeBytes) })}
        </span>
        <button className="btn small" data-testid="floor-settings-toggle" onClick={() => setEditing((e) => !e)}>
          {editing ? t('floor.closeSettings') : t('floor.settings')}
        </button>
      </div>
      {editing ? <FloorSettingsForm productId={floor.productId} onSaved={() => setEditing(false)} /> : null}
    </div>
  );
}

function FloorSettingsForm({ productId, onSaved }: { productId: string; onSaved: () => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const [s, setS] = useState<FloorSettings | null>(null);
  const [latch, setLatch] = useState(true);
  const [n, setN] = useState(3);
  const [m, setM] = useState(20);
  const [budgetMb, setBudgetMb] = useState(5000);
  const [shifts, setShifts] = useState('06:00, 14:00, 22:00');
  useEffect(() => {
    void api.floor.settings({ productId }).then((r) => {
      if (!r.ok) return;
      setS(r.value);
      setLatch(r.value.product.ngLatch);
      setN(r.value.product.ngRate.n);
      setM(r.value.product.ngRate.m);
      setBudgetMb(Math.round(r.value.retention.budgetBytes / 1e6));
      setShifts(r.value.station.shifts.join(', '));
    });
  }, [api, productId]);
  if (!s) return null;
  const save = () =>
    run(t('floor.saveSettings'), () =>
      api.floor.configure({
        productId,
        product: { ngLatch: latch, ngRate: { n, m } },
        retention: { budgetBytes: Math.round(budgetMb * 1e6) },
        station: { shifts: shifts.split(/[,\s]+/).filter(Boolean) },
        reason: 'floor settings on Live',
      }),
    ).then((r) => r && onSaved());
  return (
    <div className="floor-settings small" data-testid="floor-settings">
      <label className="row">
        <input type="checkbox" data-testid="set-latch" checked={latch} onChange={(e) => setLatch(e.target.checked)} /> {t('floor.latchSetting')}
      </label>
      <label className="row">
        {t('floor.ngRateSetting')} <input className="num-input" type="number" min={0} max={1000} data-testid="set-ng-n" value={n} onChange={(e) => setN(Number(e.target.value))} /> {t('floor.ngInLast')}
        <input className="num-input" type="number" min={1} max={1000} data-testid="set-ng-m" value={m} onChange={(e) => setM(Number(e.target.value))} /> {t('floor.partsOff')}
      </label>
      <label className="row">
        {t('floor.imageBudget')} <input className="num-input" type="number" min={0} step="any" data-testid="set-budget" value={budgetMb} onChange={(e) => setBudgetMb(Number(e.target.value))} /> MB
      </label>
      <label className="row">
        {t('floor.shiftStarts')} <input data-testid="set-shifts" value={shifts} onChange={(e) => setShifts(e.target.value)} style={{ width: 180 }} />
      </label>
      <button className="btn small primary" data-testid="floor-settings-save" disabled={busy} onClick={() => void save()}>
        {t('floor.save')}
      </button>
    </div>
  );
}
