import { type ReactNode, useState } from 'react';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="state" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorNote({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div className="note note-error" role="alert">
      <span>{message}</span>
      {retry && (
        <button type="button" className="btn btn-small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** What a failed call says, for an error note. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A value shown once (a new token, password or signing secret): selected on focus, with a copy button. */
export function SecretField({ value, label, copyLabel }: { value: string; label: string; copyLabel: string }) {
  return (
    <div className="secret">
      <input className="new-token" readOnly aria-label={label} value={value} onFocus={(e) => e.currentTarget.select()} />
      <CopyButton text={value} label={copyLabel} />
    </div>
  );
}

/** Copies text; says "Copied" for a moment (and falls back to selecting it for manual copy). */
export function CopyButton({ text, label = 'Copy', className = 'btn btn-small' }: { text: string; label?: string; className?: string }) {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      setDone('failed');
    }
    setTimeout(() => setDone('idle'), 2000);
  };
  return (
    <button type="button" className={className} onClick={copy} aria-live="polite">
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select and copy' : label}
    </button>
  );
}

export const formatDate = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
