/** The Log screen's filter form (time range, verdict, model, source) and its export buttons. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LogFilter, ModelSummary } from '../../../../main/common/api.js';

interface FilterForm {
  from: string; // datetime-local value
  to: string;
  verdict: '' | 'OK' | 'NG' | 'ERROR';
  modelId: string;
  source: string;
}

const EMPTY: FilterForm = { from: '', to: '', verdict: '', modelId: '', source: '' };

function toFilter(f: FilterForm): LogFilter {
  const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
  return {
    from: iso(f.from),
    to: iso(f.to),
    verdict: f.verdict || undefined,
    modelId: f.modelId || undefined,
    source: f.source.trim() || undefined,
  };
}

export function LogFilters({
  models,
  onApply,
  onExport,
}: {
  models: readonly ModelSummary[];
  onApply: (f: LogFilter) => void;
  onExport: (format: 'csv' | 'json') => void;
}) {
  const [form, setForm] = useState<FilterForm>(EMPTY);
  const set = (k: keyof FilterForm, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const { t } = useTranslation();
  return (
    <form
      className="panel filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(toFilter(form));
      }}
    >
      <label className="field">
        <span>{t('log.from')}</span>
        <input className="input" type="datetime-local" value={form.from} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label className="field">
        <span>{t('log.to')}</span>
        <input className="input" type="datetime-local" value={form.to} onChange={(e) => set('to', e.target.value)} />
      </label>
      <label className="field">
        <span>{t('log.verdict')}</span>
        <select className="input" value={form.verdict} data-testid="filter-verdict" onChange={(e) => set('verdict', e.target.value)}>
          <option value="">{t('log.all')}</option>
          <option value="OK">OK</option>
          <option value="NG">NG</option>
          <option value="ERROR">ERROR</option>
        </select>
      </label>
      <label className="field">
        <span>{t('log.model')}</span>
        <select className="input" value={form.modelId} onChange={(e) => set('modelId', e.target.value)}>
          <option value="">{t('log.allModels')}</option>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('log.source')}</span>
        <input className="input" value={form.source} placeholder={t('log.any')} onChange={(e) => set('source', e.target.value)} />
      </label>
      <button className="btn primary" type="submit" data-testid="filter-apply">
        {t('log.apply')}
      </button>
      <button
        className="btn"
        type="button"
        onClick={() => {
          setForm(EMPTY);
          onApply({});
        }}
      >
        {t('log.clear')}
      </button>
      <span style={{ flex: 1 }} />
      <div className="row">
        <button className="btn" type="button" data-testid="export-csv" onClick={() => onExport('csv')}>
          {t('log.exportCsv')}
        </button>
        <button className="btn" type="button" data-testid="export-json" onClick={() => onExport('json')}>
          {t('log.exportJson')}
        </button>
      </div>
    </form>
  );
}
