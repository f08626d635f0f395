// What tests/test_browser.py counts as a broken layout, evaluated in the page: a list of problems, empty when none.
// 1. text cut by its box (an ellipsis, hidden overflow) or spilling out of it; a shown select value that does not fit;
// 2. a word broken across lines in a heading, metric or widget label; 3. controls, pictures and alerts drawn over
// one another (an element's own hover toolbar over it excepted); 4. a main area that scrolls sideways.
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  // A folded sidebar (a narrow window) is off screen, its content squeezed: not part of the layout read.
  const side = document.querySelector('[data-testid="stSidebar"]:not([data-collapsed="true"])');
  const roots = [main, side].filter(Boolean);
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = el => (el.getAttribute('data-testid') || el.tagName.toLowerCase()) + ': ' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60);
  const cut = [];
  // 1. Text whose box is narrower than its content: truncated (ellipsis, hidden overflow) or spilling out.
  const overflowing = [];
  for (const root of roots) for (const el of root.querySelectorAll('*')) {
    // (a slider's value is drawn centred over its thumb, wider than the thumb by design: Streamlit's, a live one's)
    if (!visible(el) || el.closest('pre, [data-testid="stCode"], .vega-embed, canvas, svg, [data-testid="stSliderThumbValue"], .ls-value')
        || el.matches(':has(> [data-testid="stSliderThumbValue"], > .ls-value)')) continue;
    const s = getComputedStyle(el);
    if (s.display === 'inline' || ['auto', 'scroll'].includes(s.overflowX) || !(el.textContent || '').trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1) overflowing.push(el);
  }
  for (const el of overflowing)  // the innermost box that is too narrow names the defect
    if (!overflowing.some(other => other !== el && el.contains(other)))
      cut.push('cut: ' + name(el) + ` (${el.clientWidth} px box, ${el.scrollWidth} px content)`);
  // Select values: the shown option must fit its box.
  for (const root of roots) for (const el of root.querySelectorAll('[data-baseweb="select"] [value], [data-baseweb="select"] div[title]')) {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1) cut.push('cut select value: ' + name(el));
  }
  // 2. Words broken across lines: a heading, label or metric narrower than its longest word.
  for (const root of roots) for (const el of root.querySelectorAll('h1, h2, h3, [data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stWidgetLabel"] p')) {
    if (!visible(el)) continue;
    const words = (el.innerText || '').split(/\s+/).filter(Boolean);
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;';
    const s = getComputedStyle(el); probe.style.font = s.font; probe.style.letterSpacing = s.letterSpacing;
    document.body.appendChild(probe);
    for (const w of words) { probe.textContent = w; if (probe.getBoundingClientRect().width > el.getBoundingClientRect().width + 1) { cut.push('word broken: ' + name(el) + ' at ' + w); break; } }
    probe.remove();
  }
  // 3. Controls drawn over one another.
  const controls = [];
  for (const root of roots) for (const el of root.querySelectorAll('[data-testid="stWidgetLabel"], input:not([type="file"]):not([type="hidden"]):not([type="range"]), [data-testid="stSlider"], button, [role="radio"], [data-baseweb="select"], [data-testid="stMetric"], [data-testid="stVegaLiteChart"], [data-testid="stImage"], [data-testid="stFileUploaderDropzone"], figure, [data-testid="stAlert"], [data-testid="stPageLink"]'))
    if (visible(el)) controls.push(el);
  const over = [];
  for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
    const a = controls[i], b = controls[j];
    if (a.contains(b) || b.contains(a)) continue;
    const home = e => e.closest('[data-testid="stElementContainer"]');
    if (home(a) && home(a) === home(b)) continue;  // an element's own parts, e.g. its hover toolbar over it
    const r = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    const w = Math.min(r.right, q.right) - Math.max(r.left, q.left), h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
    if (w > 2 && h > 2) over.push('overlap: ' + name(a) + ' / ' + name(b) + ` (${Math.round(w)} x ${Math.round(h)} px)`);
  }
  // 4. Anything wider than the window: the page scrolls sideways.
  const wide = main.scrollWidth > main.clientWidth + 1 ? [`main scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`] : [];
  return [...cut, ...over, ...wide];
}
