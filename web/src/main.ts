// The reference My Profile page: sign-up, sign-in (with the second step),
// and the profile tabs, on the public API only.
import { ApiError, call, configure, setToken, token } from "./api";
import { checked, clearProblems, field, form, h, input, problemText, section, select, showProblem, val } from "./dom";
import { lang, setLanguage, t, type Key } from "./i18n";
import * as webauthn from "./webauthn";

const root = document.getElementById("app")!;
let profile: any = null;
let etag: string | null = null;
let currentTab = "general";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const CATEGORIES = ["messages", "mentions", "assignments", "tasks", "appointments", "opportunities", "account", "contactImports", "billing"] as const;
const CHANNELS = ["inApp", "email", "push", "sms"] as const;

function timeZones(): string[] {
  const zones: string[] = (Intl as any).supportedValuesOf ? (Intl as any).supportedValuesOf("timeZone") : ["UTC"];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

function tzSelect(value: string): HTMLSelectElement {
  const zones = timeZones();
  if (value && !zones.includes(value)) zones.unshift(value);
  return select(zones.map((z) => [z, z]), value || "UTC");
}

function mount(...children: (Node | null)[]): void {
  root.replaceChildren(...children.filter((c): c is Node => !!c));
}

function signedOut(message?: string): void {
  setToken(null);
  profile = null;
  renderAuth(message);
}

// guard turns an expired session into the sign-in screen.
async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === "unauthenticated") signedOut(t("unauthenticated"));
    throw e;
  }
}

// ---- sign-up and sign-in ---------------------------------------------------

function renderAuth(message?: string, mode: "signin" | "signup" = "signin"): void {
  document.title = t("appTitle");
  const signin = mode === "signin";
  const tabs = h(
    "div",
    { class: "switch" },
    h("button", { type: "button", id: "show-signin", "aria-pressed": String(signin), onclick: () => renderAuth(undefined, "signin") }, t("signIn")),
    h("button", { type: "button", id: "show-signup", "aria-pressed": String(!signin), onclick: () => renderAuth(undefined, "signup") }, t("signUp")),
  );
  const note = message ? h("p", { class: "notice", role: "status" }, message) : null;
  mount(
    h(
      "main",
      { id: "main", class: "auth" },
      h("h1", null, t("appTitle")),
      note,
      tabs,
      signin ? signInForm() : signUpForm(),
    ),
  );
  root.querySelector<HTMLInputElement>("main form input")?.focus();
}

function signUpForm(): HTMLElement {
  return form(
    { id: "signup-form", "aria-label": t("signUp") },
    [
      field("firstName", t("firstName"), input("text", { autocomplete: "given-name", required: true }), { idPrefix: "signup" }),
      field("lastName", t("lastName"), input("text", { autocomplete: "family-name", required: true }), { idPrefix: "signup" }),
      field("email", t("email"), input("email", { autocomplete: "email", required: true }), { idPrefix: "signup" }),
      field("password", t("password"), input("password", { autocomplete: "new-password", required: true, minlength: 12 }), { idPrefix: "signup" }),
    ],
    t("signUp"),
    async (f) => {
      const body = {
        email: val(f, "email"),
        password: val(f, "password"),
        firstName: val(f, "firstName"),
        lastName: val(f, "lastName"),
        language: lang(),
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      };
      const r = await call("POST", "/v1/auth/signup", body);
      if (r.status === 201 && r.data?.session?.token) {
        // An API without the address code step answers with the session.
        await startSession(r.data.session.token);
        return;
      }
      renderSignUpCode(body.email);
    },
  );
}

function renderSignUpCode(email: string): void {
  const f = form(
    { id: "signup-code-form", "aria-label": t("confirmAccount") },
    [
      h("p", null, t("signupCodeIntro", { email })),
      field("code", t("code"), input("text", { inputmode: "numeric", autocomplete: "one-time-code", required: true }), { idPrefix: "signup" }),
    ],
    t("confirmAccount"),
    async (f) => {
      const r = await call("POST", "/v1/auth/signup/confirm", { email, code: val(f, "code").trim() });
      await startSession(r.data.session.token);
    },
  );
  mount(h("main", { id: "main", class: "auth" }, h("h1", null, t("appTitle")), f));
  f.querySelector("input")?.focus();
}

function signInForm(): HTMLElement {
  const f = form(
    { id: "signin-form", "aria-label": t("signIn") },
    [
      field("email", t("email"), input("email", { autocomplete: "username webauthn", required: true }), { idPrefix: "signin" }),
      field("password", t("password"), input("password", { autocomplete: "current-password", required: true }), { idPrefix: "signin" }),
    ],
    t("signIn"),
    async (f) => {
      const r = await call("POST", "/v1/auth/login", { email: val(f, "email"), password: val(f, "password") });
      if (r.data.mfaRequired) renderSecondStep(r.data);
      else await startSession(r.data.session.token);
    },
  );
  if (webauthn.supported()) {
    const b = h("button", { type: "button", id: "passkey-signin", class: "secondary" }, t("passkeySignIn"));
    b.addEventListener("click", async () => {
      try {
        const begin = await call("POST", "/v1/auth/passkey/begin");
        const credential = await webauthn.get(begin.data.publicKey);
        const r = await call("POST", "/v1/auth/passkey/finish", { challengeId: begin.data.challengeId, credential });
        await startSession(r.data.session.token);
      } catch (e) {
        showProblem(f, e);
      }
    });
    return h("div", null, f, h("div", { class: "or" }, b));
  }
  return f;
}

