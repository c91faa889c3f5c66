/** Import / export of a folder's annotations: MVTec masks as boxes, COCO and YOLO files (written by the engine). */
import { useState } from 'react';
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
  const afterTransfer = async (what: string, r: AnnotationTransferResult | null) => {
    if (!r) return;
    setTransfer({ what, r });
    await onImported();
  };
  return (
    <div className="panel stack">
      <h2>Import / export</h2>
      <div className="row">
        <button
          className="btn"
          data-testid="import-masks"
          disabled={busy || !f || !hasMasks}
          title={hasMasks ? 'MVTec ground_truth masks as boxes' : 'no ground_truth/ masks for this folder'}
          onClick={() => void run('Import masks', () => api.annotations.importMasks({ folder: f })).then((r) => afterTransfer('Imported masks', r))}
        >
          Import masks
        </button>
        <button className="btn" data-testid="export-coco" disabled={busy || !f} onClick={() => void run('Export COCO', () => api.annotations.export({ folder: f, format: 'coco', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: 'Exported COCO', r }))}>
          Export COCO
        </button>
        <button className="btn" data-testid="export-yolo" disabled={busy || !f} onClick={() => void run('Export YOLO', () => api.annotations.export({ folder: f, format: 'yolo', path: exportPath.trim() || undefined })).then((r) => r && setTransfer({ what: 'Exported YOLO', r }))}>
          Export YOLO
        </button>
      </div>
      <label className="field">
        <span>Export to (optional: a .json file for COCO, a folder for YOLO)</span>
        <input className="input mono" value={exportPath} placeholder="default: under the data folder" spellCheck={false} onChange={(e) => setExportPath(e.target.value)} />
      </label>
      <div className="row" style={{ flexWrap: 'nowrap' }}>
        <select className="input" value={importFormat} aria-label="import format" onChange={(e) => setImportFormat(e.target.value as AnnotationFormat)}>
          <option value="coco">COCO file</option>
          <option value="yolo">YOLO folder</option>
        </select>
        <input className="input mono" style={{ flex: 1 }} value={importPath} placeholder="/path/to/annotations.json" spellCheck={false} data-testid="import-path" onChange={(e) => setImportPath(e.target.value)} />
        <button
          className="btn"
          data-testid="import-annotations"
          disabled={busy || !f || !importPath.trim()}
          onClick={() => void run('Import annotations', () => api.annotations.import({ folder: f, format: importFormat, path: importPath.trim() })).then((r) => afterTransfer('Imported', r))}
        >
          Import
        </button>
      </div>
      {transfer ? (
        <div className="small" data-testid="transfer-done">
          {transfer.what}: <b>{transfer.r.images}</b> images, <b>{transfer.r.boxes}</b> boxes
          {transfer.r.skipped ? `, ${transfer.r.skipped} already annotated (kept)` : ''}
          {transfer.r.labels.length ? ` (${transfer.r.labels.join(', ')})` : ''} — <span className="mono">{transfer.r.path}</span>
          {transfer.r.missing?.length ? <div className="warn-text">not found: {transfer.r.missing.join(', ')}</div> : null}
          {transfer.r.media && isSafeMediaRef(transfer.r.media) ? (
            <>
              {' '}
              <a className="btn small" href={mediaUrl(transfer.r.media)} download data-testid="transfer-download">
                Download
              </a>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
