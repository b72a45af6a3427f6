import { describe, expect, it } from 'vitest';
import { alertText, formatQuantity, type AlertTextInput } from './texts.ts';

const chaoyang = { district: { zh: '朝阳区', en: 'Chaoyang District' } };
const nov2026 = { zh: '2026年11月', en: 'November 2026' };
const haizhuWorks = { district: { zh: '海珠区', en: 'Haizhu District' }, site: { zh: '江南水厂', en: 'Jiangnan Waterworks' } };
const tianheStreet = { district: { zh: '天河区', en: 'Tianhe District' }, site: { zh: '体育西路', en: 'Tiyu West Road' } };

describe('alertText', () => {
  it('produces the issue example exactly', () => {
    const text = alertText({
      kind: 'density', place: chaoyang, period: nov2026,
      indicator: { zh: '室内鼠迹阳性率', en: 'Indoor rodent-sign positive rate' },
      value: 6.2, limit: 5, unit: '%', standard: 'GB/T 27770-2011',
    });
    expect(text.zh).toBe('朝阳区 2026年11月 室内鼠迹阳性率 6.2%，超过C级限值5%（GB/T 27770-2011）');
    // The issue text as it reached us had ASCII ",()" (NFKC folds the full-width forms to those).
    expect(text.zh.normalize('NFKC')).toBe('朝阳区 2026年11月 室内鼠迹阳性率 6.2%,超过C级限值5%(GB/T 27770-2011)');
    expect(text.en).toBe('Chaoyang District, November 2026: Indoor rodent-sign positive rate 6.2%, above the grade C limit of 5% (GB/T 27770-2011)');
  });

  it.each<[string, AlertTextInput, string, string]>([
    [
      'density, inclusive limit, site level',
      { kind: 'density', place: tianheStreet, period: nov2026, indicator: { zh: '蚊虫密度', en: 'mosquito density' }, value: 2, limit: 2, unit: '只/(灯·夜)', standard: 'GB/T 27771-2011', inclusive: true },
      '天河区 体育西路 2026年11月 蚊虫密度 2 只/(灯·夜)，达到或超过C级限值2 只/(灯·夜)（GB/T 27771-2011）',
      'Tiyu West Road, Tianhe District, November 2026: mosquito density 2 只/(灯·夜), at or above the grade C limit of 2 只/(灯·夜) (GB/T 27771-2011)',
    ],
    [
      'dengue band rise',
      { kind: 'dengue', place: chaoyang, period: { zh: '2026年第37周', en: 'week 37 of 2026' }, index: { zh: '布雷图指数', en: 'Breteau index' }, band: { zh: '中度风险', en: 'medium risk' }, previousBand: { zh: '低度风险', en: 'low risk' }, value: 12.5, limit: 5, unit: '', standard: '登革热媒介伊蚊监测指南' },
      '朝阳区 2026年第37周 布雷图指数 12.5，风险由低度风险升至中度风险，报警阈值5（登革热媒介伊蚊监测指南）',
      'Chaoyang District, week 37 of 2026: Breteau index 12.5, risk up from low risk to medium risk, alert threshold 5 (登革热媒介伊蚊监测指南)',
    ],
    [
      'water above the limit at the works outlet',
      { kind: 'water', place: haizhuWorks, parameter: { zh: '游离氯', en: 'free chlorine' }, samplingPoint: 'finished', bound: 'max', value: 2.6, limit: 2, unit: 'mg/L', standard: 'GB 5749-2022' },
      '海珠区 江南水厂 出厂水 游离氯 2.6 mg/L，超过限值2 mg/L（GB 5749-2022）',
      'Jiangnan Waterworks, Haizhu District: finished water free chlorine 2.6 mg/L, above the limit of 2 mg/L (GB 5749-2022)',
    ],
    [
      'water below the tap residual',
      { kind: 'water', place: haizhuWorks, parameter: { zh: '游离氯', en: 'free chlorine' }, samplingPoint: 'tap', bound: 'min', value: 0.03, limit: 0.05, unit: 'mg/L', standard: 'GB 5749-2022' },
      '海珠区 江南水厂 末梢水 游离氯 0.03 mg/L，低于下限0.05 mg/L（GB 5749-2022）',
      'Jiangnan Waterworks, Haizhu District: tap water free chlorine 0.03 mg/L, below the minimum of 0.05 mg/L (GB 5749-2022)',
    ],
    [
      'water pH has no unit',
      { kind: 'water', place: haizhuWorks, parameter: { zh: 'pH', en: 'pH' }, samplingPoint: 'secondary', bound: 'max', value: 9.1, limit: 8.5, unit: '', standard: 'GB 5749-2022' },
      '海珠区 江南水厂 二次供水 pH 9.1，超过限值8.5（GB 5749-2022）',
      'Jiangnan Waterworks, Haizhu District: secondary supply pH 9.1, above the limit of 8.5 (GB 5749-2022)',
    ],
    [
      'bin full',
      { kind: 'bin', condition: 'full', deviceId: 'bin-001', place: tianheStreet, value: 87, limit: 85, unit: '%' },
      '天河区 体育西路 垃圾桶 bin-001，已满，填充率 87%（阈值85%）',
      'Tiyu West Road, Tianhe District: bin bin-001, full, fill level 87% (threshold 85%)',
    ],
    [
      'bin overflow',
      { kind: 'bin', condition: 'overflow', deviceId: 'bin-001', place: tianheStreet, value: 100, limit: 100, unit: '%' },
      '天河区 体育西路 垃圾桶 bin-001，满溢，填充率 100%（阈值100%）',
      'Tiyu West Road, Tianhe District: bin bin-001, overflowing, fill level 100% (threshold 100%)',
    ],
    [
      'bin not emptied in time, with the policy named',
      { kind: 'bin', condition: 'not_emptied', deviceId: 'bin-001', place: tianheStreet, value: 30.5, limit: 24, unit: 'h', standard: '日产日清' },
      '天河区 体育西路 垃圾桶 bin-001，满桶 30.5 h 未清运，超过时限24 h（日产日清）',
      'Tiyu West Road, Tianhe District: bin bin-001, not emptied 30.5 h after filling, beyond the limit of 24 h (日产日清)',
    ],
    [
      'bin fire risk',
      { kind: 'bin', condition: 'fire_risk', deviceId: 'bin-002', place: tianheStreet, value: 72, limit: 60, unit: '°C' },
      '天河区 体育西路 垃圾桶 bin-002，温度 72 °C，有火险（阈值60 °C）',
      'Tiyu West Road, Tianhe District: bin bin-002, fire risk, temperature 72 °C (threshold 60 °C)',
    ],
    [
      'bin tilted',
      { kind: 'bin', condition: 'tilted', deviceId: 'bin-002', place: tianheStreet, value: 1, limit: 1, unit: '' },
      '天河区 体育西路 垃圾桶 bin-002，桶体倾倒',
      'Tiyu West Road, Tianhe District: bin bin-002, tilted or knocked over',
    ],
    [
      'device silent',
      { kind: 'device_health', condition: 'silent', deviceId: 'rodent-001', place: tianheStreet, value: 95, limit: 45, unit: 'min' },
      '天河区 体育西路 设备 rodent-001，已 95 min 未上报数据，超过允许的45 min',
      'Tiyu West Road, Tianhe District: device rodent-001, silent for 95 min, longer than the allowed 45 min',
    ],
    [
      'device battery low',
      { kind: 'device_health', condition: 'battery_low', deviceId: 'rodent-001', place: tianheStreet, value: 8, limit: 15, unit: '%' },
      '天河区 体育西路 设备 rodent-001，电量 8%，低于15%',
      'Tiyu West Road, Tianhe District: device rodent-001, battery at 8%, below 15%',
    ],
    [
      'device bait low',
      { kind: 'device_health', condition: 'bait_low', deviceId: 'rodent-001', place: tianheStreet, value: 10, limit: 20, unit: '%' },
      '天河区 体育西路 设备 rodent-001，毒饵余量 10%，低于20%',
      'Tiyu West Road, Tianhe District: device rodent-001, bait at 10%, below 20%',
    ],
    [
      'device lid open',
      { kind: 'device_health', condition: 'lid_open', deviceId: 'rodent-001', place: tianheStreet, value: 1, limit: 1, unit: '' },
      '天河区 体育西路 设备 rodent-001，盖子未关闭',
      'Tiyu West Road, Tianhe District: device rodent-001, lid open',
    ],
  ])('%s', (_name, input, zh, en) => {
    expect(alertText(input)).toEqual({ zh, en });
  });

  it.each([
    [6.2, '%', '6.2%'],
    [2.6, 'mg/L', '2.6 mg/L'],
    [8.5, '', '8.5'],
    [0.123456, 'mg/L', '0.12 mg/L'],
    [1000, 'mg/L', '1000 mg/L'],
  ])('formats %s %s as %s', (value, unit, out) => {
    expect(formatQuantity(value, unit)).toBe(out);
  });
});
