/** Follows the engine's long-running jobs (train, generate, evaluate, export) through `jobs.onProgress`. */
import { useCallback, useEffect, useState } from 'react';
import type { JobInfo } from '../../../main/common/api.js';
import { useStation } from '../connection.js';
import { useEvent } from './hooks.js';

export function isFinished(j: JobInfo): boolean {
  return j.state === 'done' || j.state === 'failed' || j.state === 'cancelled';
}

/** All jobs known to the engine, kept current; `track(id)` pulls one the UI just started. */
export function useJobs(): { jobs: JobInfo[]; track: (id: string) => Promise<JobInfo | null> } {
  const { api, generation } = useStation();
  const [jobs, setJobs] = useState<Map<string, JobInfo>>(new Map());
  const upsert = useCallback((j: JobInfo) => setJobs((m) => new Map(m).set(j.id, j)), []);
  useEffect(() => {
    void api.jobs.list().then((r) => {
      if (r.ok) setJobs(new Map(r.value.map((j) => [j.id, j])));
    });
  }, [api, generation]);
  useEvent(api.jobs.onProgress, upsert);
  const track = useCallback(
    async (id: string) => {
      const r = await api.jobs.get({ id });
      if (r.ok) upsert(r.value);
      return r.ok ? r.value : null;
    },
    [api, upsert],
  );
  const list = [...jobs.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return { jobs: list, track };
}

/** Calls `onDone` once when job `id` reaches a final state. */
export function useJobOutcome(jobs: readonly JobInfo[], id: string | null, onDone: (j: JobInfo) => void): JobInfo | null {
  const job = id ? (jobs.find((j) => j.id === id) ?? null) : null;
  const [reported, setReported] = useState<string | null>(null);
  useEffect(() => {
    if (job && isFinished(job) && reported !== job.id) {
      setReported(job.id);
      onDone(job);
    }
  }, [job, reported, onDone]);
  return job;
}
