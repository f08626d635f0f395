import { sheets } from "./atlas_sheets.js";
import { fetchSprite } from "./sprite_files.js";

// A live slider (live_slider.py). The thumb follows the pointer; on each animation frame after it moved, the frames
// on either side of the thumb's value are drawn, blended, over the page's picture (each <img data-live=picture>,
// one canvas over each); on release, or at once for a key, the value goes to the server, and the drawn frames stay
// until the page's exact picture has replaced the one under them. The maths mirrors core/slider_frames.py.
// window.latentLabSliders[key]: counters and probes for the bench and the browser tests.
export default function ({ data, setTriggerValue, parentElement }) {
  const root = parentElement.querySelector('.ls');
  const s = root.__ls || (root.__ls = setup(root));
  s.trigger = setTriggerValue;
  s.alive = true;
  s.update(data);
  const registry = window.latentLabSliders || (window.latentLabSliders = {});
  registry[data.key] = s.counters;
  return () => {  // gone (another page opened): a bench or test must not find this one's counters
    s.alive = false;
    if (registry[data.key] === s.counters) delete registry[data.key];
  };
}

const KEEP = 5000;     // timings kept in the counters
const WAIT_MS = 3000;  // how long drawn frames wait for the exact picture once the server has answered
const RESEND_MS = 2000;  // a value the server has not answered by then is sent again (once)

