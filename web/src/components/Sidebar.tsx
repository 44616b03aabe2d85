// Projects and chats: search, new chat (in a project or a working directory), rename, move, archive, delete, and a
// badge on every chat that waits for a decision or has failed.
import { useMemo, useState } from "react";
import { call } from "../api/client";
import type { Project, Session, SessionOwner } from "../api/types";
import { createChatError, cwdProblem, defaultCwd, folderChoices, LAST_CWD_KEY } from "../lib/folders";
import { navigate } from "../lib/router";
import { store, useStore } from "../lib/store";
import { ConfirmButton, ErrorLine, Modal, StatusBadge, timeAgo, useAction } from "./ui";

export function NewChatDialog({ open, onClose, projectId }: { open: boolean; onClose: () => void; projectId?: string | null }) {
  const s = useStore();
  const last = readLastCwd();
  const [project, setProject] = useState<string>(projectId ?? "");
  // In a project the project's folder is the default (an empty field); otherwise the last folder used here.
  const [cwd, setCwd] = useState(() => (projectId ? "" : defaultCwd(s.sessions, last)));
  const [title, setTitle] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const act = useAction(async () => {
    const body: Record<string, string> = {};
    if (project) body.projectId = project;
    if (cwd.trim()) body.cwd = cwd.trim();
    if (title.trim()) body.title = title.trim();
    let created: Session;
    try {
      created = await call<Session>("sessions.create", { body });
    } catch (e) {
      setProblem(createChatError(e, cwd));
      return;
    }
    try {
      localStorage.setItem(LAST_CWD_KEY, created.cwd);
    } catch {
      /* private mode: no memory of the last folder */
    }
    await store.refreshSessions();
    onClose();
    setTitle("");
    navigate(`/chats/${created.id}`);
    setTimeout(() => dispatchEvent(new Event("cm:focus-composer")), 50);
  });
  const proj = s.projects.find((p) => p.id === project);
  const choices = folderChoices(s.sessions, s.projects, last);
  return (
    <Modal title="New chat" open={open} onClose={onClose}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const bad = cwdProblem(cwd, Boolean(project));
          setProblem(bad);
          if (!bad) void act.run();
        }}
      >
        <label className="field">
          <span>Project</span>
          <select
            value={project}
            onChange={(e) => {
              setProject(e.target.value);
              // Choosing a project means its folder unless another is typed.
              if (e.target.value) setCwd("");
              setProblem(null);
            }}
          >
            <option value="">No project (give a working directory)</option>
            {s.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Working directory</span>
          <input
            value={cwd}
            onChange={(e) => {
              setCwd(e.target.value);
              setProblem(null);
            }}
            placeholder={proj ? `${proj.cwd} (the project's)` : "/absolute/path/to/your/code"}
            aria-invalid={problem ? true : undefined}
            aria-describedby="new-chat-cwd-problem"
            spellCheck={false}
            autoComplete="off"
          />
        </label>
        {choices.length > 0 && (
          <div className="folder-choices" role="group" aria-label="Recent folders">
            {choices.map((c) => (
              <button
                key={c.path}
                type="button"
                className={`small folder${c.path === cwd.trim() ? " chosen" : ""}`}
                aria-label={c.path}
                aria-pressed={c.path === cwd.trim()}
                title={`${c.path} (${c.source})`}
                onClick={() => {
                  setCwd(c.path);
                  setProblem(null);
                }}
              >
                <code>{c.path}</code> <span className="muted">{c.source}</span>
              </button>
            ))}
          </div>
        )}
        <label className="field">
          <span>Title (optional)</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} />
        </label>
        <div className="buttons">
          <button type="submit" className="primary" disabled={act.busy}>
            Create chat
          </button>
        </div>
        <div id="new-chat-cwd-problem">
          <ErrorLine error={problem ?? act.error} />
        </div>
      </form>
    </Modal>
  );
}

function readLastCwd(): string | null {
  try {
    return localStorage.getItem(LAST_CWD_KEY);
  } catch {
    return null;
  }
}

function NewProjectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const [cwd, setCwd] = useState("");
  const act = useAction(async () => {
    await call<Project>("projects.create", { body: { name: name.trim(), cwd: cwd.trim() } });
    await store.refreshProjects();
    setName("");
    setCwd("");
    onClose();
  });
  return (
    <Modal title="New project" open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run();
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label className="field">
          <span>Working directory</span>
          <input value={cwd} onChange={(e) => setCwd(e.target.value)} required placeholder="/absolute/path" />
        </label>
        <div className="buttons">
          <button type="submit" className="primary" disabled={act.busy}>
            Create project
          </button>
        </div>
        <ErrorLine error={act.error} />
      </form>
    </Modal>
  );
}

/**
 * A project's actions: rename, re-point (its working directory, for chats created afterwards), move all its chats
 * to another project (or none), delete all its chats, delete the project (the host refuses while it has chats).
 * The list follows from the host's events (`project.*`, `session.updated`, `session.deleted`).
 */
export function ProjectActions({ project, onClose }: { project: Project; onClose: () => void }) {
  const s = useStore();
  const [name, setName] = useState(project.name);
  const [cwd, setCwd] = useState(project.cwd);
  const [target, setTarget] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const others = s.projects.filter((p) => p.id !== project.id);
  const act = useAction(async (what: "rename" | "repoint" | "move" | "deleteChats" | "delete") => {
    setDone(null);
    const params = { id: project.id };
    if (what === "rename") {
      await call<Project>("projects.update", { params, body: { name: name.trim() } });
      setDone("Renamed.");
    } else if (what === "repoint") {
      await call<Project>("projects.update", { params, body: { cwd: cwd.trim() } });
      setDone("New chats in this project start in the new directory.");
    } else if (what === "move") {
      const r = await call<{ sessionIds: string[] }>("projects.move_sessions", { params, body: { toProjectId: target || null } });
      setDone(`Moved ${r.sessionIds.length} ${r.sessionIds.length === 1 ? "chat" : "chats"}.`);
    } else if (what === "deleteChats") {
      const r = await call<{ sessionIds: string[] }>("projects.delete_sessions", { params });
      if (store.chat && r.sessionIds.includes(store.chat.id)) navigate("/");
      setDone(`Deleted ${r.sessionIds.length} ${r.sessionIds.length === 1 ? "chat" : "chats"}.`);
    } else {
      await call("projects.delete", { params });
      await store.refreshProjects();
      onClose();
      return;
    }
    await store.refreshProjects();
  });
  const count = s.projects.find((p) => p.id === project.id)?.sessionCount ?? project.sessionCount;
  return (
    <Modal title={`Project: ${project.name}`} open onClose={onClose}>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run("rename");
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <button type="submit" disabled={act.busy || !name.trim() || name.trim() === project.name}>
          Rename
        </button>
      </form>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run("repoint");
        }}
      >
        <label className="field">
          <span>Working directory</span>
          <input value={cwd} onChange={(e) => setCwd(e.target.value)} required placeholder="/absolute/path" />
        </label>
        <button type="submit" disabled={act.busy || !cwd.trim() || cwd.trim() === project.cwd}>
          Change directory
        </button>
      </form>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run("move");
        }}
      >
        <label className="field">
          <span>Move all its chats to</span>
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">No project</option>
            {others.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={act.busy || count === 0}>
          Move chats
        </button>
      </form>
      <p className="muted small">
        {count === 1 ? "1 chat" : `${count} chats`} in this project. A project is deleted only once it has no chats.
      </p>
      <div className="buttons">
        <ConfirmButton
          label="Delete all chats"
          question={`Delete all ${count} chats of “${project.name}” and their Codex threads? This cannot be undone.`}
          confirmLabel={`Delete ${count} ${count === 1 ? "chat" : "chats"}`}
          disabled={act.busy || count === 0}
          onConfirm={() => void act.run("deleteChats")}
        />
        <ConfirmButton
          label="Delete project"
          question={`Delete the project “${project.name}”?`}
          confirmLabel="Yes, delete the project"
          disabled={act.busy}
          onConfirm={() => void act.run("delete")}
        />
      </div>
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
      <ErrorLine error={act.error} />
    </Modal>
  );
}

