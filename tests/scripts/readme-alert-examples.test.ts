import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

// The README shows each alert format as rendered; when a format changes, its golden file does, and
// the README must follow or it would show alerts Vigil no longer sends.
test.each(['email.txt', 'chatbot.json', 'pagerduty.json', 'structured.json'])(
  'the README shows the current %s rendering',
  (file) => {
    const golden = fs
      .readFileSync(path.join(ROOT, 'tests/lambda/alert-enricher/golden', file), 'utf8')
      .trimEnd();
    expect(readme.includes(golden)).toBe(true);
  },
);
