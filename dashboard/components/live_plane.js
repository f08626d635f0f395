import { sheets } from "./atlas_sheets.js";
export default function ({ data, setTriggerValue, parentElement }) {
  const root = parentElement.querySelector('.ll-live');
  const s = root.__ll || (root.__ll = setup(root));
  s.trigger = setTriggerValue;
  s.update(data);
  window.latentLabPointer = s.counters;
  return () => { s.alive = false; };
}

function setup(root) {
  const $ = sel => root.querySelector(sel);
  const plane = $('.ll-plane'), base = $('.ll-base'), over = $('.ll-over'), digit = $('.ll-digit');
  const xText = $('.ll-x'), yText = $('.ll-y');
  const s = { alive: true, data: null, kept: null, sheetId: null, sprite: null, spriteSrc: null, pending: false,
              pointer: null, shown: null };
  const counters = s.counters = {
    frames: 0, moves: 0, cells: 0, last_cell: null, last_xy: null, last_latent: null, ready: false,
    sprite_ms: null, draw_ms: [], frame_at: [],
    reset() { this.frames = 0; this.moves = 0; this.cells = 0; this.draw_ms = []; this.frame_at = []; },
    shown_text() { return [xText.textContent, yText.textContent]; },
    // The digit as drawn: the centre of each of its cell x cell blocks, grey levels (red channel).
    digit_pixels() {
      const c = s.data.cell, k = digit.width / c, ctx = digit.getContext('2d'), out = [];
      const px = ctx.getImageData(0, 0, digit.width, digit.height).data;
      for (let r = 0; r < c; r++) for (let q = 0; q < c; q++)
        out.push(px[(Math.floor((r + 0.5) * k) * digit.width + Math.floor((q + 0.5) * k)) * 4]);
      return out;
    },
    sprite_src() { return s.spriteSrc; },
    plane_rect() { const r = over.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; },
  };
  const fmt = v => (v >= 0 ? '+' : '') + v.toFixed(2);

  // The mapping core/atlas.py documents: fractions (u, v) from the top-left corner -> plane point and cell.
  function locate(clientX, clientY) {
    const r = over.getBoundingClientRect(), d = s.data, e = d.extent, n = d.n;
    const u = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    const v = Math.min(1, Math.max(0, (clientY - r.top) / r.height));
    const xy = [-e + 2 * e * u, e - 2 * e * v];
    const cell = [Math.min(n - 1, Math.floor(v * n)), Math.min(n - 1, Math.floor(u * n))];
    const latent = [d.origin[0] + xy[0] * d.scale[0], d.origin[1] + xy[1] * d.scale[1]];
    return { u, v, xy, cell, latent };
  }

  function drawDigit(cell) {
    const ctx = digit.getContext('2d'), c = s.data.cell;
    ctx.imageSmoothingEnabled = false;
    if (!s.sprite) { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, digit.width, digit.height); return; }
    ctx.drawImage(s.sprite, cell[1] * c, cell[0] * c, c, c, 0, 0, digit.width, digit.height);
  }

  function showText(latent) {
    const names = s.data.names;
    xText.textContent = `${names[0]} ${fmt(latent[0])}`;
    yText.textContent = `${names[1]} ${fmt(latent[1])}`;
  }

  function drawOverlay(at) {
    const ctx = over.getContext('2d'), w = over.width, h = over.height, ratio = w / over.clientWidth;
    ctx.clearRect(0, 0, w, h);
    if (!at) return;
    const n = s.data.n, cw = w / n, ch = h / n, x = at.u * w, y = at.v * h;
    ctx.strokeStyle = 'rgba(29, 36, 51, 0.35)';
    ctx.lineWidth = ratio;
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke();
    ctx.strokeStyle = '#1D2433'; ctx.lineWidth = 1.5 * ratio;
    ctx.strokeRect(at.cell[1] * cw - 2 * ratio, at.cell[0] * ch - 2 * ratio, cw + 4 * ratio, ch + 4 * ratio);
  }

  function frame(now) {
    s.pending = false;
    if (!s.alive || !s.pointer || !s.data) return;
    const t0 = performance.now();
    const at = locate(s.pointer[0], s.pointer[1]);
    drawOverlay(at);
    const key = at.cell[0] * s.data.n + at.cell[1];
    if (key !== s.shown) { drawDigit(at.cell); s.shown = key; counters.cells++; }
    showText(at.latent);
    counters.frames++;
    counters.last_cell = at.cell; counters.last_xy = at.xy; counters.last_latent = at.latent;
    counters.draw_ms.push(performance.now() - t0);
    counters.frame_at.push(now);
    if (counters.frame_at.length > 5000) { counters.frame_at.shift(); counters.draw_ms.shift(); }
  }

  over.addEventListener('pointermove', ev => {
    counters.moves++;
    s.pointer = [ev.clientX, ev.clientY];
    if (!s.pending) { s.pending = true; requestAnimationFrame(frame); }
  });
  over.addEventListener('pointerleave', () => { s.pointer = null; drawOverlay(null); showRest(); });
  over.addEventListener('click', ev => {
    if (!s.data) return;
    const at = locate(ev.clientX, ev.clientY);
    s.kept = at.xy; drawBase();  // marked at once; the page's rerun then shows the decoder's own digit there
    s.trigger('point', at.latent.map(v => Math.round(v * 1000) / 1000));
  });

  // With the pointer away: the kept point's cell, else the resting point's, else the plane's centre.
  function showRest() {
    const d = s.data, e = d.extent, k = s.kept || d.rest || [0, 0];
    const at = { u: (k[0] + e) / (2 * e), v: (e - k[1]) / (2 * e) };
    const n = d.n, cell = [Math.min(n - 1, Math.floor(at.v * n)), Math.min(n - 1, Math.floor(at.u * n))];
    drawDigit(cell); s.shown = cell[0] * n + cell[1];
    showText([d.origin[0] + k[0] * d.scale[0], d.origin[1] + k[1] * d.scale[1]]);
  }

  function drawBase() {
    const d = s.data, ratio = window.devicePixelRatio || 1, size = d.plane_px;
    plane.style.width = plane.style.height = size + 'px';
    $('.ll-ax').textContent = `${d.names[0]} →`;
    $('.ll-ay').textContent = `↑ ${d.names[1]}`;
    for (const c of [base, over]) { c.width = c.height = Math.round(size * ratio); }
    digit.width = digit.height = Math.round(d.digit_px * ratio);
    digit.style.width = digit.style.height = d.digit_px + 'px';
    const ctx = base.getContext('2d'), w = base.width, e = d.extent, at = v => (v + e) / (2 * e) * w;
    ctx.clearRect(0, 0, w, w);
    ctx.strokeStyle = 'rgba(29, 36, 51, 0.12)'; ctx.lineWidth = ratio;
    ctx.beginPath(); ctx.moveTo(w / 2, 0); ctx.lineTo(w / 2, w); ctx.moveTo(0, w / 2); ctx.lineTo(w, w / 2); ctx.stroke();
    const [xs, ys, labels] = d.codes, radius = 1.7 * ratio;
    ctx.globalAlpha = 0.45;
    for (let i = 0; i < xs.length; i++) {
      ctx.fillStyle = d.colors[labels[i] % d.colors.length];
      ctx.beginPath(); ctx.arc(at(xs[i]), w - at(ys[i]), radius, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    const k = s.kept;
    if (k && Math.abs(k[0]) <= e && Math.abs(k[1]) <= e) {
      const x = at(k[0]), y = w - at(k[1]);
      ctx.lineWidth = 2.5 * ratio; ctx.strokeStyle = '#fff';
      ctx.beginPath(); ctx.arc(x, y, 7 * ratio, 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 1.5 * ratio; ctx.strokeStyle = '#D62728';
      ctx.beginPath(); ctx.arc(x, y, 7 * ratio, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x - 11 * ratio, y); ctx.lineTo(x + 11 * ratio, y);
      ctx.moveTo(x, y - 11 * ratio); ctx.lineTo(x, y + 11 * ratio); ctx.stroke();
    }
  }

  s.update = async data => {
    s.data = data; s.kept = data.kept;
    drawBase();
    drawDigit([0, 0]);
    if (data.sheet !== s.sheetId) {
      s.sheetId = data.sheet; s.sprite = null; counters.ready = false;
      const t0 = performance.now(), sheet = await sheets().get(data.sheet);
      if (s.sheetId !== data.sheet) return;  // a newer sheet arrived meanwhile
      s.sprite = sheet.bitmap; s.spriteSrc = sheet.src;
      counters.sprite_ms = performance.now() - t0;
      counters.ready = true;
    }
    s.shown = null;
    if (s.pointer) { if (!s.pending) { s.pending = true; requestAnimationFrame(frame); } } else showRest();
  };
  return s;
}
