/**
 * The loud part of the floor on Live: the latched NG (stays until an operator acknowledges it) and the NG-rate
 * alarm (N NG in the last M parts), and the disk alarm. Shown above the verdict.
 */
import { useTranslation } from 'react-i18next';
import type { FloorState } from '../../../main/common/floor.js';
import { useStation } from '../connection.js';
import { fmtScore, useCall } from '../lib/hooks.js';
import { useFloor } from '../lib/floor.js';

export function NgAlarms() {
  const floor = useFloor();
  const { t } = useTranslation();
  if (!floor) return null;
  return (
    <>
      {floor.ngRate.alarm ? <NgRateAlarm floor={floor} /> : null}
      {floor.latched ? <NgLatch floor={floor} /> : null}
      {floor.disk.alarm || !floor.disk.savingImages ? (
        <div className="floor-alarm disk" data-testid="disk-alarm" role="alert">
          {floor.disk.savingImages ? t('floor.diskAlmostFull') : t('floor.diskFull')}
          <div className="small">{floor.disk.message}</div>
        </div>
      ) : null}
    </>
  );
}

function NgRateAlarm({ floor }: { floor: FloorState }) {
  const { t } = useTranslation();
  return (
    <div className="floor-alarm ng-rate" data-testid="ng-rate-alarm" role="alert">
      {t('floor.ngRateAlarm')}
      <div className="small">
        {t('floor.ngRateDetail', { ng: floor.ngRate.ng, parts: floor.ngRate.parts, n: floor.ngRate.n, m: floor.ngRate.m })}
      </div>
    </div>
  );
}

function NgLatch({ floor }: { floor: FloorState }) {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const { t } = useTranslation();
  const p = floor.latched!;
  return (
    <div className="floor-alarm latch" data-testid="ng-latch" data-inspection={p.inspectionId} role="alert">
      {p.thumbnail ? <img src={mediaUrl(p.thumbnail)} alt="" /> : null}
      <div style={{ flex: 1, minWidth: 0 }}>
        <div>{t('floor.latchTitle')}</div>
        <div className="small mono">
          {t('floor.latchDetail', { part: p.partId || `#${p.inspectionId}`, time: new Date(p.at).toLocaleTimeString(), score: fmtScore(p.score), threshold: fmtScore(p.threshold) })}
        </div>
      </div>
      <button className="btn" data-testid="ng-ack" disabled={busy} onClick={() => void run(t('floor.acknowledgeNg'), () => api.floor.acknowledge({ note: '' }))}>
        {t('floor.acknowledge')}
      </button>
    </div>
  );
}
