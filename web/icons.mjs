// The app's icons, drawn here so the build needs no image tools: two overlapping circles
// ("miteinander", together) on the brand colour, as SVG and as PNG for the manifest.
import zlib from 'node:zlib';

const BRAND = [0x0b, 0x5c, 0x63];
const LEFT = [0xff, 0xff, 0xff];
const RIGHT = [0xf2, 0xc1, 0x4e];

export function svgIcon() {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Miteinander">
  <rect width="64" height="64" rx="14" fill="#0b5c63"/>
  <circle cx="25" cy="32" r="14" fill="#ffffff"/>
  <circle cx="39" cy="32" r="14" fill="#f2c14e" fill-opacity="0.9"/>
</svg>
`;
}

// Colour of one point of the icon in unit coordinates (0..1); null is transparent. The
// maskable variant fills the whole square and keeps the circles inside the 80 % safe zone.
function paint(x, y, maskable) {
  const corner = maskable ? 0 : 14 / 64;
  const dx = Math.max(corner - x, x - (1 - corner), 0);
  const dy = Math.max(corner - y, y - (1 - corner), 0);
  if (corner && Math.hypot(dx, dy) > corner) return null;
  const scale = maskable ? 0.8 : 1;
  const at = (v) => 0.5 + (v - 0.5) * scale;
  const radius = (14 / 64) * scale;
  const inLeft = Math.hypot(x - at(25 / 64), y - 0.5) <= radius;
  const inRight = Math.hypot(x - at(39 / 64), y - 0.5) <= radius;
  const under = inLeft ? LEFT : BRAND;
  if (inRight) return RIGHT.map((v, i) => Math.round(v * 0.9 + under[i] * 0.1));
  return under;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// An RGBA PNG of ``size`` pixels, 4x4 supersampled for smooth edges.
export function pngIcon(size, maskable = false) {
  const samples = 4;
  const rows = [];
  for (let py = 0; py < size; py += 1) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px += 1) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, maskable);
          if (!colour) continue;
          sum[0] += colour[0]; sum[1] += colour[1]; sum[2] += colour[2]; sum[3] += 255;
        }
      }
      const n = samples * samples;
      const covered = sum[3] / 255;
      const offset = 1 + px * 4;
      row[offset] = covered ? Math.round(sum[0] / covered) : 0;
      row[offset + 1] = covered ? Math.round(sum[1] / covered) : 0;
      row[offset + 2] = covered ? Math.round(sum[2] / covered) : 0;
      row[offset + 3] = Math.round(sum[3] / n);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
