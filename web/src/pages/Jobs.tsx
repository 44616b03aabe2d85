// The job queue: filters, cancel, retry, and a job's history. Degrades to a notice on a host without the queue.
import { useEffect, useState } from "react";
import { call, errorText, isMissingRoute } from "../api/client";
import type { Job } from "../api/types";
import { ErrorLine, Json, timeAgo, useAction } from "../components/ui";
import { store } from "../lib/store";

const STATES = ["", "queued", "running", "succeeded", "failed", "canceled"];

function JobDetail({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<Job>("getJob", { params: { id } })
      .then(setJob)
      .catch((e) => setError(errorText(e)));
  }, [id]);
  if (error) return <ErrorLine error={error} />;
  if (!job) return <p className="muted">Loading…</p>;
  return (
    <div className="job-detail">
      <h4>History</h4>
      <ol>
        {(job.history ?? []).map((h, i) => (
          <li key={i}>
            {new Date(h.at).toLocaleString()}: {h.fromState ?? "—"} → <strong>{h.toState}</strong> (attempt {h.attempt}){h.detail ? ` — ${h.detail}` : ""}
          </li>
        ))}
      </ol>
      <h4>Payload</h4>
      <Json value={job.payload} />
      {job.result != null && (
        <>
          <h4>Result</h4>
          <Json value={job.result} />
        </>
      )}
    </div>
  );
}

function JobRow({ job, onChange }: { job: Job; onChange: () => void }) {
  const [open, setOpen] = useState(false);
  const act = useAction(async (what: "cancel" | "retry") => {
    await call(what === "cancel" ? "cancelJob" : "retryJob", { params: { id: job.id } });
    onChange();
  });
  const session = job.sessionId ? store.sessions.find((s) => s.id === job.sessionId) : null;
  return (
    <>
      <tr className={`job state-${job.state}`} data-job-id={job.id}>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {job.kind}
          </button>
        </td>
        <td>
          <span className={`badge state-${job.state}`}>{job.state}</span>
        </td>
        <td>
          {job.attempt}/{job.maxAttempts}
        </td>
        <td>{job.pluginId ?? "—"}</td>
        <td>{session ? session.title ?? "Untitled" : job.sessionId ? job.sessionId.slice(0, 8) : "—"}</td>
        <td>{timeAgo(job.updatedAt)}</td>
        <td>
          {(job.state === "queued" || job.state === "running") && (
            <button type="button" className="small danger" onClick={() => act.run("cancel")} disabled={act.busy}>
              Cancel
            </button>
          )}
          {(job.state === "failed" || job.state === "canceled") && (
            <button type="button" className="small" onClick={() => act.run("retry")} disabled={act.busy}>
              Retry
            </button>
          )}
          {act.error && <span className="error">{act.error}</span>}
        </td>
      </tr>
      {job.error && (
        <tr className="job-error">
          <td colSpan={7} className="error">
            {job.error.kind}: {job.error.message}
          </td>
        </tr>
      )}
      {open && (
        <tr>
          <td colSpan={7}>
            <JobDetail id={job.id} />
          </td>
        </tr>
      )}
    </>
  );
}

export function JobsPage() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState("");
  const [kind, setKind] = useState("");
  const [kinds, setKinds] = useState<{ kind: string; pluginId: string; description: string }[]>([]);
  const load = () =>
    call<{ jobs: Job[] }>("listJobs", { query: { state, kind, limit: 200 } })
      .then((r) => {
        setJobs(r.jobs);
        setError(null);
        setMissing(false);
      })
      .catch((e) => {
        if (isMissingRoute(e)) setMissing(true);
        else setError(errorText(e));
      });
  useEffect(() => {
    void load();
    return store.onEvent((ev) => {
      if (ev.type.startsWith("job.")) void load();
    });
  }, [state, kind]);
  useEffect(() => {
    call<{ kinds: typeof kinds }>("jobKinds")
      .then((r) => setKinds(r.kinds))
      .catch(() => setKinds([]));
  }, []);
  return (
    <main className="page-body" aria-label="Jobs">
      <h1>Jobs</h1>
      {missing ? (
        <p className="warning" role="status">
          The job queue is not available on this host (its routes answer 404).
        </p>
      ) : (
        <>
          <div className="filters" role="group" aria-label="Filters">
            <label className="field">
              <span>State</span>
              <select value={state} onChange={(e) => setState(e.target.value)}>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {s || "any"}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Kind</span>
              <select value={kind} onChange={(e) => setKind(e.target.value)}>
                <option value="">any</option>
                {kinds.map((k) => (
                  <option key={k.kind} value={k.kind} title={k.description}>
                    {k.kind}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => load()}>
              Refresh
            </button>
          </div>
          <ErrorLine error={error} />
          {jobs && jobs.length === 0 && <p className="muted">No jobs{state || kind ? " match" : " yet"}.</p>}
          {jobs && jobs.length > 0 && (
            <div className="table-wrap">
              <table className="jobs">
                <thead>
                  <tr>
                    <th>Kind</th>
                    <th>State</th>
                    <th>Attempt</th>
                    <th>Plugin</th>
                    <th>Chat</th>
                    <th>Updated</th>
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.map((j) => (
                    <JobRow key={j.id} job={j} onChange={load} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </main>
  );
}
