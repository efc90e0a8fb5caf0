// The report as a chart: bench/results/latest.svg.
//
// One row per scenario and compared variant (the baseline is the 1.0 line itself), two
// bars each: the throughput ratio and the efficiency ratio against the baseline. The
// axis is logarithmic, so 2× and 0.5× are the same distance from the line and a bar's
// length reads as "how many times better or worse". Ratios beyond the axis are drawn to
// its edge and labelled with their value. Hand-written SVG: no dependency, and the file
// renders on GitHub and in any browser.

import { formatRate } from './report.mjs';
import { KINDS } from './scenarios.mjs';

const WIDTH = 1080;
const LABEL_WIDTH = 470;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_RIGHT = WIDTH - 60;
const BAR = 10;
const ROW = 2 * BAR + 12;
const TOP = 92;
/** log2 of the axis ends: 1/8× … 8×. */
const AXIS_LOG2 = 3;
const COLORS = { throughput: '#4e79a7', efficiency: '#f28e2b' };

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function x(ratio) {
  const clamped = Math.min(AXIS_LOG2, Math.max(-AXIS_LOG2, Math.log2(ratio)));
  return PLOT_LEFT + ((clamped + AXIS_LOG2) / (2 * AXIS_LOG2)) * (PLOT_RIGHT - PLOT_LEFT);
}

function bar(y, ratio, color, what) {
  if (!Number.isFinite(ratio) || ratio <= 0) {
    return `<text x="${x(1) + 4}" y="${y + BAR - 1}" class="small">${what}: n/a</text>`;
  }
  const x1 = x(1);
  const x2 = x(ratio);
  const left = Math.min(x1, x2);
  const width = Math.max(1, Math.abs(x2 - x1));
  const text = `${ratio.toFixed(2)}×`;
  const textX = ratio >= 1 ? Math.max(x1, x2) + 4 : Math.min(x1, x2) - 4;
  const anchor = ratio >= 1 ? 'start' : 'end';
  return (
    `<rect x="${left.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${color}"><title>${escape(`${what}: ${text}`)}</title></rect>` +
    `<text x="${textX.toFixed(1)}" y="${y + BAR - 1}" class="small" text-anchor="${anchor}">${text}</text>`
  );
}

/** `compared` is report.compare()'s output; `title` and `subtitle` head the chart. */
export function chart({ compared, baseline, title, subtitle }) {
  const rows = [];
  for (const { scenario, rows: variantRows } of compared) {
    const base = variantRows[0];
    variantRows.slice(1).forEach((row, i) => rows.push({ scenario, row, base, first: i === 0 }));
  }
  const height = TOP + rows.length * ROW + 40;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`);
  out.push('<style>.small{font-size:10px;fill:#333}.label{fill:#111}.sub{fill:#555}.axis{stroke:#bbb;stroke-width:1}.one{stroke:#222;stroke-width:1.5}</style>');
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="12" y="22" font-size="16" font-weight="600">${escape(title)}</text>`);
  out.push(`<text x="12" y="40" class="sub">${escape(subtitle)}</text>`);
  // Legend.
  out.push(`<rect x="12" y="52" width="12" height="${BAR}" fill="${COLORS.throughput}"/><text x="28" y="61">throughput vs ${escape(baseline)} (idle connections: memory, inverted)</text>`);
  out.push(`<rect x="440" y="52" width="12" height="${BAR}" fill="${COLORS.efficiency}"/><text x="456" y="61">efficiency (work per server CPU-second) vs ${escape(baseline)}</text>`);
  // Axis: gridlines at powers of two, the 1.0 line darker.
  for (let e = -AXIS_LOG2; e <= AXIS_LOG2; e++) {
    const v = 2 ** e;
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 8}" x2="${gx}" y2="${height - 30}" class="${e === 0 ? 'one' : 'axis'}"/>`);
    out.push(`<text x="${gx}" y="${TOP - 12}" class="small" text-anchor="middle">${v >= 1 ? v : `1/${1 / v}`}×</text>`);
  }
  rows.forEach(({ scenario, row, base, first }, i) => {
    const y = TOP + i * ROW;
    if (first && i > 0) out.push(`<line x1="8" y1="${y - 4}" x2="${WIDTH - 8}" y2="${y - 4}" stroke="#eee"/>`);
    const kind = KINDS[scenario.kind];
    out.push(`<text x="${LABEL_WIDTH}" y="${y + BAR}" class="label" text-anchor="end">${escape(`${scenario.name} — ${row.variant.label}`)}</text>`);
    const detail = row.summary && base.summary ? `${formatRate(kind, row.summary.rate)} vs ${formatRate(kind, base.summary.rate)}` : 'failed';
    out.push(`<text x="${LABEL_WIDTH}" y="${y + 2 * BAR + 4}" class="small" text-anchor="end">${escape(detail)}</text>`);
    if (!row.summary || !base.summary) {
      out.push(`<text x="${x(1) + 4}" y="${y + BAR}" class="small">failed: see latest.md</text>`);
      return;
    }
    out.push(bar(y, row.resultRatio, COLORS.throughput, 'throughput'));
    out.push(bar(y + BAR + 1, row.efficiency, COLORS.efficiency, 'efficiency'));
  });
  out.push(`<text x="12" y="${height - 10}" class="small">Logarithmic axis; bars start at 1.0 (= ${escape(baseline)}); right of it is better. Numbers: bench/results/latest.md.</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
