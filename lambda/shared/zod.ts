import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The zod every Lambda imports: zod/mini, whose functions tree-shake, so a bundle carries only the
 * validators it uses (22–44 KiB, where classic zod's chained API put 443 KiB in each bundle;
 * `npm run bench:bundles`). zod/mini ships no messages (every issue would read "Invalid input"), so
 * this installs the English ones classic zod installs: issues read word for word as before.
 */
config(en());

export * from 'zod/mini';
