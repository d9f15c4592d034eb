import { type FormEvent, useState } from 'react';
import { api, call, type Segment } from '../api';
import { Empty, ErrorNote, errorMessage, formatDate, Spinner } from '../ui';
import { useAsync } from '../use-async';

const members = (n: number) => (n === 1 ? '1 contact' : `${n.toLocaleString()} contacts`);
/** Names are unique per account ignoring case; saying so before asking the server reads better than its 409. */
const taken = (groups: Segment[], name: string, except?: string) =>
  groups.find((g) => g._id !== except && g.segmentName.toLowerCase() === name.toLowerCase());

/** Segments ("Inbox → Groups" in the vendor's panel): named lists of contacts. */
export function Groups() {
  const [groups, reload, setGroups] = useAsync(async () => (await call(api.GET('/inbox/segments'))).data, []);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const segmentName = String(new FormData(form).get('name') ?? '').trim();
    if (!segmentName) return;
    setNotice('');
    const same = groups.status === 'ready' && taken(groups.data, segmentName);
    if (same) {
      setError(`There is already a group called “${same.segmentName}”.`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      await call(api.POST('/inbox/segments', { body: { segmentName } }));
      form.reset();
      setNotice(`Group “${segmentName}” created.`);
      reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (group: Segment) => {
    const what = group.usersCount > 0 ? `Its ${members(group.usersCount)} stay in the inbox.` : 'It has no contacts.';
    if (!window.confirm(`Delete the group “${group.segmentName}”? ${what}`)) return;
    setError('');
    setNotice('');
    try {
      await call(api.DELETE('/inbox/segments/{id}', { params: { path: { id: group._id } } }));
      if (groups.status === 'ready') setGroups(groups.data.filter((g) => g._id !== group._id));
      setNotice(`Group “${group.segmentName}” deleted.`);
      reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="groups-title">
      <div className="page-head">
        <h1 id="groups-title">Groups</h1>
        <p className="muted">Groups (segments) are named lists of contacts. Add contacts to a group from the inbox or through the API.</p>
      </div>
      <form className="card inline-form create-token" onSubmit={create}>
        <label className="field field-wide">
          <span>New group name</span>
          <input name="name" required maxLength={100} placeholder="e.g. Newsletter" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create group'}
        </button>
      </form>
      {error && <ErrorNote message={error} />}
      <p className="save-state" role="status">
        {notice}
      </p>
      {groups.status === 'loading' && <Spinner label="Loading groups…" />}
      {groups.status === 'error' && <ErrorNote message={groups.message} retry={reload} />}
      {groups.status === 'ready' && groups.data.length === 0 && (
        <Empty title="No groups yet">
          <p className="muted">Create one above, e.g. “Newsletter” or “Customers”.</p>
        </Empty>
      )}
      {groups.status === 'ready' && groups.data.length > 0 && (
        <div className="table-wrap">
          <table className="table groups">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Members</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <GroupRow key={g._id} group={g} all={groups.data} onRenamed={reload} onDelete={() => remove(g)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function GroupRow({ group, all, onRenamed, onDelete }: { group: Segment; all: Segment[]; onRenamed: () => void; onDelete: () => void }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const stop = () => {
    setEditing(false);
    setError('');
  };

  const rename = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const segmentName = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    if (!segmentName || segmentName === group.segmentName) {
      stop();
      return;
    }
    const same = taken(all, segmentName, group._id);
    if (same) {
      setError(`There is already a group called “${same.segmentName}”.`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      await call(api.PUT('/inbox/segments/{id}', { params: { path: { id: group._id } }, body: { segmentName } }));
      stop();
      onRenamed();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr>
      <td data-label="Name">
        {editing ? (
          <form className="inline-form" onSubmit={rename} aria-label={`Rename ${group.segmentName}`}>
            <label className="sr-only" htmlFor={`rename-${group._id}`}>
              New name for {group.segmentName}
            </label>
            <input
              id={`rename-${group._id}`}
              name="name"
              defaultValue={group.segmentName}
              required
              maxLength={100}
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked to edit
              autoFocus
              onKeyDown={(e) => e.key === 'Escape' && stop()}
            />
            <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="btn btn-small" onClick={stop}>
              Cancel
            </button>
          </form>
        ) : (
          <strong>{group.segmentName}</strong>
        )}
        {error && <ErrorNote message={error} />}
      </td>
      <td data-label="Members">{members(group.usersCount)}</td>
      <td data-label="Created">{formatDate(group.createdAt)}</td>
      <td data-label="Actions" className="row-actions">
        {!editing && (
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)} aria-label={`Rename ${group.segmentName}`}>
            Rename
          </button>
        )}
        <button type="button" className="btn btn-small btn-danger" onClick={onDelete} aria-label={`Delete ${group.segmentName}`}>
          Delete
        </button>
      </td>
    </tr>
  );
}
