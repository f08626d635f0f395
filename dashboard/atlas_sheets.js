
export function sheets() {
  const registry = window.latentLabSheets || (window.latentLabSheets = { entries: new Map() });
  return {
    get(id) {  // a promise of {bitmap, src}, kept until a sheet with the same id is put
      if (!registry.entries.has(id)) { let put; registry.entries.set(id, { promise: new Promise(r => { put = r; }), put }); }
      return registry.entries.get(id).promise;
    },
    async put(id, src) {
      this.get(id);
      const entry = registry.entries.get(id);
      if (entry.src !== undefined) return;  // an id names one sheet: decoded once
      entry.src = src;
      for (const old of registry.entries.keys())  // the two latest sheets are kept (some 30 MB each, decoded)
        if (registry.entries.size > 2 && old !== id) registry.entries.delete(old);
      const img = new Image();
      img.src = src;
      await img.decode();
      entry.put({ bitmap: await createImageBitmap(img), src });
    },
  };
}
