/**
 * overparam report layer: figures (Vega-Lite specs) from plain metrics rows, headless SVG rendering
 * and a self-contained HTML report. Browser-safe; reads plain records only (DESIGN.md). PNG output
 * and files on disk live in the Node adapter, src/node/report-render.ts.
 */
export { ReportInputError } from './errors.js';
export { labelRuns, type Row } from './rows.js';
export type { FigureOptions, StepFigureOptions } from './line-chart.js';
export { fitLogLogSlope, type SlopeFit, type SlopeCI, type SlopePoint } from './slope.js';
export { studentTCritical } from './student-t.js';
export { lossFigure, type LossFigureOptions } from './loss-figure.js';
export { kernelEigenFigure, type KernelEigenFigureOptions } from './kernel-eigen-figure.js';
export { widthScalingFigure, driftFigure, movementFigure, fitWidthScaling, describeFit, type WidthScalingOptions, type WidthScalingFit } from './width-scaling-figure.js';
export { lrTransferFigure, lrTransferCells, type LrTransferOptions, type LrCell } from './lr-transfer-figure.js';
export { ntkHeatmapFigure, matrixEntries, type MatrixEntry } from './ntk-heatmap-figure.js';
export { eigenSpectrumFigure } from './eigen-spectrum-figure.js';
export { disparityRankFigure, type DisparityRankOptions } from './disparity-rank-figure.js';
export { residualRateFigure, type ResidualRateOptions } from './residual-rate-figure.js';
export { pathologyFigure, type PathologyFigureOptions } from './pathology-figure.js';
export { convexityFigure, type ConvexityFigureOptions } from './convexity-figure.js';
export { tableFigure, type TableFigureOptions, type TableColumn } from './table-figure.js';
export { renderSvg, toVega, type RenderOptions } from './render.js';
export { namespaceSvgIds } from './svg-ids.js';
export { reportHtml, escapeHtml, type ReportPage, type ReportFigure, type Verdict } from './html.js';
export { FONT_FAMILY } from './font-metrics.js';
export { THEME } from './theme.js';
export type { TopLevelSpec } from 'vega-lite';
