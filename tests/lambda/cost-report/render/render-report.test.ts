import { renderReport } from '../../../../lambda/cost-report/render/render-report';
import { renderReportCsv } from '../../../../lambda/cost-report/render/report-csv';
import { renderReportJson } from '../../../../lambda/cost-report/render/report-json';
import { costReport } from './report-fixture';

describe('renderReport', () => {
  it('renders the email with its three charts inline, the sheet and the record', async () => {
    const report = costReport();
    const rendered = await renderReport(report);
    expect(rendered.html.match(/<svg /g)).toHaveLength(3);
    expect(rendered.html).not.toMatch(/<script|<style|class=|\b(src|href)=|url\(/i);
    // The SVG namespace names itself with a URL; nothing else may point outside the document.
    expect(rendered.html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(
      /https?:/,
    );
    expect(rendered.csv).toBe(renderReportCsv(report));
    expect(rendered.json).toBe(renderReportJson(report));
  });
});
