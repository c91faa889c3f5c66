/** The Log screen's filter form (time range, verdict, model, source) and its export buttons. */
import { useState } from 'react';
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
  return (
    <form
      className="panel filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(toFilter(form));
      }}
    >
      <label className="field">
        <span>From</span>
        <input className="input" type="datetime-local" value={form.from} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label className="field">
        <span>To</span>
        <input className="input" type="datetime-local" value={form.to} onChange={(e) => set('to', e.target.value)} />
      </label>
      <label className="field">
        <span>Verdict</span>
        <select className="input" value={form.verdict} data-testid="filter-verdict" onChange={(e) => set('verdict', e.target.value)}>
          <option value="">All</option>
          <option value="OK">OK</option>
          <option value="NG">NG</option>
          <option value="ERROR">ERROR</option>
        </select>
      </label>
      <label className="field">
        <span>Model</span>
        <select className="input" value={form.modelId} onChange={(e) => set('modelId', e.target.value)}>
          <option value="">All models</option>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Source</span>
        <input className="input" value={form.source} placeholder="any" onChange={(e) => set('source', e.target.value)} />
      </label>
      <button className="btn primary" type="submit" data-testid="filter-apply">
        Apply
      </button>
      <button
        className="btn"
        type="button"
        onClick={() => {
          setForm(EMPTY);
          onApply({});
        }}
      >
        Clear
      </button>
      <span style={{ flex: 1 }} />
      <div className="row">
        <button className="btn" type="button" data-testid="export-csv" onClick={() => onExport('csv')}>
          Export CSV
        </button>
        <button className="btn" type="button" data-testid="export-json" onClick={() => onExport('json')}>
          Export JSON
        </button>
      </div>
    </form>
  );
}
