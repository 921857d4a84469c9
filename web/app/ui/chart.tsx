/**
 * ECharts in React, with only the parts the app draws (Sankey, bars) registered so the bundle
 * stays small, rendered as SVG. Every chart has a text alternative: the tables beside it.
 */
import { BarChart, SankeyChart } from 'echarts/charts';
import { AriaComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([SankeyChart, BarChart, GridComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

export function Chart({ option, label, height, testId }: { readonly option: ChartOption; readonly label: string; readonly height: number; readonly testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, null, { renderer: 'svg' });
    chart.current = c;
    const resize = (): void => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, aria: { enabled: true }, ...option }, true);
  }, [option]);
  return <div ref={box} className="chart" dir="ltr" role="img" aria-label={label} style={{ height }} {...(testId ? { 'data-testid': testId } : {})} />;
}
