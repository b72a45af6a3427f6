/** 饮用水水质: online probes by sampling point, with the GB 5749-2022 limits shaded (water_probe). */
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { RangeParameter } from '../../contracts/rule-pack.ts';
import { COLOURS, dashboard, tablePanel, thresholds, timeSeries } from '../common.ts';
import { agg, select, type VariableName } from '../influxql.ts';
import { grafanaUnit, waterPack } from '../packs.ts';

const VARS: readonly VariableName[] = ['district', 'contractor', 'site', 'device'];

/**
 * Bands from the pack: below a minimum red; between the tap and the finished-water residual floors yellow (enough
 * at a tap or secondary supply, too little leaving the works); within limits green; above a maximum red.
 */
function bands(p: RangeParameter) {
  const steps: [number, string][] = [];
  if (p.residualMin) {
    steps.push([p.residualMin.tap.value, COLOURS.b], [p.residualMin.finished.value, COLOURS.ok]);
  } else if (p.min) {
    steps.push([p.min.value, COLOURS.ok]);
  }
  if (p.max) steps.push([p.max.value, COLOURS.fail]);
  const base = p.residualMin || p.min ? COLOURS.fail : COLOURS.ok;
  return thresholds(base, steps);
}

function limitsText(p: RangeParameter): string {
  const parts: string[] = [];
  if (p.min) parts.push(`≥ ${p.min.value}`);
  if (p.residualMin) parts.push(`出厂水余量 ≥ ${p.residualMin.finished.value}，末梢水/二次供水余量 ≥ ${p.residualMin.tap.value}`);
  if (p.max) parts.push(`≤ ${p.max.value}`);
  return `GB 5749-2022：${parts.join('，')}${p.unit ? ` ${p.unit}` : ''}。${p.disinfectant === 'chloramine' ? '仅氯胺消毒时适用。' : ''}`;
}

export function waterQuality(): DashboardBuilder {
  const pack = waterPack();
  let d = dashboard('vw-water-quality', '饮用水水质', {
    tags: ['water'],
    from: 'now-7d',
    refresh: '1m',
    variables: VARS,
    description: '在线水质监测仪按采样点（站点/设备）显示 pH、浑浊度、余氯，背景色为 GB 5749-2022 限值区间。',
  }).withRow(new RowBuilder('按采样点'));
  for (const p of pack.parameters) {
    d = d.withPanel(
      timeSeries({
        title: p.unit ? `${p.name.zh}（${p.unit}）` : `${p.name.zh} 值（无量纲）`,
        description: limitsText(p),
        unit: grafanaUnit(p.unit),
        decimals: 2,
        shadeThresholds: true,
        thresholds: bands(p),
        targets: [
          {
            query: select({ from: 'water_probe', select: [agg('water_probe', 'mean', p.field)], variables: VARS, groupByTime: '$__interval', groupBy: ['site', 'device'], fill: 'none' }),
            alias: '$tag_site / $tag_device',
          },
        ],
      }),
    );
  }
  return d.withRow(new RowBuilder('最新读数')).withPanel(
    tablePanel({
      title: '各采样点最新读数',
      width: 24,
      decimals: 2,
      targets: [
        {
          query: select({
            from: 'water_probe',
            select: [
              agg('water_probe', 'last', 'ph', 'pH'),
              agg('water_probe', 'last', 'turbidityNtu', '浑浊度（NTU）'),
              agg('water_probe', 'last', 'freeChlorineMgL', '游离氯（mg/L）'),
              agg('water_probe', 'last', 'totalChlorineMgL', '总氯（mg/L）'),
              agg('water_probe', 'last', 'tempC', '水温（°C）'),
              agg('water_probe', 'last', 'conductivityUsCm', '电导率（μS/cm）'),
            ],
            variables: VARS,
            groupBy: ['site', 'device'],
          }),
        },
      ],
    }),
  );
}
