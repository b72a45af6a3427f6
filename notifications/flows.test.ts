import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFlows, FLOWS_FILE, renderFlows } from './build-flows.ts';

describe('flows.json', () => {
  it('is what build-flows.ts generates (run `npm run gen:flows` after editing notifications/functions/)', () => {
    expect(readFileSync(FLOWS_FILE, 'utf8')).toBe(renderFlows());
  });

  it('wires every output to nodes that exist, and every function body parses', () => {
    const nodes = buildFlows();
    const ids = new Set(nodes.map((n) => n.id));
    for (const n of nodes) {
      for (const out of (n.wires as string[][] | undefined) ?? []) for (const target of out) expect(ids, `${n.id} → ${target}`).toContain(target);
      // Node-RED runs a function body inside an async function of (msg, …).
      if (n.type === 'function') expect(() => new Function('msg', 'node', 'env', 'flow', 'global', `return (async () => {${n.func as string}\n})`)).not.toThrow();
    }
  });
});