function ChatActions({ session, onClose }: { session: Session; onClose: () => void }) {
  const s = useStore();
  const [title, setTitle] = useState(session.title ?? "");
  const [project, setProject] = useState(session.projectId ?? "");
  const act = useAction(async (what: string) => {
    if (what === "rename") await call("sessions.update", { params: { id: session.id }, body: { title } });
    if (what === "move") await call("sessions.update", { params: { id: session.id }, body: { projectId: project } });
    if (what === "archive") await call("sessions.update", { params: { id: session.id }, body: { archived: !session.archived } });
    if (what === "delete") {
      if (!confirm(`Delete “${session.title ?? "Untitled"}” and its Codex thread? This cannot be undone.`)) return;
      await call("sessions.delete", { params: { id: session.id } });
      if (store.chat?.id === session.id) navigate("/");
    }
    await store.refreshSessions();
    onClose();
  });
  return (
    <Modal title={`Chat: ${session.title ?? "Untitled"}`} open onClose={onClose}>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run("rename");
        }}
      >
        <label className="field">
          <span>Title</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} />
        </label>
        <button type="submit" disabled={act.busy}>
          Rename
        </button>
      </form>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run("move");
        }}
      >
        <label className="field">
          <span>Project</span>
          <select value={project} onChange={(e) => setProject(e.target.value)}>
            <option value="">No project</option>
            {s.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={act.busy}>
          Move
        </button>
      </form>
      <div className="buttons">
        <button type="button" onClick={() => act.run("archive")} disabled={act.busy}>
          {session.archived ? "Unarchive" : "Archive"}
        </button>
        <button type="button" className="danger" onClick={() => act.run("delete")} disabled={act.busy}>
          Delete
        </button>
      </div>
      <ErrorLine error={act.error} />
    </Modal>
  );
}

/**
 * The host a chat runs on, shown when it is not the host this page talks to (several hosts share one store): its
 * name, and "offline" when it cannot act on the chat now (sending there is refused until it is back).
 */
export function OwnerBadge({ owner, thisHost }: { owner: SessionOwner | undefined; thisHost: string | null }) {
  if (!owner || !thisHost || owner.id === thisHost) return null;
  const title = owner.online ? `Runs on host ${owner.name}` : `Runs on host ${owner.name}, which is offline: it cannot act on this chat now`;
  return (
    <span className={`badge owner${owner.online ? "" : " status-failed"}`} title={title}>
      {owner.name}
      {!owner.online && " · offline"}
    </span>
  );
}

function ChatRow({ session, active, onMenu, thisHost }: { session: Session; active: boolean; onMenu: () => void; thisHost: string | null }) {
  // The host's status for the row (`session.updated` carries it on every change, pending requests included).
  const status = session.status;
  return (
    <li className={`chat-row${active ? " active" : ""}`} data-session-id={session.id}>
      <a
        href={`/chats/${session.id}`}
        aria-current={active ? "page" : undefined}
        onClick={(e) => {
          e.preventDefault();
          navigate(`/chats/${session.id}`);
          dispatchEvent(new Event("cm:close-nav"));
        }}
      >
        <span className="chat-name">{session.title || "Untitled"}</span>
        <span className="chat-sub">
          {status !== "idle" && <StatusBadge status={status} />}
          <OwnerBadge owner={session.owner} thisHost={thisHost} />
          <span className="muted">{timeAgo(session.lastActivityAt)}</span>
        </span>
      </a>
      <button type="button" className="icon" aria-label={`Actions for ${session.title || "Untitled"}`} onClick={onMenu}>
        ⋯
      </button>
    </li>
  );
}

