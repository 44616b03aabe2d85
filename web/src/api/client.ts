// The API client: same-origin fetch with the login cookie; every call names an operation (by operationId) of
// routes.ts.
import { buildUrl, route as routeOf, type UiOperation } from "./routes";

/** Sent with answers, enqueues, cancels and retries: the host records who acted (`decidedBy`, `canceled by web`). */
export const WEB_CLIENT = { "X-Codex-Manager-Client": "web" };

/** A failed call, with the API's stable error code and its message for people. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
  /** "code: message" as shown in the UI. */
  get display(): string {
    return `${this.code}: ${this.message}`;
  }
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type Fetcher = typeof fetch;
let fetcher: Fetcher = (...args) => fetch(...args);
/** Tests swap the transport. */
export function setFetcher(f: Fetcher) {
  fetcher = f;
}

export async function call<T = any>(id: UiOperation, opts: CallOptions = {}): Promise<T> {
  const route = routeOf(id);
  const url = buildUrl(route.path, opts.params, opts.query);
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetcher(url, { method: route.method, headers, body, credentials: "same-origin", signal: opts.signal });
  } catch (e) {
    if ((e as Error)?.name === "AbortError") throw e;
    throw new ApiError(0, "network_error", `the host cannot be reached (${(e as Error)?.message ?? e})`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: any = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const err = parsed?.error;
    if (err?.code) throw new ApiError(res.status, err.code, err.message ?? "", err.details ?? null);
    throw new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
  }
  return parsed as T;
}

/** `error` as one line for people, with the API's code when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.display;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True for a 404 of a route the host does not have (yet): pages degrade instead of failing. */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === "route_not_found";
}
