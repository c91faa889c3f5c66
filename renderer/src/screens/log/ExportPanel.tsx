/** The export job's progress and, once done, the file with a download link. */
import { useTranslation } from 'react-i18next';
import type { ExportResult, JobInfo, MediaRef } from '../../../../main/common/api.js';
import { isSafeMediaRef } from '../../../../main/common/media.js';
import { JobCard } from '../../components/JobCard.js';

export function ExportPanel({ job, exported, mediaUrl }: { job: JobInfo | null; exported: ExportResult | null; mediaUrl: (ref: MediaRef) => string }) {
  const { t } = useTranslation();
  if (!job && !exported) return null;
  return (
    <div className="panel" data-testid="export-status">
      {job ? <JobCard job={job} /> : null}
      {exported ? (
        <div className="row small" data-testid="export-done">
          {t('log.exported', { count: exported.rows })} <span className="mono">{exported.path}</span>
          {exported.media && isSafeMediaRef(exported.media) ? (
            <a className="btn small" href={mediaUrl(exported.media)} download data-testid="export-download">
              {t('log.download')}
            </a>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