function renderSecondStep(ch: { challengeId: string; methods: string[] }): void {
  const methods = ch.methods.filter((m) => m !== "webauthn" || webauthn.supported());
  let method = methods.find((m) => m !== "webauthn") ?? methods[0];
  const holder = h("div");
  const choose = h(
    "fieldset",
    { class: "methods" },
    h("legend", null, t("secondStepIntro")),
    methods.map((m) =>
      h(
        "div",
        { class: "field check" },
        h("input", {
          type: "radio",
          name: "method",
          id: "mfa-method-" + m,
          value: m,
          checked: m === method,
          onchange: () => {
            method = m;
            draw();
          },
        }),
        h("label", { for: "mfa-method-" + m }, t(("method_" + m) as Key)),
      ),
    ),
  );
  const draw = () => {
    if (method === "webauthn") {
      const f = form({ id: "mfa-form" }, [], t("usePasskey"), async () => {
        const begin = await call("POST", "/v1/auth/login/webauthn/begin", { challengeId: ch.challengeId });
        const credential = await webauthn.get(begin.data.publicKey);
        const r = await call("POST", "/v1/auth/login/webauthn/finish", { challengeId: ch.challengeId, credential });
        await startSession(r.data.session.token);
      });
      holder.replaceChildren(f);
      return;
    }
    const codeInput = input("text", { inputmode: method === "backup_code" ? "text" : "numeric", autocomplete: "one-time-code", required: true });
    const f = form({ id: "mfa-form" }, [field("code", t(("method_" + method) as Key), codeInput, { idPrefix: "mfa" })], t("verify"), async (f) => {
      const r = await call("POST", "/v1/auth/login/mfa", { challengeId: ch.challengeId, method, code: val(f, "code").trim() });
      await startSession(r.data.session.token);
    });
    if (method === "sms") {
      const send = h("button", { type: "button", id: "mfa-send-sms", class: "secondary" }, t("sendSms"));
      send.addEventListener("click", async () => {
        try {
          await call("POST", "/v1/auth/login/mfa/sms", { challengeId: ch.challengeId });
          f.querySelector<HTMLElement>(".status")!.textContent = t("smsSent");
        } catch (e) {
          showProblem(f, e);
        }
      });
      f.prepend(send);
    }
    holder.replaceChildren(f);
  };
  draw();
  mount(h("main", { id: "main", class: "auth" }, h("h1", null, t("secondStep")), choose, holder));
  holder.querySelector("input")?.focus();
}

async function startSession(tok: string): Promise<void> {
  setToken(tok);
  await loadProfile();
  currentTab = "general";
  renderApp();
}

async function loadProfile(): Promise<void> {
  const r = await guard(call("GET", "/v1/me"));
  profile = r.data;
  etag = r.etag;
  setLanguage(profile.language);
}

// ---- the signed-in page ----------------------------------------------------

interface Tab {
  id: string;
  label: Key;
  render: () => HTMLElement | Promise<HTMLElement>;
  show?: () => boolean;
}

const TABS: Tab[] = [
  { id: "general", label: "tab_general", render: generalTab },
  { id: "signature", label: "tab_signature", render: signatureTab },
  { id: "availability", label: "tab_availability", render: availabilityTab },
  { id: "calendar", label: "tab_calendar", render: calendarTab },
  { id: "security", label: "tab_security", render: securityTab },
  { id: "notifications", label: "tab_notifications", render: notificationsTab },
  { id: "billing", label: "tab_billing", render: billingTab, show: () => profile.role === "owner" },
  { id: "organization", label: "tab_organization", render: organizationTab, show: () => profile.role === "owner" || profile.role === "admin" },
  { id: "danger", label: "tab_danger", render: dangerTab },
];

function renderApp(): void {
  document.title = t("appTitle") + " · " + (profile.displayName || profile.firstName);
  const tabs = TABS.filter((x) => !x.show || x.show());
  if (!tabs.some((x) => x.id === currentTab)) currentTab = "general";
  const signOut = h("button", { type: "button", id: "signout", class: "secondary" }, t("signOut"));
  signOut.addEventListener("click", async () => {
    try {
      await call("POST", "/v1/auth/logout");
    } catch {
      // The session is forgotten here either way.
    }
    signedOut();
  });
  const avatar = profile.avatarUrl ? h("img", { class: "avatar-small", src: small(profile.avatarUrl), alt: "" }) : null;
  const header = h(
    "header",
    { class: "top" },
    h("a", { href: "#panel", class: "skip" }, t("skipToContent")),
    h("h1", null, t("appTitle")),
    h("div", { class: "who" }, avatar, h("span", { id: "who-name" }, profile.displayName || profile.firstName + " " + profile.lastName), signOut),
  );
  const list = h("div", { role: "tablist", "aria-label": t("tabs"), class: "tabs", "aria-orientation": "vertical" });
  const panel = h("div", { role: "tabpanel", id: "panel", tabindex: "0", "aria-labelledby": "tab-" + currentTab, class: "panel" });
  tabs.forEach((tab, i) => {
    const selected = tab.id === currentTab;
    const b = h(
      "button",
      { type: "button", role: "tab", id: "tab-" + tab.id, "aria-selected": String(selected), "aria-controls": "panel", tabindex: selected ? "0" : "-1" },
      t(tab.label),
    );
    b.addEventListener("click", () => selectTab(tab.id));
    b.addEventListener("keydown", (e) => {
      const move: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
      let next = -1;
      if (e.key in move) next = (i + move[e.key] + tabs.length) % tabs.length;
      else if (e.key === "Home") next = 0;
      else if (e.key === "End") next = tabs.length - 1;
      if (next < 0) return;
      e.preventDefault();
      selectTab(tabs[next].id, true);
    });
    list.appendChild(b);
  });
  mount(header, h("main", { id: "main", class: "layout" }, h("nav", { "aria-label": t("tabs") }, list), panel));
  void fillPanel(panel);
}

async function selectTab(id: string, focusTab = false): Promise<void> {
  currentTab = id;
  renderApp();
  if (focusTab) document.getElementById("tab-" + id)?.focus();
}

async function fillPanel(panel: HTMLElement): Promise<void> {
  const tab = TABS.find((x) => x.id === currentTab)!;
  panel.replaceChildren(h("p", { class: "loading" }, t("loading")));
  try {
    const el = await tab.render();
    panel.replaceChildren(el);
    panel.setAttribute("data-ready", tab.id);
  } catch (e) {
    panel.replaceChildren(h("p", { class: "alert", role: "alert" }, problemText(e)));
    panel.setAttribute("data-ready", tab.id);
  }
}

function small(url: string): string {
  return url.replace(/-512(\.[a-z]+)?(\?.*)?$/, "-128$1$2");
}

// patchProfile sends a merge patch with If-Match; a stale version reloads
// the profile and says so.
async function patchProfile(patch: Record<string, unknown>): Promise<void> {
  try {
    const r = await guard(call("PATCH", "/v1/me", patch, etag ? { "If-Match": etag } : {}));
    profile = r.data;
    etag = r.etag;
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === "precondition_failed") await loadProfile();
    throw e;
  }
}

// ---- General ---------------------------------------------------------------

