import type { CostReport } from '../cost-report-model';
import { costCharts } from './cost-charts';
import { renderReportCsv } from './report-csv';
import { renderReportHtml } from './report-html';
import { renderReportJson } from './report-json';

/** The report as its three deliverables: the email, the sheet and the record. */
export interface RenderedReport {
  readonly html: string;
  readonly csv: string;
  readonly json: string;
}

export async function renderReport(report: CostReport): Promise<RenderedReport> {
  return {
    html: renderReportHtml(report, await costCharts(report)),
    csv: renderReportCsv(report),
    json: renderReportJson(report),
  };
}
