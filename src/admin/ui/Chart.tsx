/**
 * A small React wrapper round chart.js (tree-shaken: only the bar and line parts are registered).
 * The chart is created on mount, updated when `data` changes, and destroyed on unmount. The canvas
 * is role="img" with an aria-label; callers ALSO show the same numbers as an HTML table (screen
 * readers, print, axe), so the picture is never the only way to read them.
 *   <Chart type="bar" label="Prompts a month per GP, draft and live" data={…} />
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  type ChartData,
  Chart as ChartJs,
  type ChartOptions,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';

ChartJs.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

/** NHS identity colours (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/). */
export const NHS_COLOURS = {
  blue: '#005eb8',
  darkBlue: '#003087',
  warmYellow: '#ffb81c',
  green: '#007f3b',
  grey: '#4c6272',
  purple: '#330072',
  aquaGreen: '#00a499',
  red: '#d5281b',
  orange: '#ed8b00',
  pink: '#ae2573',
} as const;

export const SERIES_COLOURS = [
  NHS_COLOURS.blue,
  NHS_COLOURS.warmYellow,
  NHS_COLOURS.green,
  NHS_COLOURS.purple,
  NHS_COLOURS.red,
  NHS_COLOURS.aquaGreen,
  NHS_COLOURS.grey,
  NHS_COLOURS.orange,
];

/**
 * A diagonal-stripe fill in `colour` (so a series differs by pattern, not only by colour). Falls back
 * to the plain colour where a canvas cannot be drawn (jsdom).
 */
export function stripes(colour: string, background = '#ffffff'): string | CanvasPattern {
  if (typeof document === 'undefined') return colour;
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = tile.getContext('2d');
  } catch {
    ctx = null;
  }
  if (ctx === null) return colour;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.moveTo(0, 8);
  ctx.lineTo(8, 0);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.stroke();
  return ctx.createPattern(tile, 'repeat') ?? colour;
}

type Kind = 'bar' | 'line';

export interface ChartProps<K extends Kind> {
  type: K;
  /** What the chart shows, for screen readers (the canvas is role="img"). */
  label: string;
  data: ChartData<K>;
  options?: ChartOptions<K>;
  /** CSS height of the drawing area (default 320px). */
  height?: number;
  /** Id of the table with the same numbers (aria-describedby). */
  describedBy?: string;
}

export function Chart<K extends Kind>(props: ChartProps<K>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJs<K> | null>(null);
  const { type, data, options } = props;

  // Create on mount (and if the kind of chart changes); destroy on unmount.
  // biome-ignore lint/correctness/useExhaustiveDependencies: data and options are applied by the effect below
  useEffect(() => {
    const el = canvas.current;
    if (el === null) return;
    let ctx: CanvasRenderingContext2D | null = null;
    try {
      ctx = el.getContext('2d');
    } catch {
      ctx = null;
    }
    if (ctx === null) return; // no canvas (jsdom): the table beside the chart carries the numbers
    chart.current = new ChartJs<K>(ctx, {
      type,
      data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        ...options,
      } as ChartOptions<K>,
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [type]);

  // Update in place when the numbers change.
  useEffect(() => {
    const c = chart.current;
    if (c === null) return;
    c.data = data;
    if (options)
      c.options = { responsive: true, maintainAspectRatio: false, animation: false, ...options } as never;
    c.update();
  }, [data, options]);

  return (
    <div className="ad-chart" style={{ position: 'relative', height: `${props.height ?? 320}px` }}>
      <canvas
        ref={canvas}
        role="img"
        aria-label={props.label}
        {...(props.describedBy ? { 'aria-describedby': props.describedBy } : {})}
      >
        {props.label}
      </canvas>
    </div>
  );
}

/**
 * A wide table's scroll box: at 400 px a table with many columns scrolls sideways inside it instead
 * of widening the page. It can take focus so keyboard users can scroll it (axe: scrollable-region-focusable).
 */
export function TableScroll(props: { labelledBy: string; children: React.ReactNode }) {
  return (
    <section
      className="ad-table-scroll"
      aria-labelledby={props.labelledBy}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
      tabIndex={0}
      style={{ overflowX: 'auto' }}
    >
      {props.children}
    </section>
  );
}
