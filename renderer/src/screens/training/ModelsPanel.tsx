/** The trained models: which is active, its threshold with the evidence behind it; activate or remove. */
import { useTranslation } from 'react-i18next';
import type { ModelSummary } from '../../../../main/common/api.js';
import { ThresholdEvidence } from '../../components/ThresholdEvidence.js';
import { useStation } from '../../connection.js';
import { fmtScore, fmtTime, useCall } from '../../lib/hooks.js';

export function ModelsPanel({ models, onChange }: { models: readonly ModelSummary[]; onChange: () => void }) {
  const { api } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  return (
    <div className="panel">
      <h2>{t('training.models')}</h2>
      {models.length ? (
        <table className="list" data-testid="models">
          <thead>
            <tr>
              <th>{t('training.col.name')}</th>
              <th>{t('training.backbone')}</th>
              <th>{t('training.col.images')}</th>
              <th>{t('training.col.threshold')}</th>
              <th>{t('training.col.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} className={m.active ? 'current' : ''}>
                <td>
                  {m.name} {m.active ? <span className="tag ok">{t('training.active')}</span> : null}
                </td>
                <td className="mono small">{m.backbone}</td>
                <td className="num">{m.trainImages}</td>
                <td>
                  <span className="mono">{fmtScore(m.threshold)}</span> <ThresholdEvidence model={m} />
                </td>
                <td className="mono small">{fmtTime(m.createdAt)}</td>
                <td style={{ whiteSpace: 'nowrap' }}>
                  {!m.active ? (
                    <>
                      <button className="btn small" disabled={busy} onClick={() => void run('Activate model', () => api.models.activate({ id: m.id })).then(onChange)}>
                        {t('training.activate')}
                      </button>{' '}
                      <button
                        className="btn small danger"
                        disabled={busy}
                        onClick={() => {
                          if (window.confirm(t('training.confirmDelete', { name: m.name }))) void run('Delete model', () => api.models.remove({ id: m.id })).then(onChange);
                        }}
                      >
                        {t('common.delete')}
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small">{t('training.noModels')}</div>
      )}
    </div>
  );
}
