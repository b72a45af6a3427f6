/** 防制公司实时视图: what a contractor's supervisor watches during the day — catches per site, auto-refreshing. */
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { barGauge, COLOURS, dashboard, tablePanel, thresholds, timeSeries } from '../common.ts';
import { agg, fieldCompare, select, type VariableName } from '../influxql.ts';

const VARS: readonly VariableName[] = ['district', 'contractor', 'site', 'device'];

const perSite = (title: string, query: string) => barGauge({ title, width: 8, height: 9, targets: [{ query, alias: '$tag_site' }] });

export function contractorLive(): DashboardBuilder {
  return dashboard('vw-contractor-live', '防制公司实时视图', {
    tags: ['contractor'],
    from: 'now-24h',
    refresh: '30s',
    variables: VARS,
    description: '各站点捕获与到访（默认最近 24 小时，每 30 秒刷新）。数据来自鼠饵站、诱蚊灯和粘板传感器。',
  })
    .withRow(new RowBuilder('各站点合计（所选时段）'))
    .withPanel(perSite('鼠类捕获（只）', select({ from: 'rodent_station', select: [agg('rodent_station', 'sum', 'caught')], variables: VARS, groupBy: ['site'] })))
    .withPanel(perSite('鼠类到访（次）', select({ from: 'rodent_station', select: [agg('rodent_station', 'sum', 'visits')], variables: VARS, groupBy: ['site'] })))
    .withPanel(perSite('诱蚊灯雌蚊（只）', select({ from: 'mosquito_trap', select: [agg('mosquito_trap', 'sum', 'females')], variables: VARS, groupBy: ['site'] })))
    .withPanel(
      perSite('粘蝇板捕蝇（只）', select({ from: 'sticky_trap', select: [agg('sticky_trap', 'sum', 'count')], where: [fieldCompare('sticky_trap', 'target', '=', 'fly')], variables: VARS, groupBy: ['site'] })),
    )
    .withPanel(
      perSite('粘蟑纸捕蟑（只）', select({ from: 'sticky_trap', select: [agg('sticky_trap', 'sum', 'count')], where: [fieldCompare('sticky_trap', 'target', '=', 'cockroach')], variables: VARS, groupBy: ['site'] })),
    )
    .withPanel(
      tablePanel({
        title: '毒饵余量（%），按设备',
        width: 8,
        height: 9,
        unit: 'percent',
        thresholds: thresholds(COLOURS.fail, [[20, COLOURS.b], [40, COLOURS.ok]]),
        targets: [{ query: select({ from: 'rodent_station', select: [agg('rodent_station', 'last', 'baitPct', '毒饵余量')], variables: VARS, groupBy: ['site', 'device'] }) }],
      }),
    )
    .withRow(new RowBuilder('趋势'))
    .withPanel(
      timeSeries({
        title: '鼠类捕获（只/时段），按站点',
        bars: true,
        stacked: true,
        targets: [{ query: select({ from: 'rodent_station', select: [agg('rodent_station', 'sum', 'caught')], variables: VARS, groupByTime: '$__interval', groupBy: ['site'], fill: '0' }), alias: '$tag_site' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '诱蚊灯雌蚊（只/时段），按站点',
        bars: true,
        stacked: true,
        targets: [{ query: select({ from: 'mosquito_trap', select: [agg('mosquito_trap', 'sum', 'females')], variables: VARS, groupByTime: '$__interval', groupBy: ['site'], fill: '0' }), alias: '$tag_site' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '诱蚊灯蚊种（只/时段）',
        bars: true,
        stacked: true,
        width: 24,
        targets: [
          {
            query: select({
              from: 'mosquito_trap',
              select: [
                agg('mosquito_trap', 'sum', 'bySpecies_culex', '库蚊'),
                agg('mosquito_trap', 'sum', 'bySpecies_aedes', '伊蚊'),
                agg('mosquito_trap', 'sum', 'bySpecies_anopheles', '按蚊'),
                agg('mosquito_trap', 'sum', 'bySpecies_other', '其他'),
              ],
              variables: VARS,
              groupByTime: '$__interval',
              fill: '0',
            }),
            alias: '$col',
          },
        ],
      }),
    );
}
