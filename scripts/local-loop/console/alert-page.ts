import * as fs from 'node:fs';
import { escapeHtml, notFound, type Page } from './html';
import { entryNumber, runFolderEntries } from './run-folder';

const FORMATS: readonly (readonly [string, string])[] = [
  ['email.txt', 'Email text'],
  ['chat.json', 'Chat notification (AWS Chatbot)'],
  ['pagerduty.json', 'PagerDuty event'],
  ['structured.json', 'Structured JSON'],
];

/** One alert in the four formats it was delivered in, read from the run folder. */
export function alertPage(runFolder: string, segment: string | undefined): Page {
  const number = entryNumber(segment);
  const alert = runFolderEntries(runFolder).alerts.find((entry) => entry.number === number);
  if (!alert) return notFound(`The run has no alert ${segment ?? ''}.`);
  const sections = FORMATS.map(([format, label]) => {
    const file = alert.files[format];
    const text = file === undefined ? '(not written)' : fs.readFileSync(file, 'utf8');
    return `<section><h2>${escapeHtml(label)}</h2><pre>${escapeHtml(text)}</pre></section>`;
  });
  return {
    title: `Alert ${alert.number} (${alert.state.toUpperCase()})`,
    body: `<div class="formats">${sections.join('\n')}</div>`,
  };
}
