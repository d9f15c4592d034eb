import { type DragEvent, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { api, type Bot, call, type Job, type NewImport } from '../api';
import { baseName, saveFile } from '../csv-files';
import type { CsvFile } from '../csv-preview';
import { Empty, ErrorNote, errorMessage, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';
import { useJobProgress } from '../use-job';

type Tools = typeof import('../csv-preview');

/** The server takes up to 20 MB of CSV in one upload (POST /api/v1/imports). */
const MAX_BYTES = 20 * 1024 * 1024;
const POLL_MS = 500;

const FIELDS = [
  { value: 'ignore', label: "Don't import" },
  { value: 'id', label: 'Contact id (an export of leadbox: updates that contact)' },
  { value: 'name', label: 'Name' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
  { value: 'prefix', label: 'Dial code' },
  { value: 'tags', label: 'Tags (separated by ; or |)' },
  { value: 'attribute', label: 'Attribute…' },
  { value: 'attributes', label: 'Attributes (JSON)' },
];

const n = (value: number) => value.toLocaleString('en');
const rowsText = (count: number) => `${n(count)} ${count === 1 ? 'row' : 'rows'}`;
const fileNameOf = (job: Job) => (job.params as { fileName?: string | null }).fileName || 'Untitled file';

type Phase = { name: 'choose' } | { name: 'map'; file: CsvFile } | { name: 'running'; job: Job } | { name: 'done'; job: Job };

export function Import() {
  const [tools] = useAsync(() => import('../csv-preview'), []);
  const [bots] = useAsync(async () => (await call(api.GET('/api/v1/bots'))).data.bots, []);
  const [recent, reloadRecent] = useAsync(
    async () => (await call(api.GET('/api/v1/jobs', { params: { query: { kind: 'contacts.import', limit: 10 } } }))).data.jobs,
    [],
  );
  const [phase, setPhase] = useState<Phase>({ name: 'choose' });
  const head = useRef<HTMLHeadingElement>(null);

  // Each step takes the focus to its heading, so keyboard and screen-reader users follow along.
  useEffect(() => {
    if (phase.name !== 'choose') head.current?.focus();
  }, [phase.name]);

  const finished = (job: Job) => {
    setPhase({ name: 'done', job });
    reloadRecent();
  };

  return (
    <section aria-labelledby="import-title">
      <div className="page-head">
        <h1 id="import-title">Import contacts</h1>
        <p className="muted">
          Bring contacts in from a CSV file. A row with the phone number (or else the email) of a contact you already have updates that
          contact, or is skipped: you choose.
        </p>
      </div>
      {tools.status === 'loading' && <Spinner />}
      {tools.status === 'error' && <ErrorNote message="The import page could not load. Reload the page and try again." />}
      {tools.status === 'ready' && phase.name === 'choose' && (
        <ChooseFile tools={tools.data} onRead={(file) => setPhase({ name: 'map', file })} />
      )}
      {tools.status === 'ready' && phase.name === 'map' && (
        <MapColumns
          head={head}
          tools={tools.data}
          file={phase.file}
          bots={bots.status === 'ready' ? bots.data : []}
          onStarted={(job) => {
            setPhase({ name: 'running', job });
            reloadRecent();
          }}
          onBack={() => setPhase({ name: 'choose' })}
        />
      )}
      {phase.name === 'running' && <Running head={head} job={phase.job} onFinished={finished} />}
      {phase.name === 'done' && <Result head={head} job={phase.job} onAgain={() => setPhase({ name: 'choose' })} />}
      <RecentImports state={recent} retry={reloadRecent} />
    </section>
  );
}

function ChooseFile({ tools, onRead }: { tools: Tools; onRead: (file: CsvFile) => void }) {
  const [error, setError] = useState('');
  const [reading, setReading] = useState(false);
  const [over, setOver] = useState(false);

  const read = async (file: File | undefined) => {
    if (!file) return;
    setError('');
    if (!/\.csv$/i.test(file.name) && file.type !== 'text/csv') {
      setError(`“${file.name}” is not a CSV file. Save the sheet as CSV (comma-separated) and choose that file.`);
      return;
    }
    if (file.size > MAX_BYTES) {
      setError(
        `“${file.name}” is ${(file.size / 1024 / 1024).toFixed(1)} MB; files up to 20 MB can be imported. Split it into smaller files.`,
      );
      return;
    }
    setReading(true);
    try {
      const read = tools.readCsv(file.name, await file.text());
      if ('error' in read) setError(read.error);
      else onRead(read);
    } catch {
      setError(`“${file.name}” could not be read. Check that it is a text file and try again.`);
    } finally {
      setReading(false);
    }
  };
  const drop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setOver(false);
    void read(event.dataTransfer.files[0]);
  };

  return (
    // Dropping is a shortcut for the file input, which the keyboard reaches.
    <section
      aria-labelledby="choose-file"
      className={`card drop-zone${over ? ' drop-over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <h2 id="choose-file">1. Choose a CSV file</h2>
      <p className="muted">
        Drop the file here, or choose it. The first line must name the columns (for example <code>name,email,phone,tags</code>); up to 20
        MB.
      </p>
      <label className="field">
        <span>CSV file to import</span>
        <input type="file" accept=".csv,text/csv" disabled={reading} onChange={(e) => void read(e.currentTarget.files?.[0])} />
      </label>
      {reading && <Spinner label="Reading the file…" />}
      {error && <ErrorNote message={error} />}
    </section>
  );
}

interface MapProps {
  head: RefObject<HTMLHeadingElement | null>;
  tools: Tools;
  file: CsvFile;
  bots: Bot[];
  onStarted: (job: Job) => void;
  onBack: () => void;
}

function MapColumns({ head, tools, file, bots, onStarted, onBack }: MapProps) {
  const [mapping, setMapping] = useState(() => tools.guessMapping(file.columns));
  const [onDuplicate, setOnDuplicate] = useState<NewImport['onDuplicate']>('update');
  const [botId, setBotId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const id = useId();

  const setSpec = (i: number, spec: string) => setMapping((m) => m.map((s, j) => (j === i ? spec : s)));
  const reads = (kind: string) => mapping.some((s) => s === kind);
  const badKey = mapping.findIndex((s) => s.startsWith('attribute:') && !tools.validSpec(s));
  const problem = !(reads('name') || reads('email') || reads('phone'))
    ? 'Choose at least one column to import as Name, Email or Phone.'
    : badKey >= 0
      ? `Give the attribute of column “${file.columns[badKey]}” a name (up to 100 characters).`
      : '';
  const preview = file.sample.map((fields) => tools.previewRow(file.columns, fields, mapping));

  const start = async () => {
    if (problem) return;
    setBusy(true);
    setError('');
    try {
      const body: NewImport = {
        csv: file.text,
        fileName: file.name,
        mapping: Object.fromEntries(file.columns.map((c, i) => [c, mapping[i] ?? 'ignore'])),
        onDuplicate,
        ...(botId ? { botId } : {}),
      };
      onStarted((await call(api.POST('/api/v1/imports', { body }))).data);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <div className="import-step">
      <div className="card">
        <h2 ref={head} tabIndex={-1}>
          2. Match the columns of “{file.name}”
        </h2>
        <p className="muted">
          {rowsText(file.rows)} under a header of {file.columns.length} columns. Choose what each column becomes; columns set to “Don't
          import” are left out.
        </p>
        <div className="table-wrap">
          <table className="table import-map">
            <thead>
              <tr>
                <th scope="col">Column in the file</th>
                <th scope="col">First value</th>
                <th scope="col">Imports as</th>
              </tr>
            </thead>
            <tbody>
              {file.columns.map((column, i) => {
                const spec = mapping[i] ?? 'ignore';
                const kind = spec.startsWith('attribute:') ? 'attribute' : spec;
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed for the file, and may repeat a name
                  <tr key={i}>
                    <th scope="row" data-label="Column">
                      {column || <span className="muted">(no name)</span>}
                    </th>
                    <td data-label="First value" className="wrap-anywhere">
                      {file.sample[0]?.[i] || <span className="muted">—</span>}
                    </td>
                    <td data-label="Imports as">
                      <div className="map-choice">
                        <select
                          aria-label={`Import column ${column} as`}
                          value={kind}
                          onChange={(e) =>
                            setSpec(i, e.currentTarget.value === 'attribute' ? `attribute:${column}` : e.currentTarget.value)
                          }
                        >
                          {FIELDS.map((f) => (
                            <option key={f.value} value={f.value}>
                              {f.label}
                            </option>
                          ))}
                        </select>
                        {kind === 'attribute' && (
                          <input
                            aria-label={`Attribute name for column ${column}`}
                            value={spec.slice('attribute:'.length)}
                            maxLength={100}
                            onChange={(e) => setSpec(i, `attribute:${e.currentTarget.value}`)}
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>

      <div className="card">
        <h2 id={`${id}-preview`}>3. Check the first rows</h2>
        <p className="muted">The first {rowsText(file.sample.length)} of the file as they will be imported.</p>
        <div className="table-wrap">
          <table className="table import-preview" aria-labelledby={`${id}-preview`}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Tags</th>
                <th scope="col">Attributes</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {preview.map(({ row, reason }, i) =>
                reason ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the sample is fixed for the file
                  <tr key={i} className="preview-rejected">
                    <td data-label="Row" colSpan={5} className="wrap-anywhere">
                      {file.sample[i]?.join(' · ')}
                    </td>
                    <td data-label="Result">
                      <span className="badge badge-revoked">Rejected: {reason}</span>
                    </td>
                  </tr>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the sample is fixed for the file
                  <tr key={i}>
                    <td data-label="Name">{row?.name ?? '—'}</td>
                    <td data-label="Email" className="wrap-anywhere">
                      {row?.email ?? '—'}
                    </td>
                    <td data-label="Phone">{row?.phone ? `${row.phone.prefix ? `+${row.phone.prefix} ` : ''}${row.phone.number}` : '—'}</td>
                    <td data-label="Tags">{row?.tags?.join(', ') || '—'}</td>
                    <td data-label="Attributes" className="wrap-anywhere">
                      {row?.attributes?.map((a) => `${a.key}: ${a.value}`).join('; ') || '—'}
                    </td>
                    <td data-label="Result">
                      <span className="badge badge-open">Ready</span>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      </div>

      <div className="card import-options">
        <fieldset>
          <legend>When a contact already exists</legend>
          <label className="check">
            <input type="radio" name="onDuplicate" checked={onDuplicate === 'update'} onChange={() => setOnDuplicate('update')} />
            Update it with the file's values (tags and attributes are added)
          </label>
          <label className="check">
            <input type="radio" name="onDuplicate" checked={onDuplicate === 'skip'} onChange={() => setOnDuplicate('skip')} />
            Skip the row and leave the contact as it is
          </label>
        </fieldset>
        <label className="field">
          <span>Bot for new contacts</span>
          <select value={botId} onChange={(e) => setBotId(e.currentTarget.value)}>
            <option value="">No bot</option>
            {bots.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        {problem && <p className="note note-error">{problem}</p>}
        {error && <ErrorNote message={error} />}
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={start} disabled={busy || Boolean(problem)}>
            {busy ? 'Starting…' : `Import ${rowsText(file.rows)}`}
          </button>{' '}
          <button type="button" className="btn" onClick={onBack} disabled={busy}>
            Choose another file
          </button>
        </div>
      </div>
    </div>
  );
}

function Running({ head, job: started, onFinished }: { head: MapProps['head']; job: Job; onFinished: (job: Job) => void }) {
  const progress = useJobProgress(started.id, onFinished, POLL_MS);
  const job = progress.job ?? started;
  const [error, setError] = useState('');

  const cancel = async () => {
    try {
      const { data } = await call(api.POST('/api/v1/jobs/{id}/cancel', { params: { path: { id: job.id } } }));
      progress.setJob(data);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const total = job.total ?? 0;
  const processed = Math.min(job.processed, total);

  return (
    <div className="card import-step">
      <h2 ref={head} tabIndex={-1} id="import-running">
        Importing “{fileNameOf(job)}”
      </h2>
      <progress className="bulk-progress" aria-labelledby="import-running" max={total || 1} value={processed} />
      <p role="status">
        {job.status === 'queued' ? 'Waiting to start…' : `${n(processed)} of ${rowsText(total)} read`}
        {job.rejected > 0 && ` · ${n(job.rejected)} rejected so far`}
      </p>
      <p className="muted">You can leave this page: the import goes on, and its result is listed under Recent imports.</p>
      {(error || progress.error) && <ErrorNote message={error || progress.error} />}
      <button type="button" className="btn btn-danger" onClick={cancel}>
        Cancel import
      </button>
    </div>
  );
}

async function downloadRejects(job: Job) {
  const blob = await call(api.GET('/api/v1/jobs/{id}/rejects', { params: { path: { id: job.id } }, parseAs: 'blob' }));
  saveFile(blob, `${baseName(fileNameOf(job))}-rejected-rows.csv`);
}

function RejectsButton({ job, className = 'btn' }: { job: Job; className?: string }) {
  const [state, setState] = useState<{ busy: boolean; error: string }>({ busy: false, error: '' });
  const download = async () => {
    setState({ busy: true, error: '' });
    try {
      await downloadRejects(job);
      setState({ busy: false, error: '' });
    } catch (e) {
      setState({ busy: false, error: errorMessage(e) });
    }
  };
  return (
    <>
      <button type="button" className={className} onClick={download} disabled={state.busy}>
        {state.busy ? 'Downloading…' : `Download rejected rows (${n(job.rejected)})`}
      </button>
      {state.error && <ErrorNote message={state.error} />}
    </>
  );
}

const COUNTS = [
  ['created', 'Created'],
  ['updated', 'Updated'],
  ['skipped', 'Skipped'],
] as const;

function Counts({ job }: { job: Job }) {
  return (
    <dl className="import-counts">
      {COUNTS.map(([key, label]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd>{n(job.counts[key] ?? 0)}</dd>
        </div>
      ))}
      <div>
        <dt>Rejected</dt>
        <dd>{n(job.rejected)}</dd>
      </div>
    </dl>
  );
}

function Result({ head, job, onAgain }: { head: MapProps['head']; job: Job; onAgain: () => void }) {
  const title =
    job.status === 'succeeded'
      ? `Imported “${fileNameOf(job)}”`
      : job.status === 'cancelled'
        ? `Import of “${fileNameOf(job)}” cancelled`
        : `Import of “${fileNameOf(job)}” stopped`;
  return (
    <div className="card import-step import-result">
      <h2 ref={head} tabIndex={-1}>
        {title}
      </h2>
      {job.status === 'succeeded' && (
        <p className="note note-ok" role="status">
          Done: all {rowsText(job.processed)} read.
          {job.rejected > 0 && ' The rejected rows were not imported; download them, fix them and import that file.'}
        </p>
      )}
      {job.status === 'cancelled' && (
        <p className="note note-error" role="status">
          Cancelled after {rowsText(job.processed)} of {n(job.total ?? 0)}. Rows already imported stay imported.
        </p>
      )}
      {job.status === 'failed' && <ErrorNote message={`The import stopped: ${job.error ?? 'an unknown error'}.`} />}
      <Counts job={job} />
      <div className="form-actions">
        {job.rejected > 0 && <RejectsButton job={job} className="btn btn-primary" />}{' '}
        <button type="button" className="btn" onClick={onAgain}>
          Import another file
        </button>
      </div>
    </div>
  );
}

const STATUS: Record<string, { label: string; badge: string }> = {
  queued: { label: 'Waiting', badge: 'badge-onhold' },
  running: { label: 'Running', badge: 'badge-inprogress' },
  succeeded: { label: 'Done', badge: 'badge-open' },
  failed: { label: 'Failed', badge: 'badge-revoked' },
  cancelled: { label: 'Cancelled', badge: 'badge-closed' },
};

function RecentImports({ state, retry }: { state: ReturnType<typeof useAsync<Job[]>>[0]; retry: () => void }) {
  return (
    <div className="recent-imports">
      <h2 id="recent-imports">Recent imports</h2>
      {state.status === 'loading' && <Spinner label="Loading recent imports…" />}
      {state.status === 'error' && <ErrorNote message={state.message} retry={retry} />}
      {state.status === 'ready' && state.data.length === 0 && (
        <Empty title="No imports yet">
          <p className="muted">Files you import are listed here, with what each one did.</p>
        </Empty>
      )}
      {state.status === 'ready' && state.data.length > 0 && (
        <div className="table-wrap">
          <table className="table imports" aria-labelledby="recent-imports">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Started</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
                <th scope="col">Skipped</th>
                <th scope="col">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {state.data.map((job) => {
                const status = STATUS[job.status] ?? { label: job.status, badge: '' };
                return (
                  <tr key={job.id}>
                    <td data-label="File" className="wrap-anywhere">
                      {fileNameOf(job)}
                    </td>
                    <td data-label="Started">{formatDate(job.createdAt)}</td>
                    <td data-label="State">
                      <span className={`badge ${status.badge}`} title={job.error ?? undefined}>
                        {status.label}
                      </span>
                    </td>
                    <td data-label="Created">{n(job.counts.created ?? 0)}</td>
                    <td data-label="Updated">{n(job.counts.updated ?? 0)}</td>
                    <td data-label="Skipped">{n(job.counts.skipped ?? 0)}</td>
                    <td data-label="Rejected">{job.rejected > 0 ? <RejectsButton job={job} className="btn btn-small" /> : '0'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
