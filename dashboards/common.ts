/**
 * Shared pieces of the VectorWatch dashboards: the district → contractor → site → device variables, thresholds
 * from rule-pack limits, and panel builders with the house defaults (Chinese titles with units, InfluxQL targets).
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, influxql, matchesVariable, type InfluxQLTargetBuilder, type VariableName } from './influxql.ts';

export const COLOURS = { ok: 'green', a: 'green', b: 'yellow', c: 'orange', fail: 'red', info: 'blue', neutral: 'text' } as const;

const VARIABLE_LABELS: Record<VariableName, string> = { district: '区', contractor: '防制公司', site: '站点', device: '设备' };
/** Each variable lists the values allowed by the variables before it. */
const VARIABLE_ORDER: readonly VariableName[] = ['district', 'contractor', 'site', 'device'];

export function variable(name: VariableName): QueryVariableBuilder {
  const before = VARIABLE_ORDER.slice(0, VARIABLE_ORDER.indexOf(name));
  const where = before.length > 0 ? ` WHERE ${before.map((v) => matchesVariable(v)).join(' AND ')}` : '';
  const query = `SHOW TAG VALUES WITH KEY = "${name}"${where}`;
  return new QueryVariableBuilder(name)
    .label(VARIABLE_LABELS[name])
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

export function dashboard(uid: string, title: string, opts: { tags: string[]; from: string; refresh?: string; description: string; variables: readonly VariableName[] }): DashboardBuilder {
  let d = new DashboardBuilder(title)
    .uid(uid)
    .description(opts.description)
    .tags(['vectorwatch', ...opts.tags])
    .timezone('browser')
    .weekStart('monday')
    .editable()
    .time({ from: opts.from, to: 'now' });
  if (opts.refresh) d = d.refresh(opts.refresh);
  for (const v of opts.variables) d = d.withVariable(variable(v));
  return d;
}

/** Steps: a base colour below the first value, then a colour from each value up. */
export function thresholds(base: string, steps: readonly [number, string][]): ThresholdsConfigBuilder {
  const list: Threshold[] = [{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
}

/**
 * A-B-C grading drawn as thresholds: ≤A green (level A), ≤B yellow (B), ≤C orange (C), above C red (不达标).
 * Grafana colours a value equal to a step with that step's colour, so a value exactly at a limit is drawn one band
 * worse than its grade; the grade itself comes from the `level` field the rules engine writes.
 */
export const gradeThresholds = (l: { A: number; B: number; C: number }) =>
  thresholds(COLOURS.a, [[l.A, COLOURS.b], [l.B, COLOURS.c], [l.C, COLOURS.fail]]);

export interface TargetSpec {
  query: string;
  alias?: string;
  format?: 'time_series' | 'table';
}

function targets(specs: readonly TargetSpec[]): InfluxQLTargetBuilder[] {
  return specs.map((s, i) => {
    const t = influxql(s.query).refId(String.fromCharCode(65 + i)).format(s.format ?? 'time_series');
    return s.alias ? t.alias(s.alias) : t;
  });
}

export interface PanelOpts {
  title: string;
  description?: string;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  width?: number;
  height?: number;
  thresholds?: ThresholdsConfigBuilder;
}

function size<P extends { span(w: number): P; height(h: number): P }>(p: P, o: PanelOpts, w = 12, h = 8): P {
  return p.span(o.width ?? w).height(o.height ?? h);
}

export function timeSeries(o: PanelOpts & { targets: TargetSpec[]; bars?: boolean; shadeThresholds?: boolean; stacked?: boolean }): timeseries.PanelBuilder {
  let p = new timeseries.PanelBuilder().title(o.title).datasource(DATASOURCE).unit(o.unit ?? 'short');
  for (const t of targets(o.targets)) p = p.withTarget(t);
  if (o.description) p = p.description(o.description);
  if (o.decimals !== undefined) p = p.decimals(o.decimals);
  if (o.min !== undefined) p = p.min(o.min);
  if (o.max !== undefined) p = p.max(o.max);
  if (o.bars) p = p.drawStyle(common.GraphDrawStyle.Bars).fillOpacity(60).lineWidth(1);
  if (o.stacked) p = p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.thresholds) {
    p = p.thresholds(o.thresholds);
    p = p.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(o.shadeThresholds ? common.GraphThresholdsStyleMode.LineAndArea : common.GraphThresholdsStyleMode.Dashed),
    );
  }
  p = p.legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Right).calcs(['lastNotNull', 'max']));
  return size(p, o);
}

export function tablePanel(o: PanelOpts & { targets: TargetSpec[] }): table.PanelBuilder {
  let p = new table.PanelBuilder().title(o.title).datasource(DATASOURCE).unit(o.unit ?? 'short');
  for (const t of targets(o.targets.map((t) => ({ ...t, format: 'table' as const })))) p = p.withTarget(t);
  if (o.description) p = p.description(o.description);
  if (o.decimals !== undefined) p = p.decimals(o.decimals);
  if (o.thresholds) p = p.thresholds(o.thresholds);
  return size(p, o);
}

export function barGauge(o: PanelOpts & { targets: TargetSpec[] }): bargauge.PanelBuilder {
  let p = new bargauge.PanelBuilder()
    .title(o.title)
    .datasource(DATASOURCE)
    .unit(o.unit ?? 'short')
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  for (const t of targets(o.targets)) p = p.withTarget(t);
  if (o.description) p = p.description(o.description);
  if (o.decimals !== undefined) p = p.decimals(o.decimals);
  if (o.min !== undefined) p = p.min(o.min);
  if (o.max !== undefined) p = p.max(o.max);
  if (o.thresholds) p = p.thresholds(o.thresholds);
  return size(p, o);
}

export function statPanel(o: PanelOpts & { targets: TargetSpec[]; calc?: string }): stat.PanelBuilder {
  let p = new stat.PanelBuilder()
    .title(o.title)
    .datasource(DATASOURCE)
    .unit(o.unit ?? 'short')
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs([o.calc ?? 'lastNotNull']).values(false));
  for (const t of targets(o.targets)) p = p.withTarget(t);
  if (o.description) p = p.description(o.description);
  if (o.decimals !== undefined) p = p.decimals(o.decimals);
  if (o.thresholds) p = p.thresholds(o.thresholds);
  return size(p, o, 6, 5);
}
