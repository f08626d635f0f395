
  return marks('image').flatMap(m => m.items).filter(item => item.image && item.image.naturalWidth > 0)
    .map(item => [Math.round(item.width), Math.round(item.height)]);
}