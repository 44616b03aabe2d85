// The job queue: depth (GET /api/jobs/stats), filters (state, kind, chat), rows kept current by `job.*` events,
// cancel (showing the final state the API answers) and retry, and each job's history, payload, result and error.
// Degrades to a notice on a host without the queue.
import { useEffect, useRef, useState } from "react";
import { call, errorText, isMissingRoute, WEB_CLIENT } from "../api/client";
import type { Job, JobStats } from "../api/types";
import { ErrorLine, formatDuration, Json, timeAgo, useAction } from "../components/ui";
import { applyJob, describeJob, isFinal, jobFromEvent, type JobFilter } from "../lib/jobs";
import { waitText } from "../lib/limits";
import { store, useStore } from "../lib/store";

const STATES = ["", "queued", "running", "succeeded", "failed", "canceled"];

function JobDetail({ job: row }: { job: Job }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Re-read the history whenever the row changes state.
  useEffect(() => {
    call<Job>("jobs.get", { params: { id: row.id } })
      .then(setJob)
      .catch((e) => setError(errorText(e)));
  }, [row.id, row.state, row.attempt, row.updatedAt]);
  if (error) return <ErrorLine error={error} />;
  if (!job) return <p className="muted">Loading…</p>;
  return (
    <div className="job-detail" aria-label={`Job ${job.id}`}>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          {new Date(job.createdAt).toLocaleString()} by {job.createdBy ?? "?"}
        </dd>
        {job.runAfter && (
          <>
            <dt>Runs after</dt>
            <dd>{new Date(job.runAfter).toLocaleString()}</dd>
          </>
        )}
        {job.dedupeKey && (
          <>
            <dt>Dedupe key</dt>
            <dd>
              <code>{job.dedupeKey}</code>
            </dd>
          </>
        )}
        {job.state === "queued" && job.waiting && (
          <>
            <dt>Waiting for</dt>
            <dd className="warning" data-testid="job-waiting">
              {waitText(job.waiting)}
            </dd>
          </>
        )}
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
      </dl>
      <h4>History</h4>
      <ol className="history">
        {(job.history ?? []).map((h, i) => (
          <li key={i} data-to-state={h.toState}>
            {new Date(h.at).toLocaleTimeString()}: {h.fromState ?? "—"} → <strong>{h.toState}</strong> (attempt {h.attempt}){h.detail ? ` — ${h.detail}` : ""}
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

function JobRow({ job, onJob }: { job: Job; onJob: (j: Job) => void }) {
  const s = useStore();
  const [open, setOpen] = useState(false);
  const [answer, setAnswer] = useState<string | null>(null);
  const act = useAction(async (what: "cancel" | "retry") => {
    setAnswer(null);
    const j = await call<Job>(what === "cancel" ? "jobs.cancel" : "jobs.retry", { params: { id: job.id }, headers: WEB_CLIENT });
    onJob(store.noteJob(j));
    setAnswer(what === "cancel" ? `Cancel answered: ${j.state}` : `Retried: ${j.state}`);
  });
  const session = job.sessionId ? s.sessions.find((x) => x.id === job.sessionId) : null;
  const took = job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : null;
  return (
    <>
      <tr className={`job state-${job.state}`} data-job-id={job.id} data-state={job.state}>
        <td>
          <button type="button" className="link" aria-expanded={open} aria-label={`${job.kind} job ${job.id.slice(-8)} details`} onClick={() => setOpen(!open)}>
            {job.kind}
          </button>
        </td>
        <td>
          <span className={`badge state-${job.state}`} data-testid="job-state">
            {job.state}
          </span>
          {(job.state === "queued" || job.state === "running") && <div className="muted small">{describeJob(job)}</div>}
        </td>
        <td>
          {job.attempt}/{job.maxAttempts}
        </td>
        <td>{job.pluginId ?? "—"}</td>
        <td>{session ? (session.title ?? "Untitled") : job.sessionId ? <code title={job.sessionId}>{job.sessionId.slice(-8)}</code> : "—"}</td>
        <td>
          {timeAgo(job.updatedAt)}
          {took != null && took >= 0 && <div className="muted small">took {formatDuration(took)}</div>}
        </td>
        <td>
          {!isFinal(job.state) && (
            <button type="button" className="small danger" onClick={() => act.run("cancel")} disabled={act.busy || job.cancelRequested} aria-label={`Cancel ${job.kind} job ${job.id.slice(-8)}`}>
              {act.busy ? "Canceling…" : "Cancel"}
            </button>
          )}
          {(job.state === "failed" || job.state === "canceled") && (
            <button type="button" className="small" onClick={() => act.run("retry")} disabled={act.busy} aria-label={`Retry ${job.kind} job ${job.id.slice(-8)}`}>
              Retry
            </button>
          )}
          {answer && (
            <span className="muted small" role="status">
              {" "}
              {answer}
            </span>
          )}
          {act.error && <span className="error"> {act.error}</span>}
        </td>
      </tr>
      {job.error && (
        <tr className="job-error">
          <td colSpan={7} className={job.state === "queued" ? "warning" : "error"}>
            {job.error.kind}: {job.error.message}
          </td>
        </tr>
      )}
      {open && (
        <tr>
          <td colSpan={7}>
            <JobDetail job={job} />
          </td>
        </tr>
      )}
    </>
  );
}

function Stats({ stats }: { stats: JobStats | null }) {
  if (!stats) return null;
  return (
    <p className="stats" role="status" aria-label="Queue depth" data-queued={stats.queued} data-running={stats.running}>
      <strong>{stats.queued}</strong> queued · <strong>{stats.running}</strong> running · capacity {stats.capacity}
      {stats.oldestQueuedAgeMs != null && <> · oldest queued {formatDuration(stats.oldestQueuedAgeMs)} ago</>}
    </p>
  );
}

function initialFilter(): JobFilter {
  const q = new URLSearchParams(typeof location !== "undefined" ? location.search : "");
  return { state: q.get("state") ?? "", kind: q.get("kind") ?? "", sessionId: q.get("sessionId") ?? "" };
}

export function JobsPage() {
  const s = useStore();
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<JobFilter>(initialFilter);
  const [kinds, setKinds] = useState<{ kind: string; pluginId: string; description: string }[]>([]);
  const [stats, setStats] = useState<JobStats | null>(null);
  const statsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const loadStats = () =>
    call<JobStats>("jobs.stats")
      .then(setStats)
      .catch(() => setStats(null));
  const load = () =>
    call<{ jobs: Job[] }>("jobs.list", { query: { state: filter.state, kind: filter.kind, sessionId: filter.sessionId, limit: 200 } })
      .then((r) => {
        // Events seen meanwhile may be newer than the page: the store's view wins where it is.
        setJobs(r.jobs.reduce((list, j) => applyJob(list, store.jobs.get(j.id) ?? j, filterRef.current), [] as Job[]));
        setError(null);
        setMissing(false);
      })
      .catch((e) => {
        if (isMissingRoute(e)) setMissing(true);
        else setError(errorText(e));
      });
  useEffect(() => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    const url = `/jobs${q.size ? `?${q}` : ""}`;
    if (location.pathname === "/jobs" && location.pathname + location.search !== url) history.replaceState(null, "", url);
    setJobs(null);
    void load();
    void loadStats();
    return store.onEvent((ev) => {
      const job = jobFromEvent(ev);
      if (!job) return;
      const merged = store.jobs.get(job.id) ?? job;
      setJobs((list) => (list ? applyJob(list, merged, filterRef.current) : list));
      if (!statsTimer.current)
        statsTimer.current = setTimeout(() => {
          statsTimer.current = null;
          void loadStats();
        }, 250);
    });
  }, [filter.state, filter.kind, filter.sessionId]);
  useEffect(() => {
    call<{ kinds: typeof kinds }>("jobs.kinds")
      .then((r) => setKinds(r.kinds))
      .catch(() => setKinds([]));
  }, []);
  const kindNames = [...new Set([...kinds.map((k) => k.kind), ...(jobs ?? []).map((j) => j.kind), filter.kind ?? ""].filter(Boolean))].sort();
  const sessionIds = [...new Set([...s.sessions.map((x) => x.id), ...(jobs ?? []).map((j) => j.sessionId ?? ""), filter.sessionId ?? ""].filter(Boolean))];
  const title = (id: string) => {
    const x = s.sessions.find((y) => y.id === id);
    return x ? (x.title ?? "Untitled chat") : `${id.slice(-8)} (not a chat: a worker or deleted session)`;
  };
  const onJob = (j: Job) => setJobs((list) => (list ? applyJob(list, j, filterRef.current) : list));
  const filtered = Boolean(filter.state || filter.kind || filter.sessionId);
  return (
    <main className="page-body" aria-label="Jobs">
      <h1>Jobs</h1>
      {missing ? (
        <p className="warning" role="status">
          The job queue is not available on this host (its routes answer 404).
        </p>
      ) : (
        <>
          <Stats stats={stats} />
          <div className="filters" role="group" aria-label="Filters">
            <label className="field">
              <span>State</span>
              <select value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.target.value })}>
                {STATES.map((x) => (
                  <option key={x} value={x}>
                    {x || "any"}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Kind</span>
              <select value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: e.target.value })}>
                <option value="">any</option>
                {kindNames.map((k) => (
                  <option key={k} value={k} title={kinds.find((x) => x.kind === k)?.description}>
                    {k}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Chat</span>
              <select value={filter.sessionId} onChange={(e) => setFilter({ ...filter, sessionId: e.target.value })}>
                <option value="">any</option>
                {sessionIds.map((id) => (
                  <option key={id} value={id}>
                    {title(id)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => (void load(), void loadStats())}>
              Refresh
            </button>
          </div>
          <ErrorLine error={error} />
          {!jobs && !error && <p className="muted">Loading…</p>}
          {jobs && jobs.length === 0 && <p className="muted">No jobs{filtered ? " match these filters" : " yet"}.</p>}
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
                    <JobRow key={j.id} job={j} onJob={onJob} />
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