export function Sidebar({ currentId }: { currentId: string | null }) {
  const s = useStore();
  const [q, setQ] = useState("");
  const [showArchived, setShowArchived] = useState(false);
  const [newChat, setNewChat] = useState<{ projectId: string | null } | null>(null);
  const [newProject, setNewProject] = useState(false);
  const [menu, setMenu] = useState<Session | null>(null);
  const [projectMenu, setProjectMenu] = useState<string | null>(null);
  const more = useAction(() => store.loadMoreSessions());
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = s.sessions.filter((x) => x.archived === showArchived && (!needle || (x.title ?? "").toLowerCase().includes(needle) || x.cwd.toLowerCase().includes(needle)));
    const byProject = new Map<string | null, Session[]>();
    for (const x of list) byProject.set(x.projectId ?? null, [...(byProject.get(x.projectId ?? null) ?? []), x]);
    return byProject;
  }, [s.sessions, s.version, q, showArchived]);
  const waiting = s.sessions.filter((x) => x.status.startsWith("waiting")).length;
  const sections: { id: string | null; name: string; project?: Project }[] = [
    ...s.projects.map((p) => ({ id: p.id, name: p.name, project: p })),
    { id: null, name: "No project" },
  ];
  return (
    <nav className="sidebar" aria-label="Chats">
      <div className="sidebar-actions">
        <button type="button" className="primary" onClick={() => setNewChat({ projectId: null })} aria-keyshortcuts="n">
          New chat
        </button>
        <button type="button" onClick={() => setNewProject(true)}>
          New project
        </button>
      </div>
      <label className="sr-only" htmlFor="chat-search">
        Search chats
      </label>
      <input id="chat-search" type="search" className="search" placeholder="Search chats (/)" value={q} onChange={(e) => setQ(e.target.value)} />
      {waiting > 0 && <p className="attention-line">{waiting === 1 ? "1 chat waits for you" : `${waiting} chats wait for you`}</p>}
      <ErrorLine error={s.sessionsError} />
      {sections.map((sec) => {
        const items = groups.get(sec.id) ?? [];
        if (!items.length && (sec.id === null || q)) return null;
        return (
          <section key={sec.id ?? "none"} className="project" aria-label={sec.name}>
            <header>
              <h2 title={sec.project?.cwd}>{sec.name}</h2>
              {sec.id && (
                <span className="buttons">
                  <button type="button" className="icon" aria-label={`New chat in ${sec.name}`} onClick={() => setNewChat({ projectId: sec.id })}>
                    +
                  </button>
                  <button type="button" className="icon" aria-label={`Actions for project ${sec.name}`} aria-haspopup="dialog" onClick={() => setProjectMenu(sec.id)}>
                    ⋯
                  </button>
                </span>
              )}
            </header>
            <ul>
              {items.map((x) => (
                <ChatRow key={x.id} session={x} active={x.id === currentId} onMenu={() => setMenu(x)} thisHost={s.ready?.host?.id ?? null} />
              ))}
              {!items.length && <li className="muted small">No chats</li>}
            </ul>
          </section>
        );
      })}
      {s.sessions.length === 0 && !s.sessionsError && <p className="muted">No chats yet.</p>}
      {s.sessionsCursor && (
        <button type="button" className="load-more" onClick={() => void more.run()} disabled={more.busy} aria-busy={more.busy}>
          {more.busy ? "Loading…" : "Load more chats"}
        </button>
      )}
      <ErrorLine error={more.error} />
      <label className="check small">
        <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} /> Show archived chats
      </label>
      {newChat && <NewChatDialog open onClose={() => setNewChat(null)} projectId={newChat.projectId} />}
      <NewProjectDialog open={newProject} onClose={() => setNewProject(false)} />
      {projectMenu && s.projects.some((p) => p.id === projectMenu) && (
        <ProjectActions key={projectMenu} project={s.projects.find((p) => p.id === projectMenu)!} onClose={() => setProjectMenu(null)} />
      )}
      {menu && <ChatActions session={s.sessions.find((x) => x.id === menu.id) ?? menu} onClose={() => setMenu(null)} />}
    </nav>
  );
}