function generalTab(): HTMLElement {
  const f = form(
    { id: "general-form", "aria-labelledby": "general-title" },
    [
      field("firstName", t("firstName"), input("text", { value: profile.firstName, autocomplete: "given-name" }), { idPrefix: "general" }),
      field("lastName", t("lastName"), input("text", { value: profile.lastName, autocomplete: "family-name" }), { idPrefix: "general" }),
      field("displayName", t("displayName"), input("text", { value: profile.displayName ?? "" }), { idPrefix: "general" }),
      field("language", t("language"), select([["en", "English"], ["es", "Español"]], (profile.language || "en").slice(0, 2)), { idPrefix: "general" }),
      field("region", t("region"), input("text", { value: profile.region ?? "", maxlength: 2, autocomplete: "country" }), { idPrefix: "general" }),
      field("timezone", t("timezone"), tzSelect(profile.timezone), { idPrefix: "general" }),
    ],
    t("save"),
    async (f) => {
      const before = lang();
      await patchProfile({
        firstName: val(f, "firstName"),
        lastName: val(f, "lastName"),
        displayName: val(f, "displayName"),
        language: val(f, "language"),
        region: val(f, "region").toUpperCase(),
        timezone: val(f, "timezone"),
      });
      setLanguage(profile.language);
      if (lang() !== before) {
        renderApp();
        return;
      }
      document.getElementById("who-name")!.textContent = profile.displayName || profile.firstName + " " + profile.lastName;
      return t("saved");
    },
  );
  return h("div", null, section("general-title", t("tab_general"), f), avatarSection());
}

