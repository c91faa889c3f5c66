/**
 * Products (recipes): each bundles its models (the active one with its threshold), settings, line index and lot.
 * Create, clone (with a copy of the active model), rename, give a line index, archive / restore, switch.
 * Every change is in the audit trail.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductDto } from '../../../main/common/accounts.js';
import { useStation } from '../connection.js';
import { useAuth } from '../lib/auth.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';

const indexOf = (v: string): number | null => (v.trim() === '' ? null : Number(v));

export function Products() {
  const { api } = useStation();
  const { t } = useTranslation();
  const { can } = useAuth();
  const loaded = useLoad('Products', (a) => a.products.list({ includeArchived: true }));
  const [products, setProducts] = useState<ProductDto[]>([]);
  useEffect(() => setProducts(loaded.value ?? []), [loaded.value]);
  useEvent(api.products.onChanged, setProducts);
  const { run, busy } = useCall();
  const [name, setName] = useState('');
  const [lineIndex, setLineIndex] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const sel = products.find((p) => p.id === selected) ?? null;
  const edit = can('products');

  return (
    <div className="grid-log" data-testid="products-view">
      <div className="panel stack">
        <header>
          <h2>{t('access.products')}</h2>
        </header>
        <table className="list" data-testid="products-table">
          <thead>
            <tr>
              <th>{t('access.name')}</th>
              <th>{t('access.lineIndex')}</th>
              <th>{t('access.model')}</th>
              <th>{t('access.lot')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr
                key={p.id}
                data-testid={`product-row-${p.id}`}
                data-current={p.current}
                aria-selected={p.id === selected}
                className={p.archived ? 'muted' : ''}
                onClick={() => setSelected(p.id)}
              >
                <td>
                  <b>{p.name}</b> <span className="mono small muted">{p.id}</span>
                  {p.current ? <span className="chip ok">{t('access.current')}</span> : null}
                  {p.archived ? <span className="chip">{t('access.archived')}</span> : null}
                </td>
                <td className="num">{p.lineIndex ?? '—'}</td>
                <td>{p.activeModelName ?? <span className="muted">{t('access.noModel')}</span>}</td>
                <td>{p.lotName || '—'}</td>
                <td>
                  {!p.current && !p.archived ? (
                    <button
                      className="btn small"
                      data-testid={`product-use-${p.id}`}
                      disabled={busy || !edit}
                      onClick={(e) => {
                        e.stopPropagation();
                        void run('Switch product', () => api.products.use({ id: p.id }));
                      }}
                    >
                      {t('access.use')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {edit ? (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void run('Create product', () => api.products.create({ name, lineIndex: indexOf(lineIndex) })).then((p) => {
                if (p) {
                  setName('');
                  setLineIndex('');
                  setSelected(p.id);
                }
              });
            }}
          >
            <input className="input" data-testid="product-new-name" placeholder={t('access.newProductName')} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
            <input className="input"
              data-testid="product-new-index"
              type="number"
              min={0}
              max={65535}
              placeholder={t('access.lineIndex')}
              value={lineIndex}
              style={{ width: 110 }}
              onChange={(e) => setLineIndex(e.target.value)}
            />
            <button className="btn primary" type="submit" data-testid="product-create" disabled={busy || !name.trim()}>
              {t('access.create')}
            </button>
          </form>
        ) : (
          <p className="muted small">{t('access.needsEngineer')}</p>
        )}
      </div>
      {sel && edit ? <ProductEditor key={sel.id} product={sel} /> : <div className="panel empty">{t('access.selectProduct')}</div>}
    </div>
  );
}

function ProductEditor({ product }: { product: ProductDto }) {
  const { api } = useStation();
  const { t } = useTranslation();
  const { run, busy } = useCall();
  const [name, setName] = useState(product.name);
  const [lineIndex, setLineIndex] = useState(product.lineIndex === null ? '' : String(product.lineIndex));
  const [cloneName, setCloneName] = useState(`${product.name} copy`);
  const [settings, setSettings] = useState(JSON.stringify(product.settings, null, 2));
  const parsed = (() => {
    try {
      const v = JSON.parse(settings) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  })();
  const dirty = name !== product.name || indexOf(lineIndex) !== product.lineIndex || JSON.stringify(parsed) !== JSON.stringify(product.settings);
  return (
    <div className="panel stack" data-testid="product-editor">
      <header>
        <h2>{product.name}</h2>
      </header>
      <label className="stack small">
        {t('access.name')}
        <input className="input" data-testid="product-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="stack small">
        {t('access.lineIndexHelp')}
        <input className="input" data-testid="product-index" type="number" min={0} max={65535} value={lineIndex} onChange={(e) => setLineIndex(e.target.value)} />
      </label>
      <label className="stack small">
        {t('access.settingsHelp')}
        <textarea className="input mono" rows={6} data-testid="product-settings" value={settings} onChange={(e) => setSettings(e.target.value)} />
        {parsed ? null : <span className="warn-text">{t('access.settingsInvalid')}</span>}
      </label>
      <div className="row">
        <button
          className="btn primary"
          data-testid="product-save"
          disabled={busy || !dirty || !parsed || !name.trim()}
          onClick={() => void run('Save product', () => api.products.update({ id: product.id, name, lineIndex: indexOf(lineIndex), settings: parsed ?? undefined }))}
        >
          {t('access.save')}
        </button>
        <button
          className="btn"
          data-testid="product-archive"
          disabled={busy || product.current}
          title={product.current ? t('access.archiveCurrent') : ''}
          onClick={() => void run('Archive product', () => api.products.update({ id: product.id, archived: !product.archived }))}
        >
          {product.archived ? t('access.restore') : t('access.archive')}
        </button>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run('Clone product', () => api.products.clone({ id: product.id, name: cloneName }));
        }}
      >
        <input className="input" data-testid="product-clone-name" value={cloneName} maxLength={200} onChange={(e) => setCloneName(e.target.value)} />
        <button className="btn" type="submit" data-testid="product-clone" disabled={busy || !cloneName.trim()}>
          {t('access.clone')}
        </button>
      </form>
    </div>
  );
}