function setup(root) {
  const $ = sel => root.querySelector(sel);
  const track = $('.ls-track'), rail = $('.ls-rail'), shown = $('.ls-value'), input = $('.ls-input');
  const s = { alive: true, data: null, sheet: null, sheetId: null, index: 0, committed: 0, drag: null, x: null,
              since: null, scheduled: false, overlays: [], waiting: null };
  const c = s.counters = {
    frames: 0, plain: 0, moves: 0, changes: 0, keys: 0, presets: 0, sent: 0, ready: false, sprite_ms: null,
    build_ms: null, bytes: null, last: null, draw_ms: [], move_ms: [], frame_at: [], exact_ms: [], builds: [],
    reset() { Object.assign(this, { frames: 0, plain: 0, moves: 0, changes: 0, keys: 0, presets: 0, sent: 0,
                                    draw_ms: [], move_ms: [], frame_at: [], exact_ms: [] }); },
    value: () => valueOf(s.index),
    stop: () => s.index,
    picture: () => s.data.picture,
    rail_rect() { const r = rail.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; },
    x_of: value => { const r = rail.getBoundingClientRect(); return r.left + r.width * indexOf(value) / (stops() - 1); },
    position: value => s.sheet ? position(indexOf(value)) : null,
    overlays: () => s.overlays.filter(o => o.canvas.isConnected).length,
    waiting: () => !!s.waiting,
    // What is drawn over picture k: its pixels, RGBA row by row, at the frames' own size.
    drawn(k = 0) { const o = s.overlays[k]; return o ? Array.from(o.ctx.getImageData(0, 0, o.canvas.width, o.canvas.height).data) : null; },
    sprite_src: () => s.sheet && s.sheet.src,
    meta: () => s.sheet && s.sheet.meta,
  };

  // ------------------------------------------------------------ the track's maths (core/slider_frames.py)
  const stops = () => Math.round((s.data.max - s.data.min) / s.data.step) + 1;
  const valueOf = i => Number((s.data.min + i * s.data.step).toFixed(s.data.decimals));
  const indexOf = v => Math.min(stops() - 1, Math.max(0, Math.round((v - s.data.min) / s.data.step)));
  function indexAt(x) {  // a pointer past either end holds the thumb there
    const r = rail.getBoundingClientRect();
    return Math.round(Math.min(1, Math.max(0, (x - r.left) / r.width)) * (stops() - 1));
  }
  function position(i) {  // Track.frame_position: the frames either side of stop i and the second one's weight
    const f = s.sheet.meta.stops;
    let b = 0;
    while (b < f.length && f[b] <= i) b++;
    const a = Math.max(b - 1, 0);
    return b >= f.length ? [a, a, 0] : [a, b, (i - f[a]) / (f[b] - f[a])];
  }

  function place(i) {
    s.index = i;
    const n = stops(), at = (n > 1 ? 100 * i / (n - 1) : 0) + '%', v = valueOf(i);
    root.style.setProperty('--ls-at', at);
    shown.textContent = v.toFixed(s.data.shown_decimals);
    input.value = String(v);
    input.setAttribute('aria-valuetext', shown.textContent);
  }

  // ------------------------------------------------------------ drawing over the page's picture
  // One canvas over each of the page's pictures (the k-th shows cell k of a frame), kept while its picture is; once a
  // value is sent (`token`), none over a picture that already is the exact one, loaded: while a new run's pictures
  // arrive one by one, only the ones not yet replaced are drawn over, and no canvas is made again for the others.
  function targets(token) {
    const imgs = shownAt().slice(0, s.sheet.meta.layout.per_frame);
    const kept = new Map(s.overlays.filter(o => o.img.isConnected && o.canvas.isConnected).map(o => [o.img, o]));
    const done = img => token && img.complete && (img.dataset.liveAt || '').split(' ').includes(token);
    const wanted = [];
    imgs.forEach((img, k) => { if (!done(img)) wanted.push(Object.assign(kept.get(img) || overlay(img),
                                                                          { k, src: img.getAttribute('src') })); });
    for (const o of s.overlays) if (!wanted.includes(o)) o.canvas.remove();
    return (s.overlays = wanted);
  }

  function overlay(img) {
    const { w, h } = s.sheet.meta.layout, canvas = document.createElement('canvas'), style = getComputedStyle(img);
    canvas.width = w; canvas.height = h;
    canvas.className = 'latent-lab-live-frame';
    Object.assign(canvas.style, { position: 'absolute', left: img.offsetLeft + 'px', top: img.offsetTop + 'px',
      width: img.offsetWidth + 'px', height: img.offsetHeight + 'px', imageRendering: style.imageRendering,
      borderRadius: style.borderRadius, pointerEvents: 'none' });
    img.parentElement.appendChild(canvas);
    return { img, canvas, ctx: canvas.getContext('2d') };
  }

  function clear() { for (const o of s.overlays) o.canvas.remove(); s.overlays = []; }

  function draw(i, token = null) {
    if (!s.sheet) return false;
    const { bitmap, meta } = s.sheet, L = meta.layout, [a, b, w] = position(i);
    const copy = (ctx, frame, k, alpha) => {
      const n = frame * L.per_frame + k;
      ctx.globalAlpha = alpha;
      ctx.drawImage(bitmap, (n % L.cols) * L.w, Math.floor(n / L.cols) * L.h, L.w, L.h, 0, 0, L.w, L.h);
    };
    targets(token).forEach(o => { copy(o.ctx, a, o.k, 1); if (w > 0) copy(o.ctx, b, o.k, w); });
    c.last = [a, b, w];
    return true;
  }

  const keep = (list, v) => { list.push(v); if (list.length > KEEP) list.shift(); };

  function frame(now) {
    s.scheduled = false;
    if (!s.alive || s.x === null) return;
    const t0 = performance.now(), i = indexAt(s.x), changed = i !== s.index;
    place(i);
    if (draw(i)) {
      const t1 = performance.now();
      c.frames++; if (changed) c.changes++;
      keep(c.draw_ms, t1 - t0); keep(c.move_ms, t1 - s.since); keep(c.frame_at, now);
    } else c.plain++;
    s.x = null; s.since = null;
  }

  function moved(ev) {
    s.x = ev.clientX;
    if (s.since === null) s.since = ev.timeStamp;
    if (!s.scheduled) { s.scheduled = true; requestAnimationFrame(frame); }
  }

  // ------------------------------------------------------------ sending the value, and waiting for its picture
  const shownAt = () => [...document.querySelectorAll(`img[data-live="${CSS.escape(s.data.picture)}"]`)];
  // Whether the page's picture is the exact one for stop i: it says it shows this slider there (live_slider.mark).
  const exact = i => { const imgs = shownAt(), token = `${s.data.key}:${i}`;
    return imgs.length > 0 && imgs.every(img => img.complete && (img.dataset.liveAt || '').split(' ').includes(token)); };

  function send(i) {
    const last = s.waiting ? s.waiting.index : s.committed;
    if (i === last) { if (!s.waiting && exact(i)) clear(); return; }
    c.sent++;
    s.waiting = { index: i, at: performance.now(), answered: null };
    s.trigger('value', valueOf(i));
    if (!s.watching) { s.watching = true; requestAnimationFrame(watch); }
  }

  // Each animation frame until the page's picture is the exact one for the value sent; a picture an older run
  // drew meanwhile gets the frame drawn over it again. A value the server has not answered after RESEND_MS is
  // sent again, once (a rerun request can be lost when it meets another fragment's, or answered by a run that had
  // not heard it: rare, but a key press then did nothing). If the server kept another value, or the picture never says it shows this one, the frame goes
  // WAIT_MS after the server answered (or four times that after sending).
  function watch() {
    const w = s.waiting, now = performance.now();
    if (!w || !s.alive) { s.watching = false; return; }  // gone with its page: nothing to send or draw over
    const done = exact(w.index);
    if (w.answered === null && !w.resent && now - w.at > RESEND_MS) {  // no answer yet: the request was lost
      w.resent = true;
      s.trigger('value', valueOf(w.index));
    }
    if (done || (w.answered !== null && now - w.answered > WAIT_MS) || now - w.at > 4 * WAIT_MS) {
      if (done && s.overlays.length) keep(c.exact_ms, performance.now() - w.at);
      s.waiting = null; clear(); s.watching = false; return;
    }
    if (s.sheet && s.overlays.some(o => !o.img.isConnected || o.img.getAttribute('src') !== o.src))
      draw(w.index, `${s.data.key}:${w.index}`);
    requestAnimationFrame(watch);
  }

  // ------------------------------------------------------------ the hand, the keys
  track.addEventListener('pointerdown', ev => {
    if (ev.button !== 0 || !s.data) return;
    ev.preventDefault();
    track.setPointerCapture(ev.pointerId);
    s.drag = ev.pointerId;
    root.classList.add('ls-dragging');
    input.focus({ preventScroll: true });
    c.moves++; moved(ev);
  });
  track.addEventListener('pointermove', ev => { if (s.drag === ev.pointerId) { c.moves++; moved(ev); } });
  const end = ev => {
    if (s.drag !== ev.pointerId) return;
    s.drag = null; s.x = null;
    root.classList.remove('ls-dragging');
    const i = ev.type === 'pointercancel' ? s.index : indexAt(ev.clientX);
    place(i); draw(i); send(i);
  };
  track.addEventListener('pointerup', end);
  track.addEventListener('pointercancel', end);

  input.addEventListener('keydown', ev => {
    const n = stops(), page = Math.max(1, Math.round((n - 1) / 10));
    const to = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -page, PageUp: page,
                 Home: -n, End: n }[ev.key];
    if (to === undefined || !s.data) return;
    ev.preventDefault(); ev.stopPropagation();  // the key moves the slider, nothing else on the page
    const i = Math.min(n - 1, Math.max(0, s.index + to));
    c.keys++;
    place(i); draw(i); send(i);
  });

  // A preset button (live_slider.py's `presets`) moves the thumb there as a key does: drawn at once, then sent.
  $('.ls-presets').addEventListener('click', ev => {
    const button = ev.target.closest('.ls-preset');
    if (!button || !s.data) return;
    const i = indexOf(Number(button.dataset.value));
    c.presets++;
    place(i); draw(i); send(i);
  });
  function presets(list) {
    const box = $('.ls-presets'), said = JSON.stringify(list);
    if (box.dataset.said === said) return;
    box.dataset.said = said;
    box.replaceChildren(...list.map(([label, value, help]) => {
      const b = document.createElement('button');
      Object.assign(b, { type: 'button', className: 'ls-preset', textContent: label, title: help || '' });
      b.dataset.value = String(value);
      b.setAttribute('aria-label', help || label);
      return b;
    }));
  }

  // ------------------------------------------------------------ what the server sends
  s.update = data => {
    s.data = data;
    $('.ls-name').textContent = data.label;
    const help = $('.ls-help');
    help.hidden = !data.help; help.title = data.help || '';
    $('.ls-min').textContent = data.min.toFixed(data.shown_decimals);
    $('.ls-max').textContent = data.max.toFixed(data.shown_decimals);
    Object.assign(input, { min: data.min, max: data.max, step: data.step });
    input.setAttribute('aria-label', data.label);
    presets(data.presets || []);
    s.committed = indexOf(data.value);
    // An answer is a run with the value sent (or any, once it was sent again): a run begun before the value was
    // sent, or one whose request lost it, still carries the old value.
    if (s.waiting && s.waiting.answered === null && (s.committed === s.waiting.index || s.waiting.resent))
      s.waiting.answered = performance.now();
    if (s.drag === null && !s.waiting) place(s.committed);
    if (data.frames !== s.sheetId) {
      s.sheetId = data.frames; s.sheet = null; c.ready = false;
      const t0 = performance.now(), id = data.frames;
      sheets().get(id).then(sheet => {
        if (s.sheetId !== id) return;  // a newer state's frames were asked for meanwhile
        s.sheet = sheet; c.ready = true;
        c.sprite_ms = performance.now() - t0; c.build_ms = sheet.meta.build_ms; c.bytes = sheet.meta.bytes;
        keep(c.builds, sheet.meta.build_ms);  // every sprite this slider received, as the server timed its build
      });
      fetchSprite(id, data.sprite);
    }
  };
  return s;
}