function avatarSection(): HTMLElement {
  const current = profile.avatarUrl
    ? h("img", { id: "avatar-current", class: "avatar", src: profile.avatarUrl, alt: t("avatarCurrent"), width: 128, height: 128 })
    : h("div", { id: "avatar-current-none", class: "avatar empty", "aria-hidden": "true" }, (profile.firstName || "?").slice(0, 1));
  const canvas = h("canvas", { id: "avatar-preview", class: "avatar", width: 128, height: 128, role: "img", "aria-label": t("avatarPreview"), hidden: true });
  const file = input("file", { accept: "image/png,image/jpeg" });
  let chosen: File | null = null;
  file.addEventListener("change", () => {
    chosen = file.files?.[0] ?? null;
    if (!chosen) return;
    const img = new Image();
    img.onload = () => {
      const side = Math.min(img.naturalWidth, img.naturalHeight);
      const sx = (img.naturalWidth - side) / 2;
      const sy = (img.naturalHeight - side) / 2;
      canvas.getContext("2d")!.drawImage(img, sx, sy, side, side, 0, 0, 128, 128);
      canvas.hidden = false;
      URL.revokeObjectURL(img.src);
    };
    img.src = URL.createObjectURL(chosen);
  });
  const f = form({ id: "avatar-form", "aria-labelledby": "avatar-title" }, [h("div", { class: "avatars" }, current, canvas), field("file", t("avatarChoose"), file, { idPrefix: "avatar" })], t("avatarUpload"), async (f) => {
    if (!chosen) throw new Error(t("avatarChoose"));
    const status = f.querySelector<HTMLElement>(".status")!;
    status.textContent = t("avatarUploading");
    const r = await guard(call("POST", "/v1/me/avatar"));
    const body = new FormData();
    for (const [k, v] of Object.entries(r.data.fields as Record<string, string>)) body.append(k, v);
    body.append("Content-Type", chosen.type);
    body.append("file", chosen);
    const before = profile.avatarUrl;
    try {
      const up = await fetch(r.data.url, { method: "POST", body });
      if (!up.ok) throw new Error(t("problem"));
    } catch (e) {
      // A bucket that does not answer with CORS headers still took the
      // upload; the profile below tells.
      if (!(e instanceof TypeError)) throw e;
    }
    for (let i = 0; i < 30; i++) {
      await loadProfile();
      if (profile.avatarUrl && profile.avatarUrl !== before) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    if (!profile.avatarUrl || profile.avatarUrl === before) throw new Error(t("problem"));
    renderApp();
    document.querySelector<HTMLElement>("#avatar-form .status")!.textContent = t("avatarDone");
  });
  if (profile.avatarUrl) {
    const rm = h("button", { type: "button", id: "avatar-remove", class: "secondary" }, t("avatarRemove"));
    rm.addEventListener("click", async () => {
      try {
        await guard(call("DELETE", "/v1/me/avatar"));
        await loadProfile();
        renderApp();
      } catch (e) {
        showProblem(f, e);
      }
    });
    f.querySelector(".actions")!.appendChild(rm);
  }
  return section("avatar-title", t("avatar"), f);
}

// ---- Signature -------------------------------------------------------------

// The elements and attributes the API's sanitizer keeps: the editor holds
// nothing else, so what you see is what is stored.
const SIG_TAGS = new Set(
  "p br div span b strong i em u s small big sub sup hr ul ol li blockquote h1 h2 h3 h4 h5 h6 table thead tbody tfoot tr td th center font a img".split(" "),
);
const SIG_DROP = new Set(["script", "style", "iframe", "object", "embed", "form", "input", "button", "textarea", "select", "template", "noscript"]);
const SIG_ATTRS: Record<string, string[]> = {
  "*": ["title"],
  a: ["href"],
  img: ["src", "alt", "width", "height", "align"],
  table: ["width", "height", "align", "cellpadding", "cellspacing", "border"],
  td: ["width", "height", "align", "valign", "colspan", "rowspan"],
  th: ["width", "height", "align", "valign", "colspan", "rowspan"],
  tr: ["valign"],
  p: ["align"],
  div: ["align"],
};

export function limitSignature(html: string): string {
  const doc = new DOMParser().parseFromString("<body>" + html, "text/html");
  const walk = (n: Element) => {
    for (const c of Array.from(n.children)) {
      const tag = c.tagName.toLowerCase();
      if (SIG_DROP.has(tag)) {
        c.remove();
        continue;
      }
      walk(c);
      if (!SIG_TAGS.has(tag)) {
        c.replaceWith(...Array.from(c.childNodes));
        continue;
      }
      const allowed = [...(SIG_ATTRS[tag] ?? []), ...SIG_ATTRS["*"]];
      for (const a of Array.from(c.attributes)) {
        const ok = allowed.includes(a.name) && (!["href", "src"].includes(a.name) || /^https:\/\//i.test(a.value.trim()));
        if (!ok) c.removeAttribute(a.name);
      }
    }
  };
  walk(doc.body);
  return doc.body.innerHTML;
}

function signatureTab(): HTMLElement {
  const sig = profile.signature ?? { html: "", includeInOutgoing: false };
  const editor = h("div", {
    id: "sig-editor",
    class: "editor",
    contenteditable: "true",
    role: "textbox",
    "aria-multiline": "true",
    "aria-labelledby": "sig-editor-label",
  });
  editor.innerHTML = limitSignature(sig.html ?? "");
  const source = h("textarea", { rows: 5, spellcheck: "false" });
  source.value = sig.html ?? "";
  const preview = h("iframe", { id: "sig-preview", title: t("previewFrame"), sandbox: "allow-same-origin", class: "preview" });
  let timer = 0;
  const renderPreview = (html?: string) => {
    clearTimeout(timer);
    timer = window.setTimeout(async () => {
      try {
        const r = await guard(call("POST", "/v1/me/signature/render", html === undefined ? {} : { html }));
        preview.srcdoc = `<!doctype html><meta charset="utf-8"><style>body{font:15px system-ui,sans-serif;color:#1a1a1a;margin:8px}</style><body>${r.data.html}`;
      } catch {
        // The preview waits for the next edit.
      }
    }, 300);
  };
  editor.addEventListener("input", () => {
    source.value = editor.innerHTML;
    renderPreview(source.value);
  });
  source.addEventListener("input", () => {
    editor.innerHTML = limitSignature(source.value);
    renderPreview(source.value);
  });
  const cmd = (name: string, label: Key, key: string, arg?: () => string | null) =>
    h("button", {
      type: "button",
      "aria-label": t(label),
      title: t(label),
      onclick: () => {
        const a = arg ? arg() : undefined;
        if (arg && !a) return;
        editor.focus();
        document.execCommand(name, false, a ?? undefined);
        source.value = limitSignature(editor.innerHTML);
        renderPreview(source.value);
      },
    }, key);
  const toolbar = h(
    "div",
    { role: "toolbar", "aria-label": t("signatureEditor"), class: "toolbar" },
    cmd("bold", "bold", "B"),
    cmd("italic", "italic", "I"),
    cmd("underline", "underline", "U"),
    cmd("insertUnorderedList", "list", "•"),
    cmd("createLink", "link", t("link"), () => {
      const u = prompt(t("linkPrompt"), "https://");
      return u && /^https:\/\//i.test(u) ? u : null;
    }),
  );
  const f = form(
    { id: "signature-form", "aria-labelledby": "signature-title" },
    [
      h("div", { class: "field", "data-field": "signature.html" }, h("p", { id: "sig-editor-label", class: "label" }, t("signatureEditor")), toolbar, editor, h("p", { class: "hint" }, t("customValues")), h("p", { class: "error", "data-error-for": "signature.html" })),
      h("details", null, h("summary", null, t("signatureSource")), field("html", t("signatureSource"), source, { idPrefix: "sig" })),
      field("includeInOutgoing", t("includeInOutgoing"), input("checkbox", { checked: !!sig.includeInOutgoing }), { idPrefix: "sig" }),
      h("h3", null, t("preview")),
      preview,
    ],
    t("save"),
    async (f) => {
      await patchProfile({ signature: { html: source.value, includeInOutgoing: checked(f, "includeInOutgoing") } });
      source.value = profile.signature.html;
      editor.innerHTML = limitSignature(profile.signature.html);
      renderPreview();
      return t("saved");
    },
  );
  renderPreview();
  return section("signature-title", t("tab_signature"), f);
}

// ---- Availability and Calendar ---------------------------------------------

function availabilityTab(): HTMLElement {
  const av = profile.availability ?? {};
  const weekly = av.weekly ?? {};
  const rows = DAYS.map((d) => {
    const iv = (weekly[d] ?? [])[0];
    return h(
      "fieldset",
      { class: "day", "data-field": "availability.weekly." + d },
      h("legend", null, t(("day_" + d) as Key)),
      field("on-" + d, t("available"), input("checkbox", { checked: !!iv }), { idPrefix: "av" }),
      field("start-" + d, t("from"), input("time", { value: iv?.start ?? "09:00" }), { idPrefix: "av" }),
      field("end-" + d, t("to"), input("time", { value: iv?.end ?? "17:00" }), { idPrefix: "av" }),
      h("p", { class: "error", "data-error-for": "availability.weekly." + d }),
    );
  });
  const loc = av.meetingLocation ?? { type: "zoom", details: "" };
  const f = form(
    { id: "availability-form", "aria-labelledby": "availability-title" },
    [
      field("availability.timezone", t("timezone"), tzSelect(av.timezone || profile.timezone), { idPrefix: "av" }),
      h("h3", null, t("weeklyHours")),
      h("div", { class: "days" }, rows),
      field("availability.meetingLocation.type", t("meetingLocation"), select((["zoom", "phone", "in_person", "custom"] as const).map((x) => [x, t(("loc_" + x) as Key)]), loc.type), { idPrefix: "av" }),
      field("availability.meetingLocation.details", t("meetingDetails"), input("text", { value: loc.details ?? "" }), { idPrefix: "av" }),
    ],
    t("save"),
    async (f) => {
      const w: Record<string, { start: string; end: string }[]> = {};
      for (const d of DAYS) w[d] = checked(f, "on-" + d) ? [{ start: val(f, "start-" + d), end: val(f, "end-" + d) }] : [];
      await patchProfile({
        availability: {
          timezone: val(f, "availability.timezone"),
          weekly: w,
          meetingLocation: { type: val(f, "availability.meetingLocation.type"), details: val(f, "availability.meetingLocation.details") },
        },
      });
      return t("saved");
    },
  );
  return section("availability-title", t("tab_availability"), f);
}

function calendarTab(): HTMLElement {
  const c = profile.calendar ?? {};
  const f = form(
    { id: "calendar-form", "aria-labelledby": "calendar-title" },
    [
      field("calendar.primaryCalendarId", t("primaryCalendar"), input("text", { value: c.primaryCalendarId ?? "" }), { idPrefix: "cal" }),
      field("calendar.conflictCalendarIds", t("conflictCalendars"), input("text", { value: (c.conflictCalendarIds ?? []).join(", ") }), { idPrefix: "cal" }),
      field("calendar.privateSyncedEvents", t("privateMode"), input("checkbox", { checked: !!c.privateSyncedEvents }), { idPrefix: "cal" }),
    ],
    t("save"),
    async (f) => {
      await patchProfile({
        calendar: {
          primaryCalendarId: val(f, "calendar.primaryCalendarId"),
          conflictCalendarIds: val(f, "calendar.conflictCalendarIds").split(",").map((s) => s.trim()).filter(Boolean),
          privateSyncedEvents: checked(f, "calendar.privateSyncedEvents"),
        },
      });
      return t("saved");
    },
  );
  return section("calendar-title", t("tab_calendar"), f);
}

// ---- Security --------------------------------------------------------------

// stepUp is the second factor a sensitive change asks for while two-step
// verification is on: the code field (authenticator, backup or a texted
// step-up code), "Text me a code" when SMS codes are on (POST
// /v1/me/2fa/step-up/sms) and "Use my passkey" when passkeys are registered
// (POST /v1/me/2fa/step-up/webauthn/begin, answered as `assertion`).
// body() gives the fields to send with the change.
interface StepUp {
  el: HTMLElement | null;
  body: (f: HTMLFormElement) => { code?: string; assertion?: unknown };
}

function stepUp(on: boolean, methods: { sms: boolean; passkeys: boolean }, prefix: string): StepUp {
  if (!on) return { el: null, body: () => ({}) };
  let assertion: unknown;
  const note = h("p", { class: "hint", id: prefix + "-stepup-status", role: "status", "aria-live": "polite" });
  const buttons: HTMLElement[] = [];
  const box = h("div", { class: "stepup" });
  if (methods.sms) {
    const send = h("button", { type: "button", id: prefix + "-send-sms", class: "secondary" }, t("sendSms"));
    send.addEventListener("click", async () => {
      const f = box.closest("form");
      if (f) clearProblems(f);
      try {
        await guard(call("POST", "/v1/me/2fa/step-up/sms"));
        note.textContent = t("smsSent");
        box.querySelector<HTMLInputElement>("input")?.focus();
      } catch (e) {
        if (f) showProblem(f, e);
      }
    });
    buttons.push(send);
  }
  if (methods.passkeys && webauthn.supported()) {
    const use = h("button", { type: "button", id: prefix + "-use-passkey", class: "secondary" }, t("usePasskey"));
    use.addEventListener("click", async () => {
      const f = box.closest("form");
      if (f) clearProblems(f);
      try {
        const begin = await guard(call("POST", "/v1/me/2fa/step-up/webauthn/begin"));
        const credential = await webauthn.get(begin.data.publicKey);
        assertion = { challengeId: begin.data.challengeId, credential };
        note.textContent = t("passkeyReady");
      } catch (e) {
        if (f) showProblem(f, e);
      }
    });
    buttons.push(use);
  }
  box.append(field("code", t(methods.sms ? "stepUpCode" : "secondFactorCode"), input("text", { autocomplete: "one-time-code" }), { idPrefix: prefix }), buttons.length ? h("div", { class: "actions" }, buttons) : "", note);
  return {
    el: box,
    body: (f) => {
      if (assertion) {
        const a = assertion;
        assertion = undefined;
        note.textContent = "";
        return { assertion: a };
      }
      return { code: val(f, "code").trim() || undefined };
    },
  };
}

function backupCodesBox(codes: string[]): HTMLElement {
  const text = codes.join("\n") + "\n";
  const a = h("a", { class: "button", download: "myprofile-backup-codes.txt", href: "data:text/plain;charset=utf-8," + encodeURIComponent(text) }, t("download"));
  return h(
    "div",
    { class: "codes", id: "backup-codes", role: "region", "aria-label": t("backupCodes"), tabindex: "-1" },
    h("p", null, t("backupShownOnce")),
    h("ul", null, codes.map((c) => h("li", null, h("code", null, c)))),
    a,
  );
}

async function securityTab(): Promise<HTMLElement> {
  const [tf, ss] = await Promise.all([guard(call("GET", "/v1/me/2fa")), guard(call("GET", "/v1/me/sessions"))]);
  const two = tf.data;
  const on = !!two.enabled;
  const factors = { sms: !!two.sms?.enabled, passkeys: (two.webauthn ?? []).length > 0 };
  const refresh = async (after?: (el: HTMLElement) => void) => {
    await loadProfile();
    const panel = document.getElementById("panel");
    if (!panel) return;
    const el = await securityTab();
    panel.replaceChildren(el);
    after?.(el);
  };

  const password = form(
    { id: "password-form", "aria-labelledby": "password-title" },
    [
      field("currentPassword", t("currentPassword"), input("password", { autocomplete: "current-password" }), { idPrefix: "pw" }),
      field("newPassword", t("newPassword"), input("password", { autocomplete: "new-password", minlength: 12 }), { idPrefix: "pw" }),
    ],
    t("changePassword"),
    async (f) => {
      await guard(call("PUT", "/v1/me/password", { currentPassword: val(f, "currentPassword"), newPassword: val(f, "newPassword") }));
      f.reset();
      return t("passwordChanged");
    },
  );

  const emailBox = h("div");
  const emailStart = form(
    { id: "email-form", "aria-labelledby": "email-title" },
    [field("newEmail", t("newEmail"), input("email", { autocomplete: "email" }), { idPrefix: "em" }), field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "em" })],
    t("send"),
    async (f) => {
      await guard(call("POST", "/v1/me/email-change", { newEmail: val(f, "newEmail"), password: val(f, "password") }));
      const confirm = form(
        { id: "email-confirm-form", "aria-labelledby": "email-title" },
        [h("p", null, t("emailCodesIntro")), field("newEmailCode", t("newEmailCode"), input("text", { inputmode: "numeric" }), { idPrefix: "em" }), field("currentEmailCode", t("currentEmailCode"), input("text", { inputmode: "numeric" }), { idPrefix: "em" })],
        t("confirm"),
        async (c) => {
          await guard(call("POST", "/v1/me/email-change/confirm", { newEmailCode: val(c, "newEmailCode").trim(), currentEmailCode: val(c, "currentEmailCode").trim() }));
          await refresh();
          return t("emailChanged");
        },
      );
      emailBox.replaceChildren(confirm);
      confirm.querySelector("input")?.focus();
    },
  );
  emailBox.append(emailStart);

  const phoneBox = h("div");
  phoneBox.append(
    form(
      { id: "phone-form", "aria-labelledby": "phone-title" },
      [
        h("p", null, profile.phone ? (profile.phoneFormatted?.international ?? profile.phone) : ""),
        field("phone", t("phone"), input("tel", { autocomplete: "tel" }), { idPrefix: "ph" }),
        field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "ph" }),
      ],
      t("send"),
      async (f) => {
        await guard(call("POST", "/v1/me/phone-change", { phone: val(f, "phone"), password: val(f, "password") }));
        const confirm = form({ id: "phone-confirm-form", "aria-labelledby": "phone-title" }, [h("p", null, t("phoneCodeIntro")), field("code", t("code"), input("text", { inputmode: "numeric" }), { idPrefix: "ph" })], t("confirm"), async (c) => {
          await guard(call("POST", "/v1/me/phone-change/confirm", { code: val(c, "code").trim() }));
          await refresh();
          return t("phoneChanged");
        });
        phoneBox.replaceChildren(confirm);
        confirm.querySelector("input")?.focus();
      },
    ),
  );

  // Authenticator app.
  const totpBox = h("div", { id: "totp-box" });
  if (two.totp?.enabled) {
    const totpOffStep = stepUp(on, factors, "totpoff");
    totpBox.append(
      h("p", { id: "totp-on" }, t("totpEnabled")),
      form({ id: "totp-off-form", "aria-label": t("turnOff") + " " + t("totp") }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "totpoff" }), totpOffStep.el], t("turnOff"), async (f) => {
        await guard(call("DELETE", "/v1/me/2fa/totp", { password: val(f, "password"), ...totpOffStep.body(f) }));
        await refresh();
      }),
    );
  } else {
    totpBox.append(
      form({ id: "totp-start-form", "aria-label": t("totpSetUp") }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "totp" })], t("totpSetUp"), async (f) => {
        const r = await guard(call("POST", "/v1/me/2fa/totp", { password: val(f, "password") }));
        const confirm = form(
          { id: "totp-confirm-form", "aria-label": t("totpSetUp") },
          [
            h("p", null, t("totpScan")),
            h("img", { id: "totp-qr", src: "data:image/png;base64," + r.data.qrPng, alt: t("totpQR"), width: 200, height: 200 }),
            h("p", null, t("totpSecret") + ": ", h("code", { id: "totp-secret" }, r.data.secret)),
            field("code", t("code"), input("text", { inputmode: "numeric", autocomplete: "one-time-code" }), { idPrefix: "totp" }),
          ],
          t("confirm"),
          async (c) => {
            const done = await guard(call("POST", "/v1/me/2fa/totp/confirm", { code: val(c, "code").trim() }));
            const codes: string[] | undefined = done.data?.backupCodes;
            await refresh((el) => {
              if (codes?.length) {
                const box = backupCodesBox(codes);
                el.querySelector("#backup-box")?.prepend(box);
                box.focus();
              }
            });
          },
        );
        totpBox.replaceChildren(confirm);
        confirm.querySelector("input")?.focus();
      }),
    );
  }

  // SMS.
  const smsBox = h("div", { id: "sms-box" });
  if (two.sms?.enabled) {
    const smsOffStep = stepUp(on, factors, "smsoff");
    smsBox.append(
      h("p", null, t("sms2faOn", { last4: two.sms.phoneLast4 ?? "" })),
      form({ id: "sms-off-form", "aria-label": t("turnOff") + " " + t("sms2fa") }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "smsoff" }), smsOffStep.el], t("turnOff"), async (f) => {
        await guard(call("DELETE", "/v1/me/2fa/sms", { password: val(f, "password"), ...smsOffStep.body(f) }));
        await refresh();
      }),
    );
  } else if (profile.phoneVerified) {
    smsBox.append(
      form({ id: "sms-on-form", "aria-label": t("turnOnSms") }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "sms" })], t("turnOnSms"), async (f) => {
        const pw = val(f, "password");
        await guard(call("POST", "/v1/me/2fa/sms", { password: pw }));
        // Turning SMS on answers no backup codes: with no other factor and
        // none left, ask for a texted step-up code and make them now, so a
        // lost phone does not lock the account, and show them once.
        const now = (await guard(call("GET", "/v1/me/2fa"))).data;
        if (now.totp?.enabled || (now.webauthn ?? []).length > 0 || (now.backupCodes?.remaining ?? 0) > 0) {
          await refresh();
          return;
        }
        const step = stepUp(true, { sms: true, passkeys: false }, "smsbc");
        const make = form({ id: "sms-backup-form", "aria-label": t("newBackupCodes") }, [h("p", null, t("smsBackupIntro")), step.el], t("newBackupCodes"), async (c) => {
          const r = await guard(call("POST", "/v1/me/2fa/backup-codes", { password: pw, ...step.body(c) }));
          const codes: string[] | undefined = r.data?.backupCodes;
          await refresh((el) => {
            if (codes?.length) {
              const box = backupCodesBox(codes);
              el.querySelector("#backup-box")?.prepend(box);
              box.focus();
            }
          });
        });
        smsBox.replaceChildren(make);
        make.querySelector<HTMLElement>("button")?.focus();
      }),
    );
  } else {
    smsBox.append(h("p", { class: "hint" }, t("smsNeedsPhone")));
  }

  // Passkeys.
  const keys: any[] = two.webauthn ?? [];
  const passkeyBox = h("div", { id: "passkey-box" });
  passkeyBox.append(
    keys.length
      ? h(
          "ul",
          { class: "list", id: "passkey-list" },
          keys.map((k) => {
            const rmStep = stepUp(on, factors, "pkrm-" + k.id);
            const rm = form({ class: "inline", "aria-label": t("remove") + " " + k.name }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), {}), rmStep.el], t("remove"), async (f) => {
              await guard(call("DELETE", "/v1/me/2fa/webauthn/" + encodeURIComponent(k.id), { password: val(f, "password"), ...rmStep.body(f) }));
              await refresh();
            });
            return h("li", null, h("strong", null, k.name), " ", h("span", { class: "hint" }, new Date(k.createdAt).toLocaleDateString(lang())), h("details", null, h("summary", null, t("remove")), rm));
          }),
        )
      : h("p", null, t("noPasskeys")),
  );
  if (webauthn.supported()) {
    passkeyBox.append(
      form(
        { id: "passkey-add-form", "aria-label": t("addPasskey") },
        [field("name", t("passkeyName"), input("text", { value: "This device" }), { idPrefix: "pk" }), field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "pk" })],
        t("addPasskey"),
        async (f) => {
          const begin = await guard(call("POST", "/v1/me/2fa/webauthn/register/begin", { password: val(f, "password") }));
          const credential = await webauthn.create(begin.data.publicKey);
          const r = await guard(call("POST", "/v1/me/2fa/webauthn/register/finish", { name: val(f, "name"), credential }));
          const codes: string[] | undefined = r.data?.backupCodes;
          await refresh((el) => {
            if (codes?.length) {
              const box = backupCodesBox(codes);
              el.querySelector("#backup-box")?.prepend(box);
              box.focus();
            }
          });
        },
      ),
    );
  } else {
    passkeyBox.append(h("p", null, t("passkeysUnsupported")));
  }

  // Backup codes.
  const backupBox = h("div", { id: "backup-box" });
  if (on) {
    const backupStep = stepUp(on, factors, "bc");
    backupBox.append(
      h("p", { id: "backup-remaining" }, t("backupRemaining", { n: two.backupCodes?.remaining ?? 0 })),
      form({ id: "backup-form", "aria-label": t("newBackupCodes") }, [field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "bc" }), backupStep.el], t("newBackupCodes"), async (f) => {
        const r = await guard(call("POST", "/v1/me/2fa/backup-codes", { password: val(f, "password"), ...backupStep.body(f) }));
        await refresh((el) => {
          const box = backupCodesBox(r.data.backupCodes);
          el.querySelector("#backup-box")?.prepend(box);
          box.focus();
        });
      }),
    );
  }

  // Sessions.
  const sessions: any[] = ss.data.sessions ?? [];
  const sessionsBox = h("div", { id: "sessions-box" });
  const sessionAction = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await refresh();
    } catch (e) {
      showProblem(sessionsBox, e);
    }
  };
  sessionsBox.append(
    h("div", { class: "alert", role: "alert", hidden: true }),
    h(
      "ul",
      { class: "list", id: "sessions-list" },
      sessions.map((s) =>
        h(
          "li",
          { "data-session": s.id, class: s.current ? "current" : "" },
          h("div", null, h("strong", null, s.current ? t("thisDevice") : browserName(s.userAgent)), " · ", s.ipAddress ?? "", h("div", { class: "hint" }, (s.userAgent ?? "").slice(0, 120)), h("div", { class: "hint" }, t("lastSeen", { t: new Date(s.lastSeenAt).toLocaleString(lang()) }))),
          s.current
            ? null
            : h("button", { type: "button", class: "secondary", "aria-label": t("signOutSession") + " " + browserName(s.userAgent) + " " + (s.ipAddress ?? ""), onclick: () => sessionAction(() => guard(call("DELETE", "/v1/me/sessions/" + encodeURIComponent(s.id)))) }, t("signOutSession")),
        ),
      ),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "signout-others", class: "secondary", onclick: () => sessionAction(() => guard(call("POST", "/v1/me/sessions/revoke", { scope: "others" }))) }, t("signOutOthers")),
      h("button", {
        type: "button",
        id: "signout-all",
        class: "danger",
        onclick: async () => {
          try {
            await guard(call("POST", "/v1/me/sessions/revoke", { scope: "all" }));
            signedOut();
          } catch (e) {
            showProblem(sessionsBox, e);
          }
        },
      }, t("signOutAll")),
    ),
  );

  return h(
    "div",
    null,
    section("password-title", t("changePassword"), password),
    section("email-title", t("changeEmail"), h("p", null, profile.email), emailBox),
    section("phone-title", t("changePhone"), phoneBox),
    section(
      "twofactor-title",
      t("twoFactor"),
      h("p", { id: "twofactor-status" }, on ? t("twoFactorOn") : t("twoFactorOff")),
      h("h3", null, t("totp")),
      totpBox,
      h("h3", null, t("sms2fa")),
      smsBox,
      h("h3", null, t("passkeys")),
      passkeyBox,
      on ? h("h3", null, t("backupCodes")) : null,
      backupBox,
    ),
    section("sessions-title", t("sessions"), sessionsBox),
  );
}

