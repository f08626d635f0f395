import { sheets } from "./atlas_sheets.js";

// A live slider's frames (live_slider.py): the sprite, when this run brought it, goes to the page's registry of
// sheets (atlas_sheets.js), where the slider waits for it. Without it, and when the page does not hold it already,
// the element asks for it: its "want" trigger reruns its fragment alone, which builds it. Asks wait for the page to
// be drawn and for a quiet moment (QUIET_MS after the last key or pointer press: a person's input goes first), and
// go one at a time (Streamlit reruns one fragment for a batch of widget updates, so asks sent together were lost);
// one whose sprite has not come after WAIT_MS is asked again, at most ASKS times an id, so a sprite the server cannot
// make is not asked for again and again.
// window.latentLabFramesHeld = true keeps every slider plain (the browser test of a page whose frames are building).
const ASKS = 3, WAIT_MS = 5000, QUIET_MS = 300;

export default function ({ data, setTriggerValue }) {
  const registry = sheets(), q = queue();
  if (data.sprite) {
    q.asked.delete(data.id);
    registry.put(data.id, data.sprite, data.meta);
    if (q.busy === data.id) { q.busy = null; next(q, registry); }
    return;
  }
  if (registry.has(data.id) || window.latentLabFramesHeld || (q.asked.get(data.id) || 0) >= ASKS) return;
  const ask = { id: data.id, trigger: setTriggerValue, page: location.pathname, alive: true };
  q.waiting = q.waiting.filter(a => a.id !== data.id);
  q.waiting.push(ask);
  next(q, registry);
  return () => { ask.alive = false; };
}

// An ask whose element has gone (another page opened, or its slider removed) is never sent: its trigger would
// rerun a fragment of a page the browser no longer shows, and Streamlit would apply that run's elements to the page
// it does show ("'setIn' cannot be called on an ElementNode"), which ends the session.
const live = ask => ask.alive && ask.page === location.pathname;

function queue() {
  if (window.latentLabFrames) return window.latentLabFrames;
  const q = window.latentLabFrames = { waiting: [], busy: null, asked: new Map(), inputAt: 0 };
  for (const type of ['keydown', 'pointerdown'])
    document.addEventListener(type, () => { q.inputAt = performance.now(); }, true);
  return q;
}

function next(q, registry) {
  if (q.busy || !q.waiting.length) return;
  const quiet = QUIET_MS - (performance.now() - q.inputAt);
  if (quiet > 0) { setTimeout(() => next(q, registry), quiet); return; }
  const ask = q.waiting.shift();
  if (registry.has(ask.id) || !live(ask)) { next(q, registry); return; }
  q.busy = ask.id;
  q.asked.set(ask.id, (q.asked.get(ask.id) || 0) + 1);
  requestAnimationFrame(() => setTimeout(() => {  // after the page is drawn
    if (live(ask)) ask.trigger('want', ask.id);
    else if (q.busy === ask.id) { q.busy = null; next(q, registry); }
  }, 0));
  setTimeout(() => {
    if (q.busy !== ask.id) return;
    q.busy = null;
    if (!registry.has(ask.id) && q.asked.get(ask.id) < ASKS && live(ask)) q.waiting.push(ask);  // lost: ask again
    next(q, registry);
  }, WAIT_MS);
}
