// Calls to the My Profile API. The API origin is fixed at build time
// (esbuild --define:API_ORIGIN); empty means the page's own origin, unless
// a config.json next to the page names another ({"apiOrigin": "https://..."},
// written by the stack when it deploys the page).
declare const API_ORIGIN: string;

let apiOrigin: string = API_ORIGIN;

// configure reads config.json when the build named no API origin; a
// missing or unreadable file keeps the page's own origin.
export async function configure(): Promise<void> {
  if (apiOrigin) return;
  try {
    const resp = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (!resp.ok) return;
    const c = await resp.json();
    if (c && typeof c.apiOrigin === "string") apiOrigin = c.apiOrigin.replace(/\/+$/, "");
  } catch {
    // no configuration: the page's own origin
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: FieldProblem[];
  idpUrl?: string;
}

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail || problem.title || problem.code);
  }
}

const TOKEN_KEY = "myprofile.session";

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export interface Reply<T> {
  status: number;
  data: T;
  etag: string | null;
}

export async function call<T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const h: Record<string, string> = { Accept: "application/json", ...headers };
  const t = token();
  if (t) h["Authorization"] = "Bearer " + t;
  if (body !== undefined) h["Content-Type"] = path === "/v1/me" && method === "PATCH" ? "application/merge-patch+json" : "application/json";
  let resp: Response;
  try {
    resp = await fetch(apiOrigin + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError({ status: 0, code: "network" });
  }
  const text = await resp.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) {
    const p: Problem = data && typeof data === "object" && data.code ? data : { status: resp.status, code: resp.status === 401 ? "unauthenticated" : "internal" };
    throw new ApiError(p);
  }
  return { status: resp.status, data: data as T, etag: resp.headers.get("ETag") };
}