function browserName(ua: string | undefined): string {
  if (!ua) return "?";
  const m = ua.match(/(Firefox|Edg|Chrome|Chromium|Safari|curl|Go-http-client)\/[\d.]+/);
  return m ? m[0] : ua.slice(0, 40);
}

// ---- Notifications ---------------------------------------------------------

async function notificationsTab(): Promise<HTMLElement> {
  const r = await guard(call("GET", "/v1/me/notifications"));
  const prefs = r.data;
  const table = (platform: "web" | "mobile") =>
    h(
      "table",
      { class: "matrix" },
      h("caption", null, t(platform)),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, t("category")), CHANNELS.map((c) => h("th", { scope: "col" }, t(("ch_" + c) as Key))))),
      h(
        "tbody",
        null,
        CATEGORIES.map((cat) =>
          h(
            "tr",
            null,
            h("th", { scope: "row" }, t(("cat_" + cat) as Key)),
            CHANNELS.map((ch) =>
              h(
                "td",
                null,
                input("checkbox", {
                  name: `${platform}.${cat}.${ch}`,
                  checked: !!prefs?.[platform]?.[cat]?.[ch],
                  "aria-label": `${t(platform)}: ${t(("cat_" + cat) as Key)}, ${t(("ch_" + ch) as Key)}`,
                }),
              ),
            ),
          ),
        ),
      ),
    );
  const f = form({ id: "notifications-form", "aria-labelledby": "notifications-title" }, [table("web"), table("mobile")], t("save"), async (f) => {
    const body: any = { web: {}, mobile: {} };
    for (const p of ["web", "mobile"]) for (const cat of CATEGORIES) {
      body[p][cat] = {};
      for (const ch of CHANNELS) body[p][cat][ch] = checked(f, `${p}.${cat}.${ch}`);
    }
    await guard(call("PUT", "/v1/me/notifications", body));
    return t("saved");
  });
  const ds = profile.dailySummary ?? { enabled: false, time: "07:30" };
  const daily = form(
    { id: "daily-form", "aria-labelledby": "daily-title" },
    [
      field("dailySummary.enabled", t("dailySummary"), input("checkbox", { checked: !!ds.enabled }), { idPrefix: "ds" }),
      field("dailySummary.time", t("dailySummaryTime"), input("time", { value: ds.time || "07:30" }), { idPrefix: "ds" }),
    ],
    t("save"),
    async (f) => {
      await patchProfile({ dailySummary: { enabled: checked(f, "dailySummary.enabled"), time: val(f, "dailySummary.time") } });
      return t("saved");
    },
  );
  return h("div", null, section("notifications-title", t("notifications"), f), section("daily-title", t("dailySummary"), daily));
}

