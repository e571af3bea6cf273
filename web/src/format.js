// format.js - numbers as people read them, in the current language:
// counts with grouping, percentages with one decimal, scores signed,
// durations in the largest sensible unit (s, min, h, d).
import { getLang, t } from './i18n.js';

function nf(digits) {
  return new Intl.NumberFormat(getLang(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function duration(sec) {
  if (sec === null || sec === undefined || Number.isNaN(sec)) return '—';
  const a = Math.abs(sec);
  if (a < 90) return t('sec', { v: nf(0).format(sec) });
  if (a < 90 * 60) return t('min', { v: nf(1).format(sec / 60) });
  if (a < 48 * 3600) return t('hour', { v: nf(1).format(sec / 3600) });
  return t('dayu', { v: nf(1).format(sec / 86400) });
}

// A value of a unit ("count", "seconds", "percent", "score", ...).
export function value(v, unit) {
  if (v === null || v === undefined) return '—';
  switch (unit) {
    case 'seconds':
      return duration(v);
    case 'percent':
      return nf(1).format(v) + '%';
    case 'score':
      return nf(1).format(v);
    case 'count':
      return nf(0).format(v);
    default:
      return nf(2).format(v);
  }
}

// A change of a unit: percent points for rates, signed.
export function change(d, unit) {
  if (d === null || d === undefined || Number.isNaN(d)) return '';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const a = Math.abs(d);
  if (unit === 'percent') return sign + nf(1).format(a) + ' pp';
  if (unit === 'seconds') return sign + duration(a);
  if (unit === 'count') return sign + nf(0).format(a);
  return sign + nf(1).format(a);
}

export function count(n) {
  return nf(0).format(n);
}

export function pvalue(p) {
  if (p === null || p === undefined) return '';
  return p < 0.001 ? '< 0.001' : nf(3).format(p);
}
