// charts.js - ECharts, only the parts the views use (bundle size): line and
// bar charts on a grid with tooltips and legends, drawn on canvas. Every
// chart made here is disposed before the views are drawn again, and resized
// with the window. ECharts' own words (tooltips, no-data) follow the
// language: zh for zh-Hans and zh-Hant, ja, en otherwise.
import { init, use, registerLocale } from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, AriaComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import langZH from 'echarts/lib/i18n/langZH.js';
import langJA from 'echarts/lib/i18n/langJA.js';
import { getLang } from './i18n.js';

use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer]);
registerLocale('ZH', langZH);
registerLocale('JA', langJA);

const live = new Set();
export const PALETTE = ['#1f5fa8', '#c0392b', '#2e7d32', '#8e44ad', '#b35c00', '#00796b', '#5d4037'];

function locale() {
  const l = getLang();
  return l.startsWith('zh') ? 'ZH' : l === 'ja' ? 'JA' : 'EN';
}

export function disposeAll() {
  for (const c of live) c.dispose();
  live.clear();
}

// Draws option into el (a sized div); onClick(params) for a clicked datum.
export function chart(el, option, onClick) {
  const c = init(el, null, { renderer: 'canvas', locale: locale() });
  c.setOption({
    color: PALETTE,
    aria: { enabled: true },
    animation: false,
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif' },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true },
    ...option,
  });
  if (onClick) {
    c.on('click', onClick);
    el.classList.add('clickable');
  }
  live.add(c);
  return c;
}

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => live.forEach((c) => c.resize()), 100);
});
