import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, for the README screenshots. The background-networking flags keep it
 * from reaching for Google's hosts, which a machine without internet refuses many times a second.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
