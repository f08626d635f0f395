
  const chart = document.querySelector('[data-testid="stMain"] [data-testid="stVegaLiteChart"]');
  function vegaView() {
    const isView = v => v && typeof v === 'object' && typeof v.scenegraph === 'function' && typeof v.origin === 'function';
    for (const el of [chart, ...chart.querySelectorAll('*')]) {
      const key = Object.keys(el).find(k => k.startsWith('__reactFiber'));
      for (let f = key && el[key]; f; f = f.return)
        for (let h = f.memoizedState; h && typeof h === 'object'; h = h.next) {
          const s = h.memoizedState, view = [s, s && s.current, s && s.current && s.current.view].find(isView);
          if (view) return view;
        }
    }
    throw new Error('no Vega view in the chart');
  }
  function marks(type) {  // every mark of this type in the scenegraph, largest first
    const found = [];
    (function walk(node) { if (node.marktype === type) found.push(node); (node.items || []).forEach(walk); })(
      vegaView().scenegraph().root);
    return found.sort((a, b) => b.items.length - a.items.length);
  }
