/**
 * The loud part of the floor on Live: the latched NG (stays until an operator acknowledges it) and the NG-rate
 * alarm (N NG in the last M parts), and the disk alarm. Shown above the verdict.
 */
import type { FloorState } from '../../../main/common/floor.js';
import { useStation } from '../connection.js';
import { fmtScore, useCall } from '../lib/hooks.js';
import { useFloor } from '../lib/floor.js';

export function NgAlarms() {
  const floor = useFloor();
  if (!floor) return null;
  return (
    <>
      {floor.ngRate.alarm ? <NgRateAlarm floor={floor} /> : null}
      {floor.latched ? <NgLatch floor={floor} /> : null}
      {floor.disk.alarm || !floor.disk.savingImages ? (
        <div className="floor-alarm disk" data-testid="disk-alarm" role="alert">
          {floor.disk.savingImages ? 'Disk almost full' : 'Disk full: images are not saved (verdicts are)'}
          <div className="small">{floor.disk.message}</div>
        </div>
      ) : null}
    </>
  );
}

function NgRateAlarm({ floor }: { floor: FloorState }) {
  return (
    <div className="floor-alarm ng-rate" data-testid="ng-rate-alarm" role="alert">
      NG RATE ALARM
      <div className="small">
        {floor.ngRate.ng} NG in the last {floor.ngRate.parts} parts (limit {floor.ngRate.n} in {floor.ngRate.m})
      </div>
    </div>
  );
}

function NgLatch({ floor }: { floor: FloorState }) {
  const { api, mediaUrl } = useStation();
  const { run, busy } = useCall();
  const p = floor.latched!;
  return (
    <div className="floor-alarm latch" data-testid="ng-latch" data-inspection={p.inspectionId} role="alert">
      {p.thumbnail ? <img src={mediaUrl(p.thumbnail)} alt="" /> : null}
      <div style={{ flex: 1, minWidth: 0 }}>
        <div>NG — acknowledge</div>
        <div className="small mono">
          {p.partId || `#${p.inspectionId}`} · {new Date(p.at).toLocaleTimeString()} · score {fmtScore(p.score)} / {fmtScore(p.threshold)}
        </div>
      </div>
      <button className="btn" data-testid="ng-ack" disabled={busy} onClick={() => void run('Acknowledge NG', () => api.floor.acknowledge({ note: '' }))}>
        Acknowledge
      </button>
    </div>
  );
}
