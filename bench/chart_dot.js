
  const dots = marks('symbol').find(m => m.items.length && 'index' in m.items[0].datum).items;
  const canvas = chart.querySelector('canvas').getBoundingClientRect(), [left, top] = vegaView().origin();
  const dot = dots[i % dots.length], x = canvas.left + left + dot.x, y = canvas.top + top + dot.y;
  return {x, y, index: dot.datum.index, points: dots.length, visible: x >= 0 && y >= 0 && x < innerWidth && y < innerHeight};
}