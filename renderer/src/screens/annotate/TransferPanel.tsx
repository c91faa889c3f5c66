/** Import / export of a folder's annotations: MVTec masks as boxes, COCO and YOLO files (written by the engine). */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnnotationFormat, AnnotationTransferResult } from '../../../../main/common/api.js';
import { isSafeMediaRef } from '../../../../main/common/media.js';
import { useStation } from '../../connection.js';
import { useCall } from '../../lib/hooks.js';
import { usePersistent } from '../../lib/persist.js';

export function TransferPanel({ folder: f, hasMasks, onImported }: { folder: string; hasMasks: boolean; onImported: () => Promise<void> }) {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const [exportPath, setExportPath] = usePersistent('annotate.exportPath', '');
  const [importPath, setImportPath] = usePersistent('annotate.importPath', '');
  const [importFormat, setImportFormat] = usePersistent<AnnotationFormat>('annotate.importFormat', 'coco');
  const [transfer, setTransfer] = useState<{ what: string; r: AnnotationTransferResult } | null>(null);
  const { t } = useTranslation();
  const afterTransfer = async (what: string, r: AnnotationTransferResult | null) => {
    if (!r) return;
    setTransfer({ what, r });
    await onImported();
  };
  return (
    <div className="panel stack">
      <h2>{t('transfer.title')}</h2>
      <div className="row">
        <button
          className="btn"
          data-testid="import-masks"
          disabled={busy || !f || !hasMasks}
          title={hasMasks ? t('transfer.masksTitle') : t('transfer.noMasks')}
          onClick={() => void run('Import masks', () => api.annotations.importMasks({ folder: f })).then((r) => afterTransfer(t('transfer.importedMasks'), r))}
        >
          {t('transfer.importMasks')}
        </button>
        <button className="btn" data-testid="export-coco" disabled={busy || !f} onClick={() => void run('Export COCO', () => api.annotations.export({ folder: f, format: 'coco', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: t('transfer.exportedCoco'), r }))}>
          {t('transfer.exportCoco')}
        </button>
        <button className="btn" data-testid="export-yolo" disabled={busy || !f} onClick={() => void run('Export YOLO', () => api.annotations.export({ folder: f, format: 'yolo', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: t('transfer.exportedYolo'), r }))}>
          {t('transfer.exportYolo')}
        </button>
      </div>
      <label className="field">
        <span>{t('transfer.exportTo')}</span>
        <input className="input mono" value={exportPath} placeholder={t('training.outputFolderDefault')} spellCheck={false} onChange={(e) => setExportPath(e.target.value)} />
      </label>
      <div className="row" style={{ flexWrap: 'nowrap' }}>
        <select className="input" value={importFormat} aria-label={t('transfer.format')} onChange={(e) => setImportFormat(e.target.value as AnnotationFormat)}>
          <option value="coco">{t('transfer.cocoFile')}</option>
          <option value="yolo">{t('transfer.yoloFolder')}</option>
        </select>
        <input className="input mono" style={{ flex: 1 }} value={importPath} placeholder="/path/to/annotations.json" spellCheck={false} data-testid="import-path" onChange={(e) => setImportPath(e.target.value)} />
        <button
          className="btn"
          data-testid="import-annotations"
          disabled={busy || !f || !importPath.trim()}
          onClick={() => void run('Import annotations', () => api.annotations.import({ folder: f, format: importFormat, path: importPath.trim() })).then((r) => afterTransfer(t('transfer.imported'), r))}
        >
          {t('transfer.import')}
        </button>
      </div>
      {transfer ? (
        <div className="small" data-testid="transfer-done">
          {transfer.what}: {t('transfer.counts', { images: transfer.r.images, boxes: transfer.r.boxes })}
          {transfer.r.skipped ? `, ${t('transfer.skipped', { count: transfer.r.skipped })}` : ''}
          {transfer.r.labels.length ? ` (${transfer.r.labels.join(', ')})` : ''} — <span className="mono">{transfer.r.path}</span>
          {transfer.r.missing?.length ? <div className="warn-text">{t('transfer.notFound', { names: transfer.r.missing.join(', ') })}</div> : null}
          {transfer.r.media && isSafeMediaRef(transfer.r.media) ? (
            <>
              {' '}
              <a className="btn small" href={mediaUrl(transfer.r.media)} download data-testid="transfer-download">
                {t('log.download')}
              </a>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
