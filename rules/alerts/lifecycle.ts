/**
 * The alert manager: combines the anti-flap condition (condition.ts) with durable alert state (alert-store.ts)
 * and hands every transition to the publishers (dispatch.ts). Lifecycle `open → acknowledged → resolved`,
 * one unresolved alert per (rule, scope) key, repeat breaches update it in place (issue 3; docs/alerts.md).
 *
 * Times: observation times (`atMs`) drive hold periods; alert and event times come from the injected clock,
 * so escalation counts from when the engine raised the alert. Each change (condition state, alert, event) is
 * one transaction: a crash leaves either all or none of it, and evaluation resumes from the stored state.
 */
import type { Alert, AlertEvent, AlertKind, AlertTransition } from '../../contracts/alert.ts';
import type { Logger } from '../../platform/logger.ts';
import { describeBreach, validateRule, AUTO_RESOLVE_BY_KIND, alertKey, type AlertObservation, type AlertRule } from './alert-rule.ts';
import { SYSTEM_ACTOR, type AlertChange, type AlertStore, type FoldedRepeats } from './alert-store.ts';
import { evaluateCondition, type ConditionDecision } from './condition.ts';
import { createDispatcher } from './dispatch.ts';
import { DEFAULT_ESCALATION, type EscalationPolicy } from './escalation.ts';
import type { AlertPublisher } from './publishers/publisher.ts';

export interface AlertManagerDeps {
  store: AlertStore;
  /** Epoch ms. */
  clock: () => number;
  publish: readonly AlertPublisher[];
  escalation?: Partial<EscalationPolicy> | undefined;
  /** Overrides AUTO_RESOLVE_BY_KIND, e.g. `{ density: true }` to close density alerts when the value recovers. */
  autoResolve?: Partial<Record<AlertKind, boolean>> | undefined;
  logger: Logger;
}

export interface ObserveResult {
  decision: ConditionDecision;
  /** The alert after this observation; null when no alert is involved. */
  alert: Alert | null;
  transition: AlertTransition | null;
}

export interface AlertManager {
  /**
   * Evaluates one observation. `folded`: repeat breaches of the key's unresolved alert that the caller counted
   * instead of passing one by one (rules/engine/observer.ts); they are added to the alert in the same transaction.
   * `seenAtMs`: when the engine saw the observation, if not now (a folded repeat written later); default the clock.
   */
  observe(rule: AlertRule, obs: AlertObservation, folded?: FoldedRepeats, seenAtMs?: number): Promise<ObserveResult>;
  acknowledge(id: string, who: string, note?: string): Promise<Alert>;
  /** A person resolves. Density alerts need `correctiveAction` (CORRECTIVE_ACTION_REQUIRED). */
  resolve(id: string, who: string, note: string | undefined, opts?: { correctiveAction?: string | undefined }): Promise<Alert>;
  comment(id: string, who: string, text: string): Promise<AlertEvent>;
  /** Escalates unacknowledged alerts that are due, once per level; returns the escalated alerts. */
  tick(): Promise<Alert[]>;
  /** At start: publishes events the previous run committed but did not finish publishing. */
  redeliver(): Promise<number>;
  /** Resolves when every queued event has been published. */
  idle(): Promise<void>;
}

export function createAlertManager(deps: AlertManagerDeps): AlertManager {
  const { store, clock } = deps;
  const log = deps.logger.child({ module: 'alerts' });
  const escalation: EscalationPolicy = { ...DEFAULT_ESCALATION, ...deps.escalation };
  const autoResolve = { ...AUTO_RESOLVE_BY_KIND, ...deps.autoResolve };
  const dispatcher = createDispatcher({ store, publishers: deps.publish, clock, logger: deps.logger });
  const validated = new WeakSet<AlertRule>();

  async function publish(change: AlertChange): Promise<Alert> {
    await dispatcher.dispatch([change.event]);
    return change.alert;
  }

  return {
    async observe(rule, obs, folded, seenAtMs) {
      if (!validated.has(rule)) {
        validateRule(rule);
        validated.add(rule);
      }
      const key = alertKey(rule.id, obs.scope);
      const outcome = store.atomically((): { decision: ConditionDecision; alert: Alert | null; change: AlertChange | null } => {
        if (folded !== undefined && folded.count > 0) store.foldRepeats(key, folded);
        const result = evaluateCondition(rule.condition, store.getCondition(key), obs);
        if (result.stale) return { decision: 'none', alert: store.getUnresolved(key) ?? null, change: null };
        store.putCondition(key, result.state);
        const active = store.getUnresolved(key);
        switch (result.decision) {
          case 'fire':
          case 'update': {
            // 'update' without an unresolved alert cannot follow a manual resolve (that resets the condition),
            // but guard anyway: only a new fire opens an alert.
            if (result.decision === 'update' && active === undefined) return { decision: 'none', alert: null, change: null };
            const change = store.openOrUpdate(describeBreach(rule, obs, seenAtMs ?? clock()));
            return { decision: result.decision, alert: change.alert, change };
          }
          case 'clear': {
            if (active === undefined) return { decision: 'clear', alert: null, change: null };
            if (!(rule.autoResolve ?? autoResolve[rule.subject.kind])) {
              log.debug({ alertId: active.id, key }, 'condition cleared; alert stays open until a person resolves it');
              return { decision: 'clear', alert: active, change: null };
            }
            const change = store.resolve(active.id, SYSTEM_ACTOR, 'condition cleared', clock(), { manual: false });
            return { decision: 'clear', alert: change.alert, change };
          }
          case 'none':
            return { decision: 'none', alert: active ?? null, change: null };
        }
      });
      if (outcome.change !== null) {
        log.debug({ alertId: outcome.change.alert.id, transition: outcome.change.event.transition, key }, 'alert transition');
        await publish(outcome.change);
      }
      return { decision: outcome.decision, alert: outcome.alert, transition: outcome.change?.event.transition ?? null };
    },

    // async: a refused transition rejects the promise rather than throwing synchronously.
    acknowledge: async (id, who, note) => publish(store.acknowledge(id, who, note, clock())),

    async resolve(id, who, note, opts = {}) {
      const change = store.atomically(() => {
        const c = store.resolve(id, who, note, clock(), { manual: true, correctiveAction: opts.correctiveAction });
        // A person says it is fixed: forget the anti-flap state, so a breach that persists opens a NEW alert
        // (after the rule's hold time) instead of being folded into the resolved one.
        store.deleteCondition(c.alert.key);
        return c;
      });
      return publish(change);
    },

    async comment(id, who, text) {
      const event = store.comment(id, who, text, clock());
      await dispatcher.dispatch([event]);
      return event;
    },

    async tick() {
      const now = clock();
      const changes = store.atomically(() =>
        store.dueForEscalation(now, escalation).flatMap(({ alert, level }) => {
          const change = store.markEscalated(alert.id, level, now);
          return change === null ? [] : [change];
        }),
      );
      for (const c of changes) log.info({ alertId: c.alert.id, severity: c.alert.severity, level: c.alert.escalationLevel }, 'alert escalated: unacknowledged');
      await dispatcher.dispatch(changes.map((c) => c.event));
      return changes.map((c) => c.alert);
    },

    redeliver: () => dispatcher.redeliver(),
    idle: () => dispatcher.idle(),
  };
}
