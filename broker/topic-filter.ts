/**
 * MQTT topic-name and topic-filter grammar, stricter than the protocol: the ACL only has to reason about
 * well-formed names. Pure functions; no policy here (that is `acl.ts`).
 *
 * MQTT 3.1.1 §4.7: levels are separated by `/`; `+` matches exactly one level and must occupy a whole level
 * [MQTT-4.7.1-3]; `#` matches the parent and any number of child levels and must be last and alone in its level
 * [MQTT-4.7.1-2]; topic names must not contain wildcards [MQTT-3.3.2-2] or U+0000 [MQTT-4.7.3-2].
 * Beyond the spec we also refuse empty levels (`a//b`, `/a`, `a/`): no VectorWatch topic has one, and allowing
 * them would give one logical topic several spellings.
 */

export const SINGLE_LEVEL = '+';
export const MULTI_LEVEL = '#';

const hasForbiddenChar = (s: string): boolean => s.includes('\u0000');

/** A concrete topic name fit for PUBLISH: non-empty levels, no wildcards, no NUL. */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || hasForbiddenChar(topic)) return false;
  return topic.split('/').every((level) => level.length > 0 && !level.includes(SINGLE_LEVEL) && !level.includes(MULTI_LEVEL));
}

/** A topic filter fit for SUBSCRIBE: non-empty levels, `+` alone in a level, `#` alone in the last level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || hasForbiddenChar(filter)) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.length === 0) return false;
    if (level === SINGLE_LEVEL) return true;
    if (level === MULTI_LEVEL) return i === levels.length - 1;
    return !level.includes(SINGLE_LEVEL) && !level.includes(MULTI_LEVEL);
  });
}

/**
 * Whether `filter` matches the concrete `topic`. Both must be valid. Topics starting with `$` are never
 * matched by a filter starting with a wildcard [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith(SINGLE_LEVEL) || filter.startsWith(MULTI_LEVEL))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === MULTI_LEVEL) return true; // also matches the parent level: `a/#` matches `a`
    if (i >= t.length) return false;
    if (level !== SINGLE_LEVEL && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether every topic matched by `inner` is also matched by `outer` (both valid filters). This is how a
 * service's subscription is checked against its allowed filters: `devices/abc/telemetry` and
 * `devices/+/telemetry` are covered by `devices/+/telemetry`; `devices/#` is not.
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === MULTI_LEVEL) return true;
    const other = n[i];
    if (other === undefined) return false;
    if (other === MULTI_LEVEL) return false; // `#` reaches deeper than any non-`#` level of outer
    if (level === SINGLE_LEVEL) continue; // covers `+` and any concrete level
    if (level !== other) return false;
  }
  if (n.length === o.length) return true;
  // `a/b/#` also matches `a/b`, but only an outer ending in `#` can cover it, handled above.
  return false;
}
