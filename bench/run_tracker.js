
(() => {
  if (window.__ll) return;
  const ll = window.__ll = {finished: 0, lastStatus: -1, running: false, finishedAt: 0, inputAt: 0, done: 0,
                            received: 0, receivedAtArm: 0, finishedAtInput: 0};
  const varint = (b, i) => { let r = 0, s = 1, x; do { x = b[i++]; r += (x & 0x7f) * s; s *= 128; } while (x & 0x80); return [r, i]; };
  function isRunning(b, i, end) {
    while (i < end) {
      let key, v; [key, i] = varint(b, i);
      if ((key & 7) === 0) { [v, i] = varint(b, i); if (key >> 3 === 2) return v === 1; }
      else if ((key & 7) === 2) { [v, i] = varint(b, i); i += v; } else return null;
    }
    return false;
  }
  function field_(b, i, end, wanted) {  // [start, end] of length-delimited field `wanted` in b[i:end], or null
    while (i < end) {
      let key, v; [key, i] = varint(b, i);
      const wire = key & 7;
      if (wire === 0) [v, i] = varint(b, i);
      else if (wire === 2) { [v, i] = varint(b, i); if (key >> 3 === wanted) return [i, i + v]; i += v; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else return null;
    }
    return null;
  }
  function inspect(buffer) {
    const b = new Uint8Array(buffer); let i = 0;
    while (i < b.length) {
      let key, v; [key, i] = varint(b, i);
      const field = key >> 3, wire = key & 7;
      if (wire === 0) {
        [v, i] = varint(b, i);
        if (field === 6) { ll.finished++; ll.lastStatus = v; ll.running = false; ll.finishedAt = performance.now(); }
      } else if (wire === 2) {
        [v, i] = varint(b, i);
        if (field === 9) { const r = isRunning(b, i, i + v); if (r !== null) ll.running = r; }
        if (field === 4) {  // new_session: remember the session's id (initialize.session_id)
          const init = field_(b, i, i + v, 1), id = init && field_(b, init[0], init[1], 6);
          if (id) ll.sessionId = new TextDecoder().decode(b.subarray(id[0], id[1]));
        }
        i += v;
      } else if (wire === 1) i += 8; else if (wire === 5) i += 4; else return;
    }
  }
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        ll.received += e.data.byteLength ?? e.data.size ?? e.data.length ?? 0;
        if (e.data instanceof ArrayBuffer) inspect(e.data);
        else if (e.data instanceof Blob) e.data.arrayBuffer().then(inspect);
      });
    }
  };
  const MAIN = '[data-testid="stMain"]';
  const BUSY = '[data-testid="stSpinner"], [data-testid="stSkeleton"], [data-testid="stAppSkeleton"], [data-stale="true"]';
  ll.settled = (since) => {
    if (ll.finished <= since || ll.lastStatus === 2 || ll.running) return false;
    const main = document.querySelector(MAIN);
    if (!main) return false;
    const widget = document.querySelector('[data-testid="stStatusWidget"]');
    if (widget && !/StatusWidget-exit/.test(widget.className)) return false;  // fading out counts as gone
    if (document.querySelector(BUSY)) return false;
    for (const img of main.querySelectorAll('img')) if (!img.complete) return false;
    for (const chart of main.querySelectorAll('[data-testid="stVegaLiteChart"]'))
      if (!chart.querySelector('canvas, svg')) return false;
    return true;
  };
  // Why the page is not settled (for a bench's error message): every reason that holds now.
  ll.unsettled = () => {
    const main = document.querySelector(MAIN), why = [];
    if (ll.lastStatus === 2) why.push('the last run ended in an error status');
    if (ll.running) why.push('a run is going on');
    const widget = document.querySelector('[data-testid="stStatusWidget"]');
    if (widget && !/StatusWidget-exit/.test(widget.className)) why.push('the status widget shows');
    for (const e of document.querySelectorAll(BUSY))
      why.push(`busy: ${e.getAttribute('data-testid') || ''}${e.dataset.stale ? ' stale' : ''} "${e.innerText.trim().slice(0, 60)}"`);
    if (main) for (const img of main.querySelectorAll('img'))
      if (!img.complete) why.push(`picture loading: ${(img.getAttribute('src') || '').slice(0, 60)}`);
    return why.slice(0, 6).join(', ') || 'settled';
  };
  ll.pictures = () => {
    const main = document.querySelector(MAIN);
    if (!main) return '';
    const out = [];
    main.querySelectorAll('img').forEach(i => out.push(i.getAttribute('src') || ''));
    main.querySelectorAll('image').forEach(i => out.push(i.getAttribute('href') || i.getAttribute('xlink:href') || ''));
    // data: URIs run to megabytes; their length and tail tell them apart.
    return out.map(s => s.length > 300 ? s.length + ':' + s.slice(-200) : s).join('\n');
  };
  ll.shown = () => {
    const title = document.querySelector(MAIN + ' h1');
    return (title ? title.innerText : '') + '\n' + ll.pictures();
  };
  // The next input starts a measurement.
  ll.arm = () => { ll.armed = true; ll.inputAt = 0; ll.done = 0; ll.receivedAtArm = ll.received; };
  for (const type of ['keydown', 'pointerdown', 'pointerup', 'change'])  // pointerup: a drag armed before its release
    document.addEventListener(type, () => {
      if (ll.armed && !ll.inputAt) ll.inputAt = performance.now();
      if (type !== 'change') ll.finishedAtInput = ll.finished;
    }, true);
  // True once a run after `since` is on screen and the pictures (or with what = 'shown', the title and pictures)
  // differ from `before`; records when.
  ll.changed = (since, before, what = 'pictures') => {
    if (!ll.settled(since) || (what !== 'settled' && ll[what]() === before)) return false;
    if (!ll.done) ll.done = performance.now();
    return true;
  };
  ll.lost = () => [...document.querySelectorAll('[role="dialog"]')].some(d => /Connection error/.test(d.textContent));
  // Resolves with the armed input's on-screen time once changed(since, before, what) holds, checked every 10 ms.
  ll.until = (since, before, timeoutMs, what = 'pictures') => new Promise((resolve, reject) => {
    const started = performance.now();
    (function check() {
      if (ll.changed(since, before, what)) resolve(ll.done - ll.inputAt);
      else if (ll.lost()) reject(new Error('the session was lost: the page shows "Connection error"'));
      else if (performance.now() - started > timeoutMs) reject(new Error(`no new result within ${timeoutMs} ms: `
        + (ll.finished <= since ? 'no run finished' : !ll.settled(since) ? 'a run finished, the page never settled'
           : `a run finished, the ${what === 'shown' ? 'title and pictures' : 'pictures'} stayed as they were`)));
      else setTimeout(check, 10);
    })();
  });
})();
