// Customer page: ask, then follow the request on a live timeline until the final message, and decide
// on a time the partner proposed. The request id lives in the address (?request=...), so a reload or
// a shared link resumes it. The customer's own token lives in the address's fragment (#t=...): a
// reload on this phone finds it, and browsers never send a fragment to any server.
import {
  $,
  api,
  ApiError,
  config,
  fillNotice,
  focusHeading,
  formatClock,
  formatDateTime,
  newKey,
  setFieldError,
  setText,
} from "./api.js";

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FIRST_DELAY = 1000;
const MAX_DELAY = 5000;
const OFFLINE_MAX_DELAY = 15000;
// While a proposed time waits for the customer (or for its lapse), the page looks less often.
const DECISION_DELAY = 10000;
const TOKEN = /^[A-Za-z0-9_-]{28}$/;
let customerToken = null;

// --- validation: the server's rules (validation.py, phone.py); the server stays the judge ---

function isMobilePhone(raw) {
  let digits = raw.normalize("NFKC").replace(/[\s\-.()]/g, "");
  if (digits.startsWith("+82")) digits = "0" + digits.slice(3).replace(/^0/, "");
  else if (/^82(\d{9}|\d{10})$/.test(digits)) digits = "0" + digits.slice(2);
  return /^01[016789]\d{7,8}$/.test(digits);
}

const length = (text) => [...text.trim()].length; // code points, as the server counts

const RULES = {
  reservationNumber: (value) => {
    const compact = value.normalize("NFKC").replace(/\s/g, "").toUpperCase();
    if (!compact) return "예약번호를 입력해 주세요.";
    return /^[A-Z]{2,4}-?\d{5,10}$/.test(compact) ? "" : "예약번호 형식이 올바르지 않습니다. 예: HTL-100101";
  },
  customerPhone: (value) => {
    if (!value.trim()) return "연락처를 입력해 주세요.";
    return isMobilePhone(value) ? "" : "휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678";
  },
  message: (value) => {
    if (!value.trim()) return "문의 내용을 입력해 주세요.";
    return length(value) > 1000 ? "문의 내용은 1,000자 이내로 입력해 주세요." : "";
  },
};
const NAMES = Object.keys(RULES);
const form = $("ask-form");
const choices = $("choices");
const inputs = Object.fromEntries(NAMES.map((name) => [name, $(name)]));

function check(name) {
  const message = RULES[name](inputs[name].value);
  setFieldError(inputs[name], message);
  return !message;
}

function updateCounter() {
  const count = length(inputs.message.value);
  const counter = $("message-count");
  counter.textContent = `${count.toLocaleString("ko-KR")} / 1,000자`;
  counter.classList.toggle("over", count > 1000);
}

for (const name of NAMES) {
  // Judged once left with something typed; then again as it is fixed.
  inputs[name].addEventListener("blur", () => inputs[name].value.trim() && check(name));
  inputs[name].addEventListener("input", () => inputs[name].hasAttribute("aria-invalid") && check(name));
}
inputs.message.addEventListener("input", updateCounter);

// --- submitting ---

let sending = false;
// A submit with no final answer (network, 5xx, 429) keeps its key for the same content sent again,
// so the server returns the request it may have created instead of a second one.
let unanswered = null;

function showAlert(title, message, tone = "") {
  const alert = $("form-alert");
  alert.className = `notice ${tone}`;
  fillNotice(alert, title, message);
}

function setSending(on) {
  sending = on;
  $("submit").disabled = on;
  form.setAttribute("aria-busy", String(on));
  $("submit-spinner").hidden = !on;
  setText("submit-label", on ? "보내는 중…" : unanswered ? "다시 보내기" : "문의 보내기");
}

