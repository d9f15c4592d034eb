import { useEffect, useRef, useState } from 'react';
import { api, call, type Job } from './api';
import { errorMessage } from './ui';

const ENDED: readonly Job['status'][] = ['succeeded', 'failed', 'cancelled'];
export const jobEnded = (job: Job) => ENDED.includes(job.status);

/**
 * Follows a background job until it ends: polls GET /api/v1/jobs/{id} every `intervalMs`, and on a
 * failed poll (a network blip, a 429) keeps trying with a growing pause (up to 10 s) while `error`
 * says so. `onEnded` runs once, with the ended job. `null` follows nothing.
 */
export function useJobProgress(
  jobId: string | null,
  onEnded: (job: Job) => void,
  intervalMs = 500,
): { job: Job | null; error: string; setJob: (job: Job) => void } {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState('');
  const ended = useRef(onEnded);
  ended.current = onEnded;

  useEffect(() => {
    if (!jobId) return;
    let live = true;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const { data } = await call(api.GET('/api/v1/jobs/{id}', { params: { path: { id: jobId } } }));
        if (!live) return;
        failures = 0;
        setJob(data);
        setError('');
        if (jobEnded(data)) return ended.current(data);
      } catch (e) {
        if (!live) return;
        failures++;
        setError(`${errorMessage(e)} The job goes on; still checking on it…`);
      }
      if (live) timer = setTimeout(poll, failures === 0 ? intervalMs : Math.min(10_000, intervalMs * 2 ** failures));
    };
    timer = setTimeout(poll, intervalMs / 2);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId, intervalMs]);

  return { job, error, setJob };
}
