import { type FormEvent, useState } from 'react';
import { api, type Bot, call } from '../api';
import { CopyButton, Empty, ErrorNote, errorMessage, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';

const PLATFORMS = [
  { value: 'website', label: 'Website (chat widget)' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'telegram', label: 'Telegram' },
  { value: 'facebook', label: 'Facebook' },
] as const;

export function Bots() {
  const [bots, reload] = useAsync(async () => (await call(api.GET('/api/v1/bots'))).data.bots, []);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const name = String(f.get('name') ?? '').trim();
    if (!name) return;
    const platform = PLATFORMS.find((p) => p.value === f.get('platform'))?.value ?? 'website';
    setBusy(true);
    setResult(null);
    try {
      const { data } = await call(api.POST('/api/v1/bots', { body: { name, platform } }));
      setResult({ ok: true, message: `Bot “${data.name}” created. Its snippet is below.` });
      form.reset();
      reload();
    } catch (e) {
      setResult({ ok: false, message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="bots-title">
      <div className="page-head">
        <h1 id="bots-title">Bots</h1>
        <p className="muted">Put a bot's snippet on your website, before &lt;/body&gt;, and its chat widget appears there.</p>
      </div>
      <form className="card inline-form create-token" onSubmit={create} aria-label="Create a bot">
        <label className="field field-wide">
          <span>New bot name</span>
          <input name="name" required maxLength={200} placeholder="e.g. Support" />
        </label>
        <label className="field">
          <span>Platform</span>
          <select name="platform" defaultValue="website">
            {PLATFORMS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create bot'}
        </button>
      </form>
      {result && (
        <p className={result.ok ? 'note note-ok' : 'note note-error'} role={result.ok ? 'status' : 'alert'}>
          {result.message}
        </p>
      )}
      {bots.status === 'loading' && <Spinner label="Loading bots…" />}
      {bots.status === 'error' && <ErrorNote message={bots.message} retry={reload} />}
      {bots.status === 'ready' && bots.data.length === 0 && <Empty title="No bots yet" />}
      {bots.status === 'ready' && bots.data.map((bot) => <BotCard key={bot.id} bot={bot} />)}
    </section>
  );
}

function BotCard({ bot }: { bot: Bot }) {
  const [showFlow, setShowFlow] = useState(false);
  const flowId = `flow-${bot.id}`;
  return (
    <article className="card bot" aria-labelledby={`bot-${bot.id}`}>
      <div className="profile-head">
        <div>
          <h2 id={`bot-${bot.id}`}>{bot.name}</h2>
          <p className="muted">
            {bot.platform} · created {formatDate(bot.createdAt)} ·{' '}
            {/* A preview: the flow is played without a chat, so nothing lands in the inbox. */}
            <a href={`${bot.pageUrl}?preview=1`} target="_blank" rel="noreferrer">
              Try it
            </a>
          </p>
        </div>
      </div>
      <h3 className="label">Embed snippet</h3>
      <div className="snippet">
        <pre>
          <code>{bot.embedSnippet}</code>
        </pre>
        <CopyButton text={bot.embedSnippet} label="Copy snippet" />
      </div>
      <button type="button" className="btn" aria-expanded={showFlow} aria-controls={flowId} onClick={() => setShowFlow((v) => !v)}>
        {showFlow ? 'Hide lead-capture flow' : 'Lead-capture flow settings'}
      </button>
      {showFlow && (
        <div id={flowId}>
          <FlowForm botId={bot.id} />
        </div>
      )}
    </article>
  );
}

const STEPS = ['name', 'email', 'phone'] as const;

function FlowForm({ botId }: { botId: string }) {
  const [flow, reload, setFlow] = useAsync(
    async () => (await call(api.GET('/api/v1/bots/{botId}/flow', { params: { path: { botId } } }))).data,
    [botId],
  );
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    // Built-in steps keep their place; custom questions (set through the API) are kept as they are.
    const current = flow.status === 'ready' ? flow.data.steps : [];
    const custom = current.filter((s) => !(STEPS as readonly string[]).includes(s.key));
    const body = {
      enabled: f.get('enabled') === 'on',
      greeting: text('greeting'),
      steps: [
        ...STEPS.filter((s) => f.get(`step-${s}`) === 'on').map((key) => ({ key, required: f.get(`required-${key}`) === 'on' })),
        ...custom,
      ],
      questions: { name: text('q-name'), email: text('q-email'), phone: text('q-phone') },
      invalid: { email: text('invalid-email'), phone: text('invalid-phone') },
      closing: text('closing'),
    };
    setResult(null);
    try {
      setFlow((await call(api.PUT('/api/v1/bots/{botId}/flow', { params: { path: { botId } }, body }))).data);
      setResult({ ok: true, message: 'Saved. New chats use these settings.' });
    } catch (e) {
      setResult({ ok: false, message: errorMessage(e) });
    }
  };

  if (flow.status === 'loading') return <Spinner label="Loading the flow…" />;
  if (flow.status === 'error') return <ErrorNote message={flow.message} retry={reload} />;
  const f = flow.data;
  const area = (name: string, label: string, value: string) => (
    <label className="field field-wide">
      <span>{label}</span>
      <textarea name={name} defaultValue={value} rows={2} required maxLength={1000} />
    </label>
  );
  return (
    <form className="flow" onSubmit={save} aria-label="Lead-capture flow">
      <label className="check">
        <input type="checkbox" name="enabled" defaultChecked={f.enabled} /> Ask visitors for their details
      </label>
      {area('greeting', 'Greeting', f.greeting)}
      <fieldset>
        <legend>Ask for (in this order; fields the contact already has are skipped)</legend>
        {STEPS.map((s) => {
          const step = f.steps.find((x) => x.key === s);
          return (
            <span key={s} className="check-row">
              <label className="check">
                <input type="checkbox" name={`step-${s}`} defaultChecked={Boolean(step)} /> {s}
              </label>{' '}
              <label className="check">
                <input type="checkbox" name={`required-${s}`} defaultChecked={step ? step.required : s === 'name'} /> required (no Skip
                button)
              </label>
            </span>
          );
        })}
      </fieldset>
      {area('q-name', 'Question for the name', f.questions.name ?? '')}
      {area('q-email', 'Question for the email', f.questions.email ?? '')}
      {area('q-phone', 'Question for the phone', f.questions.phone ?? '')}
      {area('invalid-email', 'When the email is not valid', f.invalid.email)}
      {area('invalid-phone', 'When the phone is not valid', f.invalid.phone)}
      {area('closing', 'Closing message', f.closing)}
      {result && (
        <p className={result.ok ? 'note note-ok' : 'note note-error'} role={result.ok ? 'status' : 'alert'}>
          {result.message}
        </p>
      )}
      <button type="submit" className="btn btn-primary">
        Save flow
      </button>
    </form>
  );
}
