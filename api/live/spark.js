// A 24-hour sparkline as inline SVG: bars for counts (they add up per hour), a line for levels (they average).

const NS = 'http://www.w3.org/2000/svg';
const W = 120;
const H = 32;

function el(name, attrs) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function sparkline(values, mode) {
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'spark', 'aria-hidden': 'true', preserveAspectRatio: 'none' });
  const nums = values.filter((v) => typeof v === 'number');
  if (nums.length === 0) {
    svg.append(el('line', { x1: 0, y1: H - 1, x2: W, y2: H - 1, class: 'spark-empty' }));
    return svg;
  }
  const max = Math.max(...nums, mode === 'sum' ? 1 : 0);
  const min = mode === 'sum' ? 0 : Math.min(...nums);
  const span = max - min || 1;
  const step = W / values.length;
  const y = (v) => H - 2 - ((v - min) / span) * (H - 4);
  if (mode === 'sum') {
    values.forEach((v, i) => {
      if (typeof v !== 'number') return;
      const top = y(v);
      svg.append(el('rect', { x: i * step + 0.6, y: top, width: Math.max(step - 1.2, 1), height: Math.max(H - 2 - top, 1), class: i === values.length - 1 ? 'spark-bar now' : 'spark-bar' }));
    });
  } else {
    let d = '';
    values.forEach((v, i) => {
      if (typeof v !== 'number') return;
      d += `${d === '' ? 'M' : 'L'}${(i * step + step / 2).toFixed(1)},${y(v).toFixed(1)} `;
    });
    svg.append(el('path', { d, class: 'spark-line' }));
  }
  svg.append(el('line', { x1: 0, y1: H - 1, x2: W, y2: H - 1, class: 'spark-axis' }));
  return svg;
}
