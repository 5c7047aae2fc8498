// Partner page at /r/{token}: show the customer's request, take one answer, or explain why the link
// cannot be used. The customer's words are shown with textContent only: they are data, never markup.
import { $, api, ApiError, config, fillNotice, focusHeading, formatDateTime, kst, setFieldError, setText } from "./api.js";

const TOKEN = (/^\/r\/([A-Za-z0-9_-]{1,200})\/?$/.exec(location.pathname) || [])[1] || "";
const HORIZON_MS = 366 * 24 * 3600 * 1000; // the server's limit for a proposed time
const NOTE_MAX = 200; // the server's limit for the note, counted after it drops control characters
// What the server's 409 for a used link starts with; what follows says what the customer decided.
const USED = "이미 응답한 링크입니다.";
const ANSWER_WORDS = { accept: "수락", reject: "거절", alternative: "다른 시간 제안" };
const SUBMIT_LABELS = {
  accept: "수락으로 응답 보내기",
  reject: "거절로 응답 보내기",
  alternative: "다른 시간 제안 보내기",
};

const PROBLEMS = {
  expired: {
    title: "링크 유효 시간이 지났습니다",
    icon: "clock",
    message: "문자로 받은 링크는 정해진 시간 동안만 열 수 있어요.",
    help: "응답이 꼭 필요하면 예약 담당 고객센터로 연락해 주세요.",
  },
  closed: {
    title: "이미 종료된 요청입니다",
    icon: "clock",
    help: "고객에게는 결과가 따로 안내되었어요. 더 하실 일은 없습니다.",
  },
  used: {
    title: "이미 응답한 링크입니다",
    icon: "check",
    message: "이 요청에는 응답이 이미 전달되었어요. 응답은 한 번만 보낼 수 있습니다.",
    help: "응답을 바꿔야 하면 예약 담당 고객센터로 연락해 주세요.",
  },
  invalid: {
    title: "올바르지 않은 링크입니다",
    icon: "alert",
    message: "링크 주소가 잘렸거나 바뀐 것 같아요.",
    help: "문자로 받은 링크 전체를 다시 눌러 열어 주세요.",
  },
  unavailable: {
    title: "잠시 연결할 수 없습니다",
    icon: "alert",
    help: "잠시 후 다시 시도해 주세요. 링크는 그대로 쓸 수 있어요.",
  },
};

/** The `datetime-local` value a clock in Korea shows at that moment: `2026-12-01T15:00`. */
function kstInputValue(value) {
  const t = kst(value);
  const two = (n) => String(n).padStart(2, "0");
  return `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}`;
}

const SCREENS = ["screen-loading", "screen-request", "screen-done", "screen-problem"];

function showScreen(id, { focus = true } = {}) {
  for (const screen of SCREENS) $(screen).hidden = screen !== id;
  const heading = $(id).querySelector("h1");
  if (focus && heading) focusHeading(heading);
}

function showProblem(kind, serverMessage) {
  const problem = PROBLEMS[kind];
  const screen = $("screen-problem");
  screen.dataset.kind = kind;
  for (const icon of screen.querySelectorAll("[data-icon]")) {
    icon.toggleAttribute("hidden", icon.dataset.icon !== problem.icon);
  }
  setText("problem-title", problem.title);
  const outcome = kind === "used" && serverMessage?.startsWith(USED) ? serverMessage.slice(USED.length).trim() : "";
  setText("problem-message", outcome || problem.message || serverMessage || "");
  setText("problem-help", problem.help);
  $("problem-retry").hidden = kind !== "unavailable";
  document.title = `${problem.title} · 파트너 확인`;
  showScreen("screen-problem");
}

/** The link errors every call can answer: a screen of their own. Returns false for other errors. */
function showLinkProblem(error) {
  if (error.code === "LINK_EXPIRED") showProblem("expired", error.message);
  else if (error.code === "LINK_USED") showProblem("used", error.message);
  else if (error.code === "REQUEST_CLOSED") showProblem("closed", error.message);
  else if (error.code === "LINK_INVALID" || error.status === 401 || error.status === 404) {
    showProblem("invalid", error.message);
  } else return false;
  return true;
}

// --- loading the request ---

async function load() {
  showScreen("screen-loading", { focus: false });
  if (!TOKEN) {
    showProblem("invalid");
    return;
  }
  try {
    const [request, settings] = await Promise.all([
      api(`/confirm/${encodeURIComponent(TOKEN)}`),
      config(),
    ]);
    showRequest(request, settings);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!showLinkProblem(error)) showProblem("unavailable", error.message);
  }
}

function showRequest(request, settings) {
  setText("intent-label", request.intentLabel || "고객 요청");
  setText("reservation-number", request.reservationNumber || "");
  setText("reservation-date", formatDateTime(request.reservationDate) || "—");
  setText("service-type", request.serviceType || "—");
  setText("customer-query", request.customerQuery || "");
  const minutes = Math.ceil((settings.partnerTimeoutSeconds || 0) / 60);
  const who = request.partnerName ? `${request.partnerName} 담당자님, ` : "";
  const deadline = minutes ? ` 문자를 받은 뒤 ${minutes}분 안에 응답해 주세요.` : "";
  setText("request-lead", `${who}고객의 요청을 확인하고 응답해 주세요.${deadline}`);
  showScreen("screen-request");
}

$("problem-retry").addEventListener("click", load);

