/**
 * Summarises a V8 `.cpuprofile` (`node --cpu-prof`): self time by function and by package or project folder, and
 * inclusive time of chosen frames. `node bench/profile-summary.ts <file> [--top 25]`. The evidence for
 * docs/benchmarks.md comes from here; open the file in Chrome DevTools or speedscope for the flame graph.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  totalMs: number;
  byFunction: [string, number][];
  byModule: [string, number][];
  /** Inclusive time of frames whose name matches, by name. */
  inclusive: [string, number][];
}

/** Where a frame's code lives: an npm package, a project folder, node: internals, or (program)/(gc)/(idle). */
export function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const proj = /\/work\/[^/]+\/([^/]+\/[^/]+)/.exec(url) ?? /([^/]+\/[^/]+)$/.exec(url);
  return proj ? proj[1]! : url;
}

export function summariseProfile(p: CpuProfile, inclusiveNames: readonly string[] = [], top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const fnTime = new Map<string, number>();
  const modTime = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const file = f.url.split('/').slice(-2).join('/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    fnTime.set(key, (fnTime.get(key) ?? 0) + ms);
    const mod = moduleOf(f.url, f.functionName);
    modTime.set(mod, (modTime.get(mod) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      for (const want of inclusiveNames) {
        if (name === want && !seen.has(want)) {
          seen.add(want);
          incl.set(want, (incl.get(want) ?? 0) + ms);
        }
      }
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs: (p.endTime - p.startTime) / 1000, byFunction: sorted(fnTime), byModule: sorted(modTime), inclusive: sorted(incl) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, inclusive: { type: 'string', default: '' } } });
  const p = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile;
  const s = summariseProfile(p, values.inclusive ? values.inclusive.split(',') : [], Number(values.top));
  const busy = s.byModule.filter(([m]) => m !== '(idle)').reduce((a, [, ms]) => a + ms, 0);
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)} %`;
  console.log(`profile ${positionals[0]}: ${(s.totalMs / 1000).toFixed(1)} s wall, ${(busy / 1000).toFixed(1)} s busy (percentages of busy)`);
  console.log('\nby module (self):');
  for (const [m, ms] of s.byModule) if (m !== '(idle)') console.log(`  ${pct(ms)}  ${m}`);
  console.log('\nby function (self):');
  for (const [f, ms] of s.byFunction) if (!f.startsWith('(idle)')) console.log(`  ${pct(ms)}  ${f}`);
  if (s.inclusive.length) {
    console.log('\ninclusive:');
    for (const [f, ms] of s.inclusive) console.log(`  ${pct(ms)}  ${f}`);
  }
}
