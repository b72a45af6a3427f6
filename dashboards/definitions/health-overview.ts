/**
 * 卫生健康部门总览: for the city health office (爱卫办 / CDC). Every density indicator of GB/T 27770–27773 by
 * district against its A/B/C limits (from the rule packs, drawn as thresholds), the latest grade per district and
 * indicator, and the alerts still open.
 */
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { COLOURS, dashboard, gradeThresholds, statPanel, tablePanel, thresholds, timeSeries } from '../common.ts';
import { agg, field, select, selectFrom, tag, tagEquals, type VariableName } from '../influxql.ts';
import { densityPacks, grafanaUnit } from '../packs.ts';

const VARS: readonly VariableName[] = ['district'];
const VECTOR_ZH = { rodent: '鼠类', mosquito: '蚊虫', fly: '蝇类', cockroach: '蜚蠊（蟑螂）' } as const;

/**
 * The latest event of each alert rule in each district; an alert is open while that event is not `resolved`.
 * alert_event has no scope tag, so two open alerts of one rule at two sites of a district count as one here (the
 * API's alert list is exact).
 */
export const latestAlertEvents = select({
  from: 'alert_event',
  select: [
    agg('alert_event', 'last', 'eventId', 'eventId'),
    field('alert_event', 'alertId'),
    tag('alert_event', 'transition'),
    tag('alert_event', 'severity'),
    tag('alert_event', 'kind'),
    field('alert_event', 'value'),
    field('alert_event', 'limit'),
  ],
  variables: VARS,
  time: 'time > now() - 365d',
  groupBy: ['rule', 'district'],
});

const OPEN = `"transition" != 'resolved'`;

export function healthOverview(): DashboardBuilder {
  let d = dashboard('vw-health-overview', '卫生健康部门总览', {
    tags: ['health-office'],
    from: 'now-180d',
    refresh: '5m',
    variables: VARS,
    description: '各区病媒生物密度指标与 GB/T 27770–27773 A/B/C 级限值对照（绿≤A，黄≤B，橙≤C，红=超过C级），以及未解除的告警。',
  })
    .withRow(new RowBuilder('告警'))
    .withPanel(
      statPanel({
        title: '未解除告警（条）',
        thresholds: thresholds(COLOURS.ok, [[1, COLOURS.c], [5, COLOURS.fail]]),
        targets: [{ query: selectFrom(latestAlertEvents, { select: ['count("alertId")'], where: [OPEN] }) }],
      }),
    )
    .withPanel(
      tablePanel({
        title: '未解除告警',
        width: 18,
        height: 8,
        targets: [
          { query: selectFrom(latestAlertEvents, { select: ['"alertId"', '"kind"', '"severity"', '"transition"', '"value"', '"limit"'], where: [OPEN], groupBy: ['district', 'rule'] }) },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: '新告警（条/天），按类别',
        bars: true,
        stacked: true,
        width: 24,
        height: 7,
        targets: [
          {
            query: select({ from: 'alert_event', select: [agg('alert_event', 'count', 'alertId')], where: [tagEquals('alert_event', 'transition', 'opened')], variables: VARS, groupByTime: '1d', groupBy: ['kind'], fill: '0' }),
            alias: '$tag_kind',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('各区最新评级'))
    .withPanel(
      tablePanel({
        title: '各区各指标最新值与等级',
        width: 24,
        height: 10,
        targets: [
          {
            query: select({
              from: 'indicator',
              select: [agg('indicator', 'last', 'value', '值'), agg('indicator', 'last', 'level', '等级'), agg('indicator', 'last', 'limit_c', 'C级限值'), agg('indicator', 'last', 'sample_size', '样本量')],
              where: [tagEquals('indicator', 'scope_level', 'district')],
              variables: VARS,
              groupBy: ['district', 'vector', 'indicator', 'period'],
            }),
          },
        ],
      }),
    );

  for (const pack of densityPacks()) {
    d = d.withRow(new RowBuilder(`${VECTOR_ZH[pack.vector]}（${pack.standard}）`));
    for (const ind of pack.indicators) {
      const graded = ind.limits !== null;
      const limits = ind.limits;
      d = d.withPanel(
        timeSeries({
          title: `${ind.name.zh}（${ind.unit}）${graded ? '' : ' · 只报告，不评级'}`,
          description: limits
            ? `${pack.standard}：A级 ≤ ${limits.A}，B级 ≤ ${limits.B}，C级 ≤ ${limits.C} ${ind.unit}。${ind.formula.numerator.zh} ÷ ${ind.formula.denominator.zh}。`
            : `${pack.standard} 没有此指标的限值：只报告，不评级。${ind.formula.numerator.zh} ÷ ${ind.formula.denominator.zh}。`,
          unit: grafanaUnit(ind.unit),
          width: 8,
          min: 0,
          shadeThresholds: true,
          ...(limits ? { thresholds: gradeThresholds(limits) } : {}),
          targets: [
            {
              query: select({
                from: 'indicator',
                select: [agg('indicator', 'last', 'value')],
                where: [tagEquals('indicator', 'scope_level', 'district'), tagEquals('indicator', 'vector', pack.vector), tagEquals('indicator', 'indicator', ind.id)],
                variables: VARS,
                groupByTime: '1d',
                groupBy: ['district'],
                fill: 'none',
              }),
              alias: '$tag_district',
            },
          ],
        }),
      );
    }
  }
  return d;
}
