import { sheets } from "./atlas_sheets.js";

// A live slider's sprite (dashboard/slider_sprites.py), fetched as a file once the server lists it as built: the
// folder's index (index.json) is read every POLL_MS while any slider of the page waits, for at most GIVE_UP_MS a
// sprite (one the server could not build is never listed); then its layout (<name>.json), and the sprite goes to the
// page's registry of sheets (atlas_sheets.js), where the slider waits for it. No script run carries a sprite.
// window.latentLabFramesHeld = true keeps every slider plain (the browser test of a page whose frames are building).
const POLL_MS = 120, GIVE_UP_MS = 30000;
const FOLDER = new URL('../latent_lab.frames/', import.meta.url);

export function fetchSprite(id, name) {
  const w = waits();
  if (sheets().has(id) || window.latentLabFramesHeld || w.names.has(id)) return;
  w.names.set(id, { name, since: performance.now() });
  if (!w.polling) poll(w);
}

function waits() {
  return window.latentLabSpriteWaits || (window.latentLabSpriteWaits = { names: new Map(), polling: false, polls: 0 });
}

async function poll(w) {
  w.polling = true;
  while (w.names.size) {
    let ready = {};
    try {
      const answer = await fetch(new URL('index.json', FOLDER), { cache: 'no-store' });
      if (answer.ok) ready = (await answer.json()).ready || {};
    } catch (e) { /* the server restarting: the next poll asks again */ }
    w.polls++;
    const now = performance.now();
    for (const [id, { name, since }] of w.names) {
      if (ready[name]) { w.names.delete(id); load(id, name, ready[name]); }
      else if (now - since > GIVE_UP_MS) w.names.delete(id);
    }
    if (w.names.size) await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
  w.polling = false;
}

async function load(id, name, file) {
  try {
    const meta = await (await fetch(new URL(`${name}.json`, FOLDER))).json();
    await sheets().put(id, new URL(file, FOLDER).href, meta);
  } catch (e) { /* deleted meanwhile (the server keeps the newest only): the slider stays plain */ }
}
