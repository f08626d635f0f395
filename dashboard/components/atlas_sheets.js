
export function sheets() {
  const registry = window.latentLabSheets || (window.latentLabSheets = { entries: new Map() });
  const BUDGET = 64 * 2 ** 20;  // bytes of decoded sheets kept: two live planes' (some 30 MB each) or many sliders'
  return {
    get(id) {  // a promise of {bitmap, src, meta}, kept until the sheet is evicted
      if (!registry.entries.has(id)) { let put; registry.entries.set(id, { promise: new Promise(r => { put = r; }), put }); }
      return registry.entries.get(id).promise;
    },
    has(id) { const entry = registry.entries.get(id); return !!entry && entry.src !== undefined; },
    async put(id, src, meta) {
      this.get(id);
      const entry = registry.entries.get(id);
      if (entry.src !== undefined) return;  // an id names one sheet: decoded once
      entry.src = src;
      const img = new Image();
      img.src = src;
      await img.decode();
      entry.bytes = img.naturalWidth * img.naturalHeight * 4;
      entry.put({ bitmap: await createImageBitmap(img), src, meta });
      // The oldest sheets go while the decoded ones exceed the budget; the newest always stays.
      let total = 0;
      for (const e of registry.entries.values()) total += e.bytes || 0;
      for (const [old, e] of registry.entries)
        if (total > BUDGET && old !== id && e.bytes) { registry.entries.delete(old); total -= e.bytes; }
    },
  };
}
