/**
 * Channel QR codes and printable posters: option parsing, rendering (PNG, SVG, A5 poster SVG),
 * ZIP batches and a byte-bounded render cache. Framework-free; HTTP routes build on it.
 */
export * from './qr-options.js';
export * from './qr-render.js';
export * from './poster-svg.js';
export * from './zip.js';
export * from './render-cache.js';
export * from './poster-png.js';
