/** On Live: the product (recipe) being inspected, a switch to another one, and the current lot. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductDto } from '../../../main/common/accounts.js';
import { useStation } from '../connection.js';
import { useAuth } from '../lib/auth.js';
import { useCall, useEvent, useLoad } from '../lib/hooks.js';

export function ProductSwitcher() {
  const { api } = useStation();
  const { t } = useTranslation();
  const { can } = useAuth();
  const loaded = useLoad('Products', (a) => a.products.list());
  const [products, setProducts] = useState<ProductDto[]>([]);
  useEffect(() => setProducts(loaded.value ?? []), [loaded.value]);
  useEvent(api.products.onChanged, (all) => setProducts(all.filter((p) => !p.archived || p.current)));
  const { run, busy } = useCall();
  const current = products.find((p) => p.current);
  const [lot, setLot] = useState('');
  useEffect(() => setLot(current?.lotName ?? ''), [current?.id, current?.lotName]);
  return (
    <div className="panel stack product-switcher" data-testid="product-switcher">
      <label className="row small">
        <span className="muted">{t('access.product')}</span>
        <select className="input"
          data-testid="product-select"
          value={current?.id ?? ''}
          disabled={busy || !can('products')}
          title={can('products') ? '' : t('access.needsEngineer')}
          onChange={(e) => void run('Switch product', () => api.products.use({ id: e.target.value }))}
        >
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
              {p.lineIndex !== null ? ` (#${p.lineIndex})` : ''}
            </option>
          ))}
        </select>
      </label>
      <form
        className="row small"
        onSubmit={(e) => {
          e.preventDefault();
          void run('Lot', () => api.products.setLot({ name: lot }));
        }}
      >
        <span className="muted">{t('access.lot')}</span>
        <input className="input" data-testid="lot-input" value={lot} maxLength={200} disabled={!can('run')} onChange={(e) => setLot(e.target.value)} style={{ flex: 1, minWidth: 0 }} />
        <button className="btn small" type="submit" data-testid="lot-save" disabled={busy || !can('run') || lot === (current?.lotName ?? '')}>
          {t('access.setLot')}
        </button>
      </form>
    </div>
  );
}
