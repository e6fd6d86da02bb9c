// The local stand-ins for paid or remote services, by name: started by the tests
// (test/standins-setup.ts) and by `npm start -- --standins[=name,...]` (scripts/start.mjs).
// Each entry starts one on 127.0.0.1 and resolves with {url, close()}; `port` is where
// `npm start` puts it, so flows written against it keep working across restarts.
import { RELAY_KEYS, startEmailRelaysStandin } from "./email-relays.mjs";
import { startHttpStandin } from "./http.mjs";
import { dovecotInstalled, FIXED_IMAP_PORTS, IMAP_PASSWORD, IMAP_USERS, startImapServer } from "./imap.mjs";
import { startMcpStandin } from "./mcp.mjs";
import { DEFAULT_API_KEY, startOpenAIStandin } from "./openai.mjs";
import { FIXED_SMTP_PORTS, SMTP_PASSWORD, SMTP_USER, startSmtpStandin } from "./smtp.mjs";
import { startTicketsPlugin } from "../../examples/plugins/tickets-http-plugin.mjs";

export const STANDINS = {
  // The API the examples' http.request nodes call: their run input's `base`.
  http: {
    port: 8795,
    start: startHttpStandin,
    describe: (url) => `${url} (a loopback HTTP API: /echo, /status/<code>, /flaky/<key>/<n>, ...; scripts/standins/http.mjs)`,
  },
  openai: {
    port: 8790,
    start: startOpenAIStandin,
    // Its url is the API's base URL (…/v1), what a flow's base_url takes.
    describe: (url) => `${url} (OpenAI-compatible: base_url ${url}, api_key ${DEFAULT_API_KEY}; docs/ai.md#local-stand-in)`,
  },
  mcp: { port: 8791, start: startMcpStandin, describe: (url) => `${url}/mcp (Streamable HTTP), ${url}/sse (legacy SSE)` },
  // One server for the email relay APIs: a flow's base_url is <url>/<provider>.
  email: {
    port: 8793,
    start: startEmailRelaysStandin,
    describe: (url) =>
      `${url}/{resend,sendgrid,mailgun,postmark,ses} (email relays: api_key ${RELAY_KEYS.resend}, ${RELAY_KEYS.sendgrid}, ${RELAY_KEYS.mailgun}, ${RELAY_KEYS.postmark}; ses ${RELAY_KEYS.ses.accessKeyId}/${RELAY_KEYS.ses.secretAccessKey}; docs/email.md#local-stand-ins)`,
  },
  // Its url shows the SMTP ports and what arrived; the TLS listeners need NODE_EXTRA_CA_CERTS (local-ca.mjs).
  smtp: {
    port: 8792,
    start: ({ port }) => startSmtpStandin({ port, ...(port === 0 ? {} : { smtpPorts: FIXED_SMTP_PORTS }) }),
    describe: (url) =>
      `${url} (SMTP on 127.0.0.1: plain ${FIXED_SMTP_PORTS.plain}, STARTTLS ${FIXED_SMTP_PORTS.starttls}, TLS ${FIXED_SMTP_PORTS.tls}; user ${SMTP_USER}, password ${SMTP_PASSWORD}; ${url}/messages?rcpt=<address>; docs/email.md#local-stand-ins)`,
  },
  // dovecot, when installed: a real IMAP server with seeded mailboxes, for email.receive.
  imap: {
    port: FIXED_IMAP_PORTS.tls,
    available: dovecotInstalled,
    start: async ({ port }) => {
      const imap = await startImapServer(port === 0 ? {} : { ports: FIXED_IMAP_PORTS });
      return { url: `imaps://127.0.0.1:${imap.ports.tls}`, ports: imap.ports, close: imap.close };
    },
    describe: (url) =>
      `${url} (dovecot, IMAP TLS; STARTTLS on ${FIXED_IMAP_PORTS.starttls} with fixed ports; users ${IMAP_USERS.join(", ")}, password ${IMAP_PASSWORD}; docs/email.md#local-imap-server)`,
  },
  // An HTTP plugin (examples/plugins/): add it with POST /api/v1/plugins {kind: "http", url: "<url>/tickets"}.
  plugins: {
    port: 8794,
    start: startTicketsPlugin,
    describe: (url) =>
      `${url}/tickets (HTTP plugin "tickets": POST ${url}/tickets/secret {secret} after adding it; docs/plugins.md#http-plugins)`,
  },
};

/**
 * Starts the named stand-ins (all that can run here when `names` is empty: dovecot only when
 * installed); `fixedPorts` uses each one's default port, else free ports. */
export async function startStandins(names = [], { fixedPorts = false } = {}) {
  const wanted = names.length === 0 ? Object.keys(STANDINS).filter((name) => STANDINS[name].available?.() ?? true) : names;
  const unknown = wanted.filter((name) => !(name in STANDINS));
  if (unknown.length > 0) throw new Error(`Unknown stand-in ${unknown.join(", ")}; known: ${Object.keys(STANDINS).join(", ")}`);
  const running = [];
  try {
    for (const name of wanted) {
      const standin = await STANDINS[name].start({ port: fixedPorts ? STANDINS[name].port : 0 });
      running.push({ name, ...standin, description: STANDINS[name].describe(standin.url) });
    }
  } catch (error) {
    await Promise.all(running.map((standin) => standin.close()));
    throw error;
  }
  return {
    urls: Object.fromEntries(running.map((standin) => [standin.name, standin.url])),
    descriptions: running.map((standin) => `${standin.name}: ${standin.description}`),
    close: () => Promise.all(running.map((standin) => standin.close())).then(() => undefined),
  };
}
