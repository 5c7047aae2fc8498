// Shared by the customer and partner pages: the API's error shape, Korean (KST) times, DOM helpers.
// Data from the API is only ever written with textContent, never parsed as HTML.

const GENERIC = "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.";
const OFFLINE = "인터넷 연결이 불안정합니다. 연결을 확인한 뒤 다시 시도해 주세요.";
const BUSY = "요청이 많아 잠시 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.";

/** An API answer other than 2xx, in the documented shape {error: {code, message, field?}}. */
export class ApiError extends Error {
  constructor(status, code, message, field, choices) {
    super(message);
    this.status = status; // 0 when the network failed
    this.code = code;
    this.field = field || null;
    this.choices = choices || []; // 422: [{intent, label}]
  }

  /** Trying again later may work: nothing was decided by the server. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

let settings;

/** `/config.json`, generated per stack: where the API lives and how long partners have to answer. */
export function config() {
  settings ??= fetch("/config.json", { cache: "no-store" })
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}))
    .then((found) => ({
      apiBase: typeof found.apiBase === "string" ? found.apiBase.replace(/\/$/, "") : "/api",
      partnerTimeoutSeconds: Number(found.partnerTimeoutSeconds) || 0,
    }));
  return settings;
}

// "Busy, come back shortly" (429/503 with Retry-After): nothing was processed, so the same request
// is sent again after a short Retry-After, a few times, before the person is asked to try later.
const BUSY_RETRIES = 5;
const MAX_WAIT_SECONDS = 10;

function retryAfterMs(response) {
  if (response.status !== 429 && response.status !== 503) return null;
  const seconds = Number(response.headers.get("retry-after") ?? NaN);
  return seconds <= MAX_WAIT_SECONDS ? Math.max(seconds, 0.1) * 1000 : null;
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const { apiBase } = await config();
  const init = { method, cache: "no-store", headers: { accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(apiBase + path, init);
    } catch {
      throw new ApiError(0, "NETWORK", OFFLINE);
    }
    const wait = retryAfterMs(response);
    if (wait === null || attempt >= BUSY_RETRIES) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: a proxy or CDN error page, described by its status below.
  }
  if (response.ok && data) return data;
  const error = (data && data.error) || {};
  const fallback = response.status === 429 ? BUSY : GENERIC;
  const message = typeof error.message === "string" && error.message ? error.message : fallback;
  throw new ApiError(response.status, error.code || `HTTP_${response.status}`, message, error.field, data?.choices);
}

/** A fresh Idempotency-Key; getRandomValues also works outside HTTPS. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- Korean time: whatever the device's zone, people see KST ---

const KST_MS = 9 * 3600 * 1000;
const WEEKDAYS = "일월화수목금토";

export function kst(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const k = new Date(date.getTime() + KST_MS);
  return {
    year: k.getUTCFullYear(),
    month: k.getUTCMonth() + 1,
    day: k.getUTCDate(),
    weekday: WEEKDAYS[k.getUTCDay()],
    hour: k.getUTCHours(),
    minute: k.getUTCMinutes(),
  };
}

export function halfDay(t) {
  return `${t.hour < 12 ? "오전" : "오후"} ${t.hour % 12 || 12}`;
}

/** `12월 24일(목) 오후 3시`: the server's format_kst, with the year when it is not this year. */
export function formatDateTime(value) {
  const t = kst(value);
  if (!t) return "";
  const minutes = t.minute ? ` ${t.minute}분` : "";
  const year = t.year === kst(new Date()).year ? "" : `${t.year}년 `;
  return `${year}${t.month}월 ${t.day}일(${t.weekday}) ${halfDay(t)}시${minutes}`;
}

/** `오후 3:05`, with the date in front when it is not today (KST). */
export function formatClock(value) {
  const t = kst(value);
  if (!t) return "";
  const today = kst(new Date());
  const sameDay = t.year === today.year && t.month === today.month && t.day === today.day;
  const clock = `${halfDay(t)}:${String(t.minute).padStart(2, "0")}`;
  return sameDay ? clock : `${t.month}월 ${t.day}일 ${clock}`;
}

// --- DOM ---

export const $ = (id) => document.getElementById(id);

export function setText(id, text) {
  $(id).textContent = text;
}

/** Move focus to a heading that just appeared, so screen readers start reading there. */
export function focusHeading(element) {
  element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** A notice box: a bold title and a sentence, as text. */
export function fillNotice(element, title, message) {
  const strong = document.createElement("strong");
  const text = document.createElement("p");
  strong.textContent = title;
  text.textContent = message;
  element.replaceChildren(strong, text);
  element.hidden = false;
}

/** Show or hide a field's inline error, wiring aria-invalid to the message. */
export function setFieldError(input, message) {
  const error = $(`${input.id}-error`);
  error.textContent = message || "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