// intent: the customer's pick among an unclear question's choices
async function send(intent) {
  if (sending) return;
  $("form-alert").hidden = true;
  choices.hidden = true;
  const invalid = NAMES.filter((name) => !check(name));
  if (invalid.length) {
    inputs[invalid[0]].focus();
    return;
  }
  const body = Object.fromEntries(NAMES.map((name) => [name, inputs[name].value.trim()]));
  if (intent) body.intent = intent;
  const fingerprint = JSON.stringify(body);
  if (unanswered?.fingerprint !== fingerprint) unanswered = { key: newKey(), fingerprint };
  setSending(true);
  try {
    const created = await api("/chat", { method: "POST", body, headers: { "Idempotency-Key": unanswered.key } });
    unanswered = null;
    form.reset();
    updateCounter();
    customerToken = TOKEN.test(created.customerToken || "") ? created.customerToken : null;
    const fragment = customerToken ? `#t=${customerToken}` : "";
    history.pushState(null, "", `?request=${encodeURIComponent(created.requestId)}${fragment}`);
    track(created.requestId, body.reservationNumber.toUpperCase());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!error.retryable) unanswered = null;
    explain(error);
  } finally {
    setSending(false);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
choices.addEventListener("click", (event) => event.target.value && send(event.target.value));

function explain(error) {
  const field = error.status === 413 ? inputs.message : inputs[error.field];
  if ((error.status === 400 || error.status === 413) && field) {
    setFieldError(field, error.message);
    field.focus();
  } else if (error.status === 422) {
    showAlert("어떤 문의인지 알려 주세요", error.message, "warn");
    const button = ({ intent, label }) =>
      Object.assign(document.createElement("button"), { type: "button", className: "button secondary", value: intent, textContent: label });
    choices.replaceChildren(...error.choices.map(button));
    choices.hidden = false;
    (choices.firstChild || inputs.message).focus(); // a phone's keyboard would hide the buttons
  } else if (error.status === 409) {
    showAlert("다시 작성해 주세요", error.message, "warn");
  } else if (error.status === 429) {
    showAlert("잠시 후 다시 보내 주세요", error.message, "warn");
  } else {
    const retry = error.retryable ? " '다시 보내기'를 누르면 같은 문의로 이어서 처리돼요." : "";
    showAlert("문의를 보내지 못했어요", error.message + retry);
  }
}

// --- the timeline ---

const FINAL = {
  Responded: ["응답 완료", "is-done", "", "파트너가 응답했어요."],
  Timeout: ["응답 시간 초과", "is-late", "late", "파트너가 제한 시간 안에 응답하지 않았어요."],
  Failed: ["처리 실패", "is-bad", "bad", "요청을 처리하지 못했어요."],
};
const STATUS_TEXT = {
  Created: "문의를 접수했어요. 파트너에게 연락하고 있어요.",
  SMSSent: "파트너에게 문자를 보냈어요. 확인을 기다리고 있어요.",
  Opened: "파트너가 요청을 확인하고 있어요.",
};
const DELIVERED_TEXT = "파트너 휴대전화에 문자가 도착했어요. 확인을 기다리고 있어요.";
const UNDELIVERABLE_TEXT = "파트너 휴대전화로 문자가 전달되지 않아 확인을 받지 못했어요.";
// An operator's redrive starts a new round: the steps show the latest one, which starts there.
const REDRIVEN_TEXT = "파트너에게 다시 요청했어요.";
const STATE_WORDS = { "is-done": "완료", "is-current": "진행 중", "is-late": "시간 초과", "is-bad": "실패", "": "대기" };
const ORDER = ["Created", "SMSSent", "Opened"];
const stepOf = (type) => document.querySelector(`[data-step="${type}"]`);

let polling = null; // {id, timer, delay, status, busy}
let waitNote = "";

function track(requestId, reservationNumber) {
  stopPolling();
  showView("track");
  for (const id of ["missing", "connection", "result", "fact-intent-item", "fact-created-item"]) $(id).hidden = true;
  for (const id of ["progress", "facts", "track-note"]) $(id).hidden = false;
  setText("status-text", "진행 상황을 불러오는 중입니다.");
  setText("fact-reservation", reservationNumber || "확인 중");
  for (const type of [...ORDER, "final"]) paintStep(stepOf(type), "");
  setText("final-label", "파트너 응답");
  if (!REQUEST_ID.test(requestId)) return showMissing("요청을 찾을 수 없습니다. 주소를 다시 확인해 주세요.");
  polling = { id: requestId, timer: 0, delay: FIRST_DELAY, status: "", busy: false };
  poll();
}

function stopPolling() {
  if (polling) clearTimeout(polling.timer);
  polling = null;
}

async function poll() {
  const current = polling;
  if (!current || current.busy) return;
  clearTimeout(current.timer);
  current.busy = true;
  let data;
  try {
    data = await api(`/requests/${current.id}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    data = error;
  } finally {
    current.busy = false;
  }
  if (current !== polling) return; // a new question was started meanwhile
  if (data instanceof ApiError) {
    if (data.status === 404) return showMissing(data.message);
    const note = $("connection");
    note.textContent = `${data.message} 자동으로 다시 확인하고 있어요.`;
    note.hidden = false;
    current.delay = Math.min(current.delay * 2, OFFLINE_MAX_DELAY);
  } else {
    $("connection").hidden = true;
    render(data);
    if (data.notification && !awaitsOutcome(data)) return stopPolling();
    // Back off while nothing changes; one change usually means the next comes soon.
    current.delay = data.status === current.status ? Math.min(current.delay * 1.5, MAX_DELAY) : FIRST_DELAY;
    if (data.notification) current.delay = DECISION_DELAY;
    current.status = data.status;
  }
  current.timer = setTimeout(poll, current.delay);
}

document.addEventListener("visibilitychange", () => !document.hidden && poll());

function paintStep(step, state, at = "") {
  step.classList.remove("is-done", "is-current", "is-late", "is-bad", "is-skipped");
  if (state) step.classList.add(state);
  if (state === "is-current") step.setAttribute("aria-current", "step");
  else step.removeAttribute("aria-current");
  const time = step.querySelector("time");
  time.textContent = at ? formatClock(at) : "";
  time.dateTime = at;
  step.querySelector(".step-state").textContent = STATE_WORDS[state] || "";
}

function render(data) {
  const events = data.events || [];
  const redrive = events.map((event) => event.type).lastIndexOf("Redriven");
  const round = redrive < 0 ? events : [{ type: "Created", at: events[redrive].at }, ...events.slice(redrive + 1)];
  const at = {};
  for (const event of round) at[event.type] ??= event.at;
  stepOf("Created").querySelector(".step-label").textContent = redrive < 0 ? "접수됨" : "다시 요청함";
  setText("fact-reservation", data.reservationNumber || "");
  setText("fact-intent", data.intentLabel || "");
  setText("fact-created", formatClock(data.createdAt));
  $("fact-intent-item").hidden = !data.intentLabel;
  $("fact-created-item").hidden = !data.createdAt;

  const final = FINAL[data.status];
  const reached = ORDER.indexOf(data.status);
  ORDER.forEach((type, index) => {
    // An answer implies the steps before it; a request that ended early crosses out the rest.
    const done = at[type] || index <= reached || data.status === "Responded";
    paintStep(stepOf(type), done ? "is-done" : final ? "is-skipped" : "", at[type]);
  });
  setText("final-label", final ? final[0] : "파트너 응답");
  setText("final-note", final ? "" : waitNote);
  if (final) paintStep(stepOf("final"), final[1], at[data.status] || data.updatedAt);
  else paintStep(stepOf(ORDER[reached + 1] || "final"), "is-current");

  let sentence = final ? final[3] : STATUS_TEXT[data.status] || "진행 상황을 확인하고 있어요.";
  // What the carrier reported about the partner's SMS (Delivered, Undeliverable).
  if (!final && data.status === "SMSSent" && at.Delivered) sentence = DELIVERED_TEXT;
  if (data.status === "Failed" && at.Undeliverable) sentence = UNDELIVERABLE_TEXT;
  if (!final && at.Reminded) sentence = "파트너에게 한 번 더 알렸어요. 확인을 기다리고 있어요.";
  if (redrive >= 0 && !final) {
    sentence = `${REDRIVEN_TEXT} ${data.status === "Created" ? "파트너에게 연락하고 있어요." : sentence}`;
  }
  if (final && !data.notification) sentence += " 안내 메시지를 준비하고 있어요.";
  if ($("status-text").textContent !== sentence) setText("status-text", sentence);

  $("result").hidden = !data.notification;
  if (data.notification) {
    $("result").className = `card result ${final ? final[2] : ""}`;
    setText("result-message", data.notification.message);
    setText("result-time", data.notification.at ? `${formatClock(data.notification.at)} 도착` : "");
  }
  // The partner's own words: text only, never markup.
  $("partner-note").hidden = !data.partnerNote;
  setText("partner-note-text", data.partnerNote || "");
  renderProposal(data.proposal, (data.events || []).some((event) => event.type === "PartnerTold"));
}

// --- a proposed time: the customer accepts it or asks for another ---

const PROPOSAL_TEXT = {
  accepted: "이 시간으로 수락했어요.",
  declined: "다른 시간을 요청했어요 (제안 거절).",
  lapsed: "결정 기한이 지나 제안이 만료되었어요. 다른 시간이 필요하면 새 문의를 보내 주세요.",
};
let deciding = false;

/** Still waiting for the decision, or for the partner to be told of it. */
function awaitsOutcome(data) {
  return Boolean(data.proposal) && !(data.events || []).some((event) => event.type === "PartnerTold");
}

function renderProposal(proposal, told) {
  $("proposal").hidden = !proposal;
  if (!proposal) return;
  setText("proposal-time", formatDateTime(proposal.time));
  const pending = proposal.state === "pending";
  $("proposal-actions").hidden = !pending || !customerToken;
  let sentence = PROPOSAL_TEXT[proposal.state] || "";
  if (pending) {
    sentence = customerToken
      ? "이 시간이 괜찮으면 수락을, 아니면 다른 시간 요청을 눌러 주세요."
      : "이 화면에서는 결정할 수 없어요. 문의를 보낸 휴대전화의 화면에서 결정해 주세요.";
  } else if (proposal.state !== "lapsed") {
    sentence += told ? " 파트너에게 알렸어요." : " 파트너에게 알리고 있어요.";
  } else if (told) {
    sentence += " 파트너에게도 알렸어요.";
  }
  if ($("proposal-state").textContent !== sentence) setText("proposal-state", sentence);
}

async function decide(decision) {
  if (deciding || !polling || !customerToken) return;
  const requestId = polling.id;
  deciding = true;
  $("proposal-alert").hidden = true;
  for (const id of ["proposal-accept", "proposal-decline"]) $(id).disabled = true;
  try {
    const decided = await api(`/requests/${requestId}/decision`, {
      method: "POST",
      body: { decision },
      headers: { authorization: `Bearer ${customerToken}` },
    });
    if (polling?.id === requestId) renderProposal(decided.proposal, false);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    fillNotice($("proposal-alert"), "결정을 전하지 못했어요", error.message);
  } finally {
    deciding = false;
    for (const id of ["proposal-accept", "proposal-decline"]) $(id).disabled = false;
  }
  if (polling?.id === requestId) {
    polling.delay = FIRST_DELAY;
    poll();
  }
}

$("proposal-actions").addEventListener("click", (event) => event.target.value && decide(event.target.value));

function showMissing(message) {
  stopPolling();
  for (const id of ["progress", "facts", "track-note"]) $(id).hidden = true;
  fillNotice($("missing"), "문의를 찾을 수 없어요", `${message} 새 문의를 보내 주세요.`);
}

// --- views and the address bar ---

function showView(name) {
  $("ask").hidden = name !== "ask";
  $("track").hidden = name === "ask";
  document.title = name === "ask" ? "예약 문의 · 파트너 확인" : "문의 진행 상황 · 파트너 확인";
  focusHeading($(`${name}-title`));
}

function route() {
  const requestId = new URLSearchParams(location.search).get("request");
  const token = new URLSearchParams(location.hash.slice(1)).get("t") || "";
  customerToken = TOKEN.test(token) ? token : null;
  if (requestId) return track(requestId.trim().toLowerCase(), "");
  stopPolling();
  showView("ask");
}

$("new-question").addEventListener("click", () => {
  // A new question forgets the last one's address, its token with it.
  history.pushState(null, "", location.pathname);
  route();
  inputs.reservationNumber.focus();
});
window.addEventListener("popstate", route);

config().then(({ partnerTimeoutSeconds: seconds }) => {
  if (seconds > 0) waitNote = `파트너에게 ${Math.ceil(seconds / 60)}분 동안 응답을 기다려요.`;
});

if (new URLSearchParams(location.search).has("request")) route();
updateCounter();