// ---- Billing alert ---------------------------------------------------------

async function billingTab(): Promise<HTMLElement> {
  let alert: any;
  try {
    alert = (await guard(call("GET", "/v1/me/billing-alert"))).data;
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === "forbidden") return section("billing-title", t("tab_billing"), h("p", null, t("billingForbidden")));
    throw e;
  }
  const chans: string[] = alert.channels ?? [];
  const f = form(
    { id: "billing-form", "aria-labelledby": "billing-title" },
    [
      h("p", null, t("billingIntro")),
      field("enabled", t("billingEnabled"), input("checkbox", { checked: !!alert.enabled }), { idPrefix: "bill" }),
      field("threshold.amount", t("threshold"), input("number", { value: alert.threshold?.amount ?? 0, min: 0, step: 1 }), { idPrefix: "bill" }),
      field("threshold.currency", t("currency"), input("text", { value: alert.threshold?.currency ?? "USD", maxlength: 3 }), { idPrefix: "bill" }),
      h(
        "fieldset",
        { "data-field": "channels" },
        h("legend", null, t("channels")),
        field("ch-email", t("ch_email"), input("checkbox", { checked: chans.includes("email") }), { idPrefix: "bill" }),
        field("ch-sms", t("ch_sms"), input("checkbox", { checked: chans.includes("sms") }), { idPrefix: "bill" }),
        h("p", { class: "error", "data-error-for": "channels" }),
      ),
    ],
    t("save"),
    async (f) => {
      const channels = [checked(f, "ch-email") ? "email" : "", checked(f, "ch-sms") ? "sms" : ""].filter(Boolean);
      await guard(call("PUT", "/v1/me/billing-alert", { enabled: checked(f, "enabled"), threshold: { amount: Number(val(f, "threshold.amount")), currency: val(f, "threshold.currency").toUpperCase() }, channels }));
      return t("saved");
    },
  );
  return section("billing-title", t("tab_billing"), f);
}

