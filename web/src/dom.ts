// A tiny DOM builder and the form helpers every tab uses: labelled
// fields, problems shown next to the field they name, status messages.
import { ApiError } from "./api";
import { has, t } from "./i18n";

export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, any> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "value" && "value" in el) (el as any).value = v;
    else if (k === "checked") (el as any).checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

let seq = 0;

// field is a label, an input (given or a text input) and the place for the
// problem the API reports about `name` (its `errors[].field`).
export function field(
  name: string,
  label: string,
  input?: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  opts: { hint?: string; idPrefix?: string } = {},
): HTMLDivElement {
  const id = (opts.idPrefix ? opts.idPrefix + "-" : "f" + ++seq + "-") + name.replace(/[^a-zA-Z0-9_-]/g, "-");
  const inp = input ?? h("input", { type: "text" });
  inp.id = id;
  if (!inp.getAttribute("name")) inp.setAttribute("name", name);
  const errId = id + "-error";
  const hintId = opts.hint ? id + "-hint" : "";
  inp.setAttribute("aria-describedby", [hintId, errId].filter(Boolean).join(" "));
  const isCheck = inp instanceof HTMLInputElement && (inp.type === "checkbox" || inp.type === "radio");
  const lab = h("label", { for: id }, label);
  return h(
    "div",
    { class: isCheck ? "field check" : "field", "data-field": name },
    isCheck ? [inp, lab] : [lab, inp],
    opts.hint ? h("p", { class: "hint", id: hintId }, opts.hint) : null,
    h("p", { class: "error", id: errId, "data-error-for": name }),
  );
}

export function input(type: string, attrs: Record<string, any> = {}): HTMLInputElement {
  return h("input", { type, ...attrs });
}

export function select(options: [string, string][], value: string, attrs: Record<string, any> = {}): HTMLSelectElement {
  const s = h("select", attrs, options.map(([v, l]) => h("option", { value: v }, l)));
  s.value = value;
  return s;
}

// form builds a form with a status line; submit runs `onSubmit` with the
// form's problems cleared and shows a thrown ApiError next to its fields.
export function form(
  attrs: Record<string, any>,
  children: Child[],
  submitLabel: string,
  onSubmit: (f: HTMLFormElement) => Promise<string | void>,
): HTMLFormElement {
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const alert = h("div", { class: "alert", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const f = h("form", { novalidate: true, ...attrs }, alert, children, h("div", { class: "actions" }, button), status);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearProblems(f);
    status.textContent = "";
    button.disabled = true;
    try {
      const msg = await onSubmit(f);
      if (msg) status.textContent = msg;
    } catch (err) {
      showProblem(f, err);
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

export function clearProblems(f: HTMLElement): void {
  f.querySelectorAll<HTMLElement>("[data-error-for]").forEach((e) => (e.textContent = ""));
  f.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  const a = f.querySelector<HTMLElement>(":scope > .alert");
  if (a) {
    a.hidden = true;
    a.textContent = "";
  }
}

// problemText is the message for a problem code in the page's language,
// else the API's own detail.
export function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const code = err.problem.code;
    if (code !== "validation_failed" && has(code)) return t(code);
    return err.problem.detail || err.problem.title || t("problem");
  }
  return err instanceof Error && err.message ? err.message : t("problem");
}

// showProblem puts each field problem next to its field (the longest
// matching name: "availability.weekly.mon[0].start" falls back to
// "availability.weekly.mon", then "availability.weekly", ...) and the rest
// in the form's alert; the first problem gets the focus.
export function showProblem(f: HTMLElement, err: unknown): void {
  const alert = f.querySelector<HTMLElement>(":scope > .alert");
  const rest: string[] = [];
  let first: HTMLElement | null = null;
  const fieldProblems = err instanceof ApiError ? err.problem.errors ?? [] : [];
  for (const p of fieldProblems) {
    let name = p.field;
    let slot: HTMLElement | null = null;
    while (name && !(slot = f.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`))) {
      const cut = Math.max(name.lastIndexOf("."), name.lastIndexOf("["));
      name = cut > 0 ? name.slice(0, cut) : "";
    }
    if (!slot) {
      rest.push(p.message);
      continue;
    }
    slot.textContent = slot.textContent ? slot.textContent + " " + p.message : p.message;
    const ctl = slot.parentElement?.querySelector<HTMLElement>("input, select, textarea, [contenteditable]");
    ctl?.setAttribute("aria-invalid", "true");
    first ??= ctl ?? slot;
  }
  if (fieldProblems.length === 0 || rest.length > 0) rest.unshift(problemText(err));
  if (alert && rest.length) {
    alert.textContent = rest.join(" ");
    alert.hidden = false;
    first ??= alert;
  }
  if (first) {
    if (first === alert) alert.setAttribute("tabindex", "-1");
    first.focus();
  }
}

export function val(f: HTMLFormElement, name: string): string {
  const el = f.elements.namedItem(name) as HTMLInputElement | null;
  return el ? el.value : "";
}

export function checked(f: HTMLFormElement, name: string): boolean {
  const el = f.elements.namedItem(name) as HTMLInputElement | null;
  return !!el && el.checked;
}

export function section(titleId: string, title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": titleId }, h("h2", { id: titleId }, title), children);
}
