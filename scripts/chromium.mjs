// How the dashboard's browser tests, its benchmark and the screenshots start Debian's chromium
// (`apt-get install chromium`; CHROMIUM_PATH for another build) through playwright-core.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