// ---- Organization ----------------------------------------------------------

async function organizationTab(): Promise<HTMLElement> {
  let users: any[];
  let invitations: any[] = [];
  const orgPath = "/v1/organizations/" + encodeURIComponent(profile.organizationId ?? "");
  try {
    const [u, inv] = await Promise.all([guard(call("GET", "/v1/users")), profile.organizationId ? guard(call("GET", orgPath + "/invitations")) : null]);
    users = u.data.users ?? [];
    invitations = inv?.data?.invitations ?? [];
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === "forbidden") return section("org-title", t("tab_organization"), h("p", null, t("orgForbidden")));
    throw e;
  }
  // Re-render the tab (after an invitation or a revocation), then say
  // what happened in the new tab's status line.
  const refresh = async (message: string) => {
    const panel = document.getElementById("panel");
    if (!panel) return;
    const el = await organizationTab();
    panel.replaceChildren(el);
    const st = el.querySelector<HTMLElement>("#invite-form .status");
    if (st) st.textContent = message;
  };
  const owner = profile.role === "owner";
  const roles = (["user", "admin", "owner"] as const).map((r) => [r, t(("role_" + r) as Key)] as [string, string]);
  const staffAlert = h("div", { class: "alert", role: "alert", hidden: true });
  const staffStatus = h("p", { class: "status", id: "staff-status", role: "status", "aria-live": "polite" });
  const staffBox = h("div", null, staffAlert);
  const table = h(
    "table",
    { class: "staff", id: "staff" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("displayName")), h("th", { scope: "col" }, t("email")), h("th", { scope: "col" }, t("role")))),
    h(
      "tbody",
      null,
      users.map((u) => {
        const name = u.displayName || `${u.firstName} ${u.lastName}`;
        let roleCell: HTMLElement | string = t(("role_" + u.role) as Key);
        if (owner && u.id !== profile.id) {
          const s = select(roles, u.role, { "aria-label": t("role") + ": " + name });
          s.addEventListener("change", async () => {
            staffAlert.hidden = true;
            staffStatus.textContent = "";
            try {
              await guard(call("PUT", `/v1/users/${encodeURIComponent(u.id)}/role`, { role: s.value }));
              u.role = s.value;
              staffStatus.textContent = t("roleChanged", { name, role: t(("role_" + s.value) as Key) });
            } catch (e) {
              s.value = u.role;
              showProblem(staffBox, e);
            }
          });
          roleCell = s;
        }
        return h("tr", null, h("td", null, name), h("td", null, u.email), h("td", null, roleCell));
      }),
    ),
  );
  staffBox.append(table, staffStatus);
  const invite = form(
    { id: "invite-form", "aria-labelledby": "invite-title" },
    [
      field("email", t("email"), input("email"), { idPrefix: "inv" }),
      field("firstName", t("firstName"), input("text"), { idPrefix: "inv" }),
      field("lastName", t("lastName"), input("text"), { idPrefix: "inv" }),
      field("role", t("role"), select(owner ? roles : roles.slice(0, 2), "user"), { idPrefix: "inv" }),
    ],
    t("invite"),
    async (f) => {
      const email = val(f, "email");
      await guard(call("POST", "/v1/users", { email, firstName: val(f, "firstName"), lastName: val(f, "lastName"), role: val(f, "role") }));
      f.reset();
      await refresh(t("inviteSent", { email }));
    },
  );
  const pendingAlert = h("div", { class: "alert", role: "alert", hidden: true });
  const pending = h(
    "div",
    { id: "invitations-box" },
    pendingAlert,
    invitations.length
      ? h(
          "ul",
          { class: "list", id: "invitations-list" },
          invitations.map((i) =>
            h(
              "li",
              { "data-invitation": i.id },
              h("div", null, h("strong", null, i.email), " · ", t(("role_" + i.role) as Key), h("div", { class: "hint" }, t("inviteExpires", { t: new Date(i.expiresAt).toLocaleDateString(lang()) }))),
              h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  "aria-label": t("revokeInvite") + ": " + i.email,
                  onclick: async () => {
                    try {
                      await guard(call("DELETE", orgPath + "/invitations/" + encodeURIComponent(i.id)));
                      await refresh(t("inviteRevoked", { email: i.email }));
                    } catch (e) {
                      showProblem(pending, e);
                    }
                  },
                },
                t("revokeInvite"),
              ),
            ),
          ),
        )
      : h("p", { class: "hint", id: "invitations-none" }, t("noPendingInvites")),
  );
  return h("div", null, section("org-title", t("staff"), staffBox), section("invite-title", t("invite"), invite), section("invitations-title", t("pendingInvites"), pending));
}

