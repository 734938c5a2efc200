import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5'];
export const color = (i: number) => PALETTE[i % PALETTE.length] as string;

export interface Series {
  label: string;
  x: number[];
  y: number[];
}

/** Puts several series with their own x values on one shared, sorted x axis (gaps where a series has no point). */
function align(series: Series[]): uPlot.AlignedData {
  if (series.length === 1) return [series[0]!.x, series[0]!.y];
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return [xs, ...series.map((s) => {
    const col: Array<number | null> = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => (col[index.get(x)!] = s.y[i] ?? null));
    return col;
  })] as uPlot.AlignedData;
}

/** Canvas line chart (uPlot): stays smooth with a hundred series of a thousand points each. */
export function LineChart(props: { series: Series[]; xLabel: string; time?: boolean; height?: number; onRendered?: () => void; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null || props.series.length === 0) return;
    const width = el.current.clientWidth || 800;
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 320,
      scales: { x: { time: props.time ?? false } },
      axes: [{ label: props.xLabel }, {}],
      series: [{ label: props.xLabel }, ...props.series.map((s, i) => ({ label: s.label, stroke: color(i), width: 1.5, spanGaps: true, points: { show: false } }))],
      hooks: { draw: [() => props.onRendered?.()] },
    };
    const plot = new uPlot(opts, align(props.series), el.current);
    return () => plot.destroy();
  }, [props.series, props.xLabel, props.time]);
  return <div ref={el} class="chart" data-testid={props.testId ?? 'line-chart'} />;
}

/** Scatter: one point per run (a param against a metric). */
export function ScatterChart(props: { points: Array<{ x: number; y: number; label: string }>; xLabel: string; yLabel: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null || props.points.length === 0) return;
    const sorted = [...props.points].sort((a, b) => a.x - b.x);
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 600,
        height: 280,
        mode: 1,
        scales: { x: { time: false } },
        axes: [{ label: props.xLabel }, { label: props.yLabel }],
        series: [{ label: props.xLabel }, { label: props.yLabel, stroke: color(0), paths: () => null, points: { show: true, size: 9, fill: color(0) } }],
      },
      [sorted.map((p) => p.x), sorted.map((p) => p.y)],
      el.current,
    );
    return () => plot.destroy();
  }, [props.points, props.xLabel, props.yLabel]);
  return <div ref={el} class="chart" data-testid="scatter-chart" />;
}

/** Grouped bars: reference against current share per bin or category. */
export function BarsChart(props: { labels: string[]; reference: number[]; current: number[]; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return;
    const bars = uPlot.paths.bars!({ size: [0.4, 60], align: -1 });
    const bars2 = uPlot.paths.bars!({ size: [0.4, 60], align: 1 });
    const x = props.labels.map((_, i) => i);
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 500,
        height: 200,
        scales: { x: { time: false, range: [-0.5, props.labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.05] } },
        axes: [{ values: (_u, ticks) => ticks.map((t) => props.labels[t] ?? '') }, { values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) }],
        series: [{}, { label: 'reference', fill: '#94a3b8', stroke: '#64748b', paths: bars, points: { show: false } }, { label: 'current', fill: '#fca5a5', stroke: '#dc2626', paths: bars2, points: { show: false } }],
      },
      [x, props.reference, props.current],
      el.current,
    );
    return () => plot.destroy();
  }, [props.labels, props.reference, props.current]);
  return <div ref={el} class="chart" data-testid={props.testId ?? 'bars-chart'} />;
}
