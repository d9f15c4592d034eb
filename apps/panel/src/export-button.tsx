import { useState } from 'react';
import { api, type InboxUsersFilter, problem } from './api';
import { saveFile, suggestedName } from './csv-files';

/** Downloads every contact the filter matches (not just the page shown) as a CSV file. */
export function ExportButton({ filter }: { filter: InboxUsersFilter }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const download = async () => {
    setBusy(true);
    setError('');
    try {
      const { data, error: failure, response } = await api.POST('/api/v1/contacts/export', { body: filter, parseAs: 'blob' });
      if (!response.ok || !data) setError(problem(failure, response));
      else saveFile(data, suggestedName(response, 'contacts.csv'));
    } catch {
      setError(problem(undefined));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="export">
      <button type="button" className="btn" onClick={download} disabled={busy} aria-describedby={error ? 'export-error' : undefined}>
        {busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {error && (
        <p id="export-error" className="export-error" role="alert">
          Export failed: {error}
        </p>
      )}
    </div>
  );
}