// ---- Danger zone -----------------------------------------------------------

function dangerTab(): HTMLElement {
  const on = !!profile.twoFactor?.enabled;
  const methods: string[] = profile.twoFactor?.methods ?? [];
  const delStep = stepUp(on, { sms: methods.includes("sms"), passkeys: methods.includes("webauthn") }, "del");
  const f = form(
    { id: "delete-form", "aria-labelledby": "danger-title" },
    [
      h("p", null, t("deleteIntro")),
      field("password", t("password"), input("password", { autocomplete: "current-password" }), { idPrefix: "del" }),
      delStep.el,
      field("confirm", t("typeDelete"), input("text", { autocomplete: "off" }), { idPrefix: "del" }),
    ],
    t("deleteAccount"),
    async (f) => {
      try {
        await guard(call("DELETE", "/v1/me", { password: val(f, "password"), confirm: val(f, "confirm"), ...delStep.body(f) }));
      } catch (e) {
        if (e instanceof ApiError && e.problem.code === "sole_owner") throw new ApiError({ ...e.problem, code: "sole_owner_msg", detail: t("soleOwner"), errors: [] });
        throw e;
      }
      signedOut(t("deleted"));
    },
  );
  f.querySelector<HTMLButtonElement>("button[type=submit]")!.className = "danger";
  return section("danger-title", t("tab_danger"), f);
}

// ---- start -----------------------------------------------------------------

async function start(): Promise<void> {
  setLanguage(navigator.language);
  await configure();
  if (!token()) {
    renderAuth();
    return;
  }
  try {
    await loadProfile();
    renderApp();
  } catch {
    signedOut();
  }
}

void start();