// --- answering ---

const form = $("answer-form");
const timeInput = $("alternativeTime");
const noteInput = $("note");

/** The note as the server will keep it: line breaks as spaces, no control characters, trimmed. */
function cleanNote(value) {
  return value
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, "")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function checkNote() {
  const count = [...cleanNote(noteInput.value)].length;
  const counter = $("note-count");
  counter.textContent = `${count} / ${NOTE_MAX}자`;
  counter.classList.toggle("over", count > NOTE_MAX);
  setFieldError(noteInput, count > NOTE_MAX ? `메모는 ${NOTE_MAX}자 이내로 입력해 주세요.` : "");
  return count <= NOTE_MAX;
}

noteInput.addEventListener("input", checkNote);
let sending = false;

function chosen() {
  const checked = form.querySelector('input[name="response"]:checked');
  return checked ? checked.value : "";
}

function setResponseError(message) {
  setText("response-error", message);
}

function limits() {
  const now = Date.now();
  return { min: kstInputValue(new Date(now + 60 * 1000)), max: kstInputValue(new Date(now + HORIZON_MS)) };
}

/** The datetime-local value read as Korean time, with the offset the server expects. */
function asKst(value) {
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return `${withSeconds}+09:00`;
}

function checkTime() {
  const value = timeInput.value;
  let message = "";
  if (!value) {
    message = timeInput.validity.badInput
      ? "제안 시간 형식이 올바르지 않습니다. 날짜와 시간을 모두 골라 주세요."
      : "제안할 날짜와 시간을 입력해 주세요.";
  } else {
    const moment = Date.parse(asKst(value));
    if (Number.isNaN(moment)) message = "제안 시간 형식이 올바르지 않습니다. 예: 2026-12-01T15:00+09:00";
    else if (moment <= Date.now()) message = "제안 시간은 지금 이후여야 합니다.";
    else if (moment > Date.now() + HORIZON_MS) message = "제안 시간은 1년 이내로 입력해 주세요.";
  }
  setFieldError(timeInput, message);
  return !message;
}

function updatePreview() {
  const moment = timeInput.value ? Date.parse(asKst(timeInput.value)) : NaN;
  setText(
    "alternativeTime-preview",
    Number.isNaN(moment) ? "" : `고객에게 안내될 시간: ${formatDateTime(new Date(moment))}`,
  );
}

form.addEventListener("change", (event) => {
  if (event.target.name !== "response") return;
  setResponseError("");
  const alternative = chosen() === "alternative";
  $("alt-time").hidden = !alternative;
  if (alternative) {
    const { min, max } = limits();
    timeInput.min = min;
    timeInput.max = max;
  }
  setText("answer-label", SUBMIT_LABELS[chosen()]);
});
timeInput.addEventListener("input", () => {
  updatePreview();
  if (timeInput.getAttribute("aria-invalid") === "true") checkTime();
});
timeInput.addEventListener("blur", () => {
  if (timeInput.value) checkTime();
});

function setSending(on) {
  sending = on;
  $("answer-submit").disabled = on;
  form.setAttribute("aria-busy", String(on));
  $("answer-spinner").hidden = !on;
  setText("answer-label", on ? "보내는 중…" : SUBMIT_LABELS[chosen()] || "응답 보내기");
}

function showAlert(message) {
  fillNotice($("answer-alert"), "응답을 보내지 못했어요", message);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (sending) return;
  $("answer-alert").hidden = true;
  const response = chosen();
  if (!response) {
    setResponseError("응답을 선택해 주세요: 수락, 거절 또는 다른 시간 제안");
    form.querySelector('input[name="response"]').focus();
    return;
  }
  const body = { token: TOKEN, response };
  if (!checkNote()) {
    noteInput.focus();
    return;
  }
  const note = cleanNote(noteInput.value);
  if (note) body.note = note;
  if (response === "alternative") {
    if (!checkTime()) {
      timeInput.focus();
      return;
    }
    body.alternativeTime = asKst(timeInput.value);
  }
  setSending(true);
  try {
    const answered = await api("/respond", { method: "POST", body });
    showDone(response, body.alternativeTime, answered.message);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    explainAnswerError(error);
  } finally {
    setSending(false);
  }
});

function explainAnswerError(error) {
  if (error.status === 400 && error.field === "alternativeTime") {
    $("alt-time").hidden = false;
    setFieldError(timeInput, error.message);
    timeInput.focus();
  } else if (error.status === 400 && error.field === "response") {
    setResponseError(error.message);
  } else if (error.status === 400 && error.field === "note") {
    setFieldError(noteInput, error.message);
    noteInput.focus();
  } else if (showLinkProblem(error)) {
    // The link itself can no longer be answered: its own screen says why.
  } else if (error.retryable) {
    // 503: the server gave the link back, so the same answer can simply be sent again.
    showAlert(`${error.message} 같은 응답을 다시 보내 주세요.`);
  } else {
    showAlert(error.message);
  }
}

function showDone(response, alternativeTime, message) {
  const choice = alternativeTime
    ? `선택한 응답: 다른 시간 제안 (${formatDateTime(alternativeTime)})`
    : `선택한 응답: ${ANSWER_WORDS[response]}`;
  setText("done-choice", choice);
  setText("done-message", message || "응답이 전달되었습니다.");
  document.title = "응답 완료 · 파트너 확인";
  showScreen("screen-done");
}

load();
