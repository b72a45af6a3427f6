/** 垃圾桶: fill levels, bins full too long without emptying, fire risk and tilt (bin_sensor; bin-policy pack). */
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { barGauge, COLOURS, dashboard, tablePanel, thresholds, timeSeries } from '../common.ts';
import { agg, fieldCompare, select, selectFrom, tagEquals, type VariableName } from '../influxql.ts';
import { binPolicy } from '../packs.ts';

const VARS: readonly VariableName[] = ['district', 'contractor', 'site', 'device'];

/**
 * Overdue (bin-policy `emptyWithinH`): full at the start of the window and now, and never emptied in between (the
 * fill never fell below `emptiedBelowPct`, the policy's hysteresis).
 */
export function overdueQuery(): string {
  const r = binPolicy().rules;
  const inner = select({
    from: 'bin_sensor',
    select: [agg('bin_sensor', 'first', 'fillPct', 'first'), agg('bin_sensor', 'last', 'fillPct', 'fill'), agg('bin_sensor', 'min', 'fillPct', 'lowest')],
    variables: VARS,
    time: `time > now() - ${r.emptyWithinH.value}h`,
    groupBy: ['site', 'device'],
  });
  return selectFrom(inner, {
    select: ['"fill" AS "当前填充率（%）"', '"lowest" AS "期间最低（%）"'],
    where: [`"first" >= ${r.fullPct.value}`, `"fill" >= ${r.fullPct.value}`, `"lowest" >= ${r.emptiedBelowPct.value}`],
    groupBy: ['site', 'device'],
  });
}

export function bins(): DashboardBuilder {
  const r = binPolicy().rules;
  const fill = thresholds(COLOURS.ok, [[r.fullPct.value, COLOURS.c], [r.overflowPct.value, COLOURS.fail]]);
  return dashboard('vw-bins', '垃圾桶满溢与清运', {
    tags: ['bins'],
    from: 'now-7d',
    refresh: '1m',
    variables: VARS,
    description: `填充率（满 ≥ ${r.fullPct.value}%，溢 ≥ ${r.overflowPct.value}%）、满桶超过 ${r.emptyWithinH.value} 小时未清运、火险（≥ ${r.fireRiskTempC.value} °C）与倾倒（运营方策略 bin-policy）。`,
  })
    .withRow(new RowBuilder('填充率'))
    .withPanel(
      barGauge({
        title: '当前填充率（%）',
        unit: 'percent',
        min: 0,
        max: 100,
        width: 8,
        height: 10,
        thresholds: fill,
        targets: [{ query: select({ from: 'bin_sensor', select: [agg('bin_sensor', 'last', 'fillPct')], variables: VARS, groupBy: ['device'] }), alias: '$tag_device' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '填充率（%），按垃圾桶',
        unit: 'percent',
        min: 0,
        max: 110,
        width: 16,
        height: 10,
        thresholds: fill,
        targets: [{ query: select({ from: 'bin_sensor', select: [agg('bin_sensor', 'max', 'fillPct')], variables: VARS, groupByTime: '$__interval', groupBy: ['site', 'device'], fill: 'none' }), alias: '$tag_device' }],
      }),
    )
    .withRow(new RowBuilder('清运与安全'))
    .withPanel(
      tablePanel({
        title: `超时未清运（满桶超过 ${r.emptyWithinH.value} 小时）`,
        description: `最近 ${r.emptyWithinH.value} 小时开始时与现在都 ≥ ${r.fullPct.value}%，期间从未低于 ${r.emptiedBelowPct.value}%（未清空）。`,
        unit: 'percent',
        targets: [{ query: overdueQuery() }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '桶内最高温度（°C）',
        description: `≥ ${r.fireRiskTempC.value} °C 视为火险。`,
        unit: 'celsius',
        thresholds: thresholds(COLOURS.ok, [[r.fireRiskTempC.value, COLOURS.fail]]),
        targets: [{ query: select({ from: 'bin_sensor', select: [agg('bin_sensor', 'max', 'tempC')], variables: VARS, groupByTime: '$__interval', groupBy: ['device'], fill: 'none' }), alias: '$tag_device' }],
      }),
    )
    .withPanel(
      tablePanel({
        title: '倾倒记录（次）',
        targets: [
          { query: select({ from: 'bin_sensor', select: [agg('bin_sensor', 'count', 'tilted', '倾倒读数')], where: [fieldCompare('bin_sensor', 'tilted', '=', true)], variables: VARS, groupBy: ['site', 'device'] }) },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: '垃圾桶告警（条/天），按规则',
        bars: true,
        stacked: true,
        targets: [
          {
            query: select({
              from: 'alert_event',
              select: [agg('alert_event', 'count', 'alertId')],
              where: [tagEquals('alert_event', 'kind', 'bin'), tagEquals('alert_event', 'transition', 'opened')],
              variables: ['district'],
              groupByTime: '1d',
              groupBy: ['rule'],
              fill: '0',
            }),
            alias: '$tag_rule',
          },
        ],
      }),
    );
}
