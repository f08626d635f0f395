// Digits drawn in raster order, replayed pixel by pixel in the browser from one message (the drawn pixels and
// each one's probability, sent once by dashboard/pixel_draw.py). Undrawn pixels are grey; the pixel being drawn
// is coloured by its probability of ink (blue: unlikely, red: likely); beside the grid, the first digit's
// probabilities as they are drawn. window.latentLabDraw: progress, for the browser test.
export default function ({ data, parentElement }) {
  const root = parentElement.querySelector('.ll-draw');
  const s = root.__ll || (root.__ll = setup(root));
  s.update(data);
  return () => { s.stop(); };
}

function setup(root) {
  const grid = root.querySelector('.ll-draw-grid'), prob = root.querySelector('.ll-draw-prob');
  const now = root.querySelector('.ll-draw-now');
  const s = { data: null, key: null, start: 0, frame: null };
  const probe = window.latentLabDraw = { drawn: 0, total: 0, runs: 0 };
  const heat = p => `rgb(${Math.round(255 * p)},${Math.round(80 + 60 * (1 - Math.abs(2 * p - 1)))},${Math.round(255 * (1 - p))})`;

  function paint(upto) {
    const d = s.data, side = d.side, k = d.scale, cols = d.cols, gap = 4, ctx = grid.getContext('2d');
    const pctx = prob.getContext('2d'), pk = d.prob_scale;
    ctx.fillStyle = '#888';
    for (let n = 0; n < d.images.length; n++) {
      const ox = (n % cols) * (side * k + gap), oy = Math.floor(n / cols) * (side * k + gap);
      const img = d.images[n], p = d.probs[n];
      for (let i = s.painted; i < Math.min(upto + 1, side * side); i++) {
        const r = Math.floor(i / side), c = i % side;
        ctx.fillStyle = i === upto ? heat(p[i] / 255) : (img[i] === '1' ? '#fff' : '#000');
        ctx.fillRect(ox + c * k, oy + r * k, k, k);
        if (n === 0 && i < upto) {
          pctx.fillStyle = i < d.given ? (img[i] === '1' ? '#fff' : '#000') : heat(p[i] / 255);
          pctx.fillRect(c * pk, r * pk, pk, pk);
        }
      }
    }
    s.painted = Math.max(0, upto);  // the current pixel is painted again, in black or white, next time
    if (upto < side * side) {
      const r = Math.floor(upto / side), c = upto % side, p = d.probs[0][upto] / 255;
      now.textContent = `Pixel ${upto + 1} of ${side * side} (row ${r + 1}, column ${c + 1}): first digit's ` +
        `p(ink) = ${p.toFixed(2)}, drawn ${d.images[0][upto] === '1' ? 'ink' : 'paper'}` +
        (d.given > upto ? ' (given)' : '');
    } else {
      now.textContent = `All ${side * side} pixels drawn. Colour: p(ink) as each pixel was drawn (blue 0, red 1).`;
    }
    probe.drawn = Math.min(upto, side * side);
  }

  function tick(t) {
    const d = s.data, total = d.side * d.side;
    const upto = d.given + Math.floor((t - s.start) / 1000 * d.pixels_per_s);
    paint(Math.min(upto, total));
    s.frame = upto < total ? requestAnimationFrame(tick) : null;
    if (upto >= total) probe.runs += 1;
  }

  function reset() {
    const d = s.data, side = d.side, k = d.scale, cols = d.cols, gap = 4, rows = Math.ceil(d.images.length / cols);
    grid.width = cols * side * k + (cols - 1) * gap;
    grid.height = rows * side * k + (rows - 1) * gap;
    prob.width = prob.height = side * d.prob_scale;
    const ctx = grid.getContext('2d');
    ctx.clearRect(0, 0, grid.width, grid.height);
    for (let n = 0; n < d.images.length; n++) {
      ctx.fillStyle = '#888';
      ctx.fillRect((n % cols) * (side * k + gap), Math.floor(n / cols) * (side * k + gap), side * k, side * k);
    }
    const pctx = prob.getContext('2d');
    pctx.fillStyle = '#888';
    pctx.fillRect(0, 0, prob.width, prob.height);
    s.painted = 0;
    paint(d.given);  // the given rows at once
    probe.total = side * side;
    if (s.frame) cancelAnimationFrame(s.frame);
    s.start = performance.now();
    s.frame = requestAnimationFrame(tick);
  }

  root.querySelector('.ll-draw-replay').addEventListener('click', () => s.data && reset());
  s.update = data => {
    const key = JSON.stringify([data.images, data.given]);
    s.data = data;
    if (key !== s.key) { s.key = key; reset(); }  // a rerun with the same drawing keeps playing
    else if (!s.frame && probe.drawn < probe.total) s.frame = requestAnimationFrame(tick);
  };
  s.stop = () => { if (s.frame) cancelAnimationFrame(s.frame); s.frame = null; };
  return s;
}
