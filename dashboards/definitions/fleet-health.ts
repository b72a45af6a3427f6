/** 设备运行状况: last seen, battery, readings refused by code, ingest throughput. */
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DEVICE_KINDS } from '../../contracts/telemetry.ts';
import { barGauge, COLOURS, dashboard, tablePanel, thresholds, timeSeries } from '../common.ts';
import { agg, envelopeAgg, select, tagEquals, type VariableName } from '../influxql.ts';

const VARS: readonly VariableName[] = ['district', 'contractor', 'site', 'device'];

export function fleetHealth(): DashboardBuilder {
  return dashboard('vw-fleet-health', '设备运行状况', {
    tags: ['fleet'],
    from: 'now-24h',
    refresh: '1m',
    variables: VARS,
    description: '设备最后上报时间、电量、被拒读数（按拒收代码）和入库吞吐量。',
  })
    .withRow(new RowBuilder('设备'))
    .withPanel(
      tablePanel({
        title: '最后上报（时间列 = 最后一条读数）',
        width: 12,
        height: 10,
        targets: [{ query: select({ from: DEVICE_KINDS, select: [envelopeAgg('last', 'seq', '序号')], variables: VARS, groupBy: ['site', 'device'] }) }],
      }),
    )
    .withPanel(
      barGauge({
        title: '电量（%）',
        unit: 'percent',
        min: 0,
        max: 100,
        width: 12,
        height: 10,
        thresholds: thresholds(COLOURS.fail, [[15, COLOURS.c], [30, COLOURS.ok]]),
        targets: [{ query: select({ from: DEVICE_KINDS, select: [envelopeAgg('last', 'battery')], variables: VARS, groupBy: ['device'] }), alias: '$tag_device' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '信号强度（dBm），按设备',
        unit: 'dBm',
        width: 24,
        targets: [{ query: select({ from: DEVICE_KINDS, select: [envelopeAgg('mean', 'rssi')], variables: VARS, groupByTime: '$__interval', groupBy: ['device'], fill: 'none' }), alias: '$tag_device' }],
      }),
    )
    .withRow(new RowBuilder('接入'))
    .withPanel(
      timeSeries({
        title: '入库读数（条/时段），按设备类型',
        bars: true,
        stacked: true,
        targets: [{ query: select({ from: DEVICE_KINDS, select: [envelopeAgg('count', 'seq', '读数')], variables: VARS, groupByTime: '$__interval', fill: '0' }), alias: '$m' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: '被拒读数（条/时段），按拒收代码',
        description: '由 ingest 写入 ingest_stats（outcome = rejected）；代码含义见设备契约（README）。',
        bars: true,
        stacked: true,
        targets: [
          {
            query: select({ from: 'ingest_stats', select: [agg('ingest_stats', 'sum', 'count')], where: [tagEquals('ingest_stats', 'outcome', 'rejected')], groupByTime: '$__interval', groupBy: ['code'], fill: '0' }),
            alias: '$tag_code',
          },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: '接入吞吐量（条/时段）：入库、重复、被拒',
        width: 24,
        targets: [
          { query: select({ from: 'ingest_stats', select: [agg('ingest_stats', 'sum', 'count')], groupByTime: '$__interval', groupBy: ['outcome'], fill: '0' }), alias: '$tag_outcome' },
        ],
      }),
    );
}
