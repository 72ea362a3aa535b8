import * as fs from 'node:fs';
import * as path from 'node:path';

/** The version of the repository's model, which the Lambda tests score with, as its model card names it. */
export const MODEL_VERSION = (
  JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'predictor', 'model', 'model-card.json'), 'utf8'),
  ) as { modelVersion: string }
).modelVersion;
