/**
 * The "email" suite of `npm run bench` (see scripts/bench.mjs for the suite contract), against
 * FlowRunner under `wrangler dev` on this machine, its mail servers the stand-ins in this process: the
 * relay APIs (scripts/standins/email-relays.mjs) and the SMTP server (scripts/standins/smtp.mjs, its
 * TLS certificates from the local CA that `wrangler dev` is told to trust).
 *   - FlowRunner's overhead per `email.send` over a relay: a chain of 10 email.send nodes to the Resend
 *     stand-in (the API key from a secret) against a one-node run of a no-op `condition`, one run at a
 *     time, taking turns; overhead = (p50 difference) / 10 − the stand-in's own median time per message
 *     (target ≤ 2 ms). Where it goes: a chain of 10 `http.request` nodes posting the same kind of
 *     request to the same stand-in (a step with an effect and a loopback HTTP exchange, without the
 *     message model).
 *   - per message over SMTP to the local server: the same chain sending over STARTTLS with AUTH PLAIN
 *     (a TLS handshake per message), and without TLS or login (the conversation alone).
 *   - IMAP: one `email.receive` fetching 100 messages (bodies, every fifth with an attachment) from a
 *     real dovecot over STARTTLS (scripts/standins/imap.mjs), headers only and with bodies; skipped, and
 *     said so, where dovecot is not installed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RELAY_KEYS, startEmailRelaysStandin } from "../../scripts/standins/email-relays.mjs";
import { trustLocalCa } from "../../scripts/standins/local-ca.mjs";
import { BULK_USER, dovecotInstalled, IMAP_PASSWORD, startImapServer } from "../../scripts/standins/imap.mjs";
import { SMTP_PASSWORD, SMTP_USER, startSmtpStandin } from "../../scripts/standins/smtp.mjs";
import { flowRunnerWithAccount, timeInTurns } from "../engine/account.mjs";
import { chainFlow } from "../engine/flows.mjs";
import { load1, stats } from "../engine/load.mjs";

export const name = "Email: email.send's overhead per message over a relay API and over SMTP; reading 100 messages over IMAP";

const PLANS = {
  full: { runs: 30, imapRuns: 10 },
  quick: { runs: 4, imapRuns: 2 },
};
const IMAP_MESSAGES = 100;
const CHAIN = 10;
const RCPT = "bench@bench.example.com";

let t0 = performance.now();
const log = (message) => console.error(`bench/email [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

const HTTP_RCPT = "bench-http@bench.example.com";
/** smtp-server waits this long before it greets a new connection. */
const GREETING_PAUSE_MS = 100;

const chain = (label, node) => chainFlow(label, CHAIN, node);

const send = (label, params) =>
  chain(label, (i) => [
    "type: email.send",
    `params: {${params}, from: "Bench <bench@example.com>", to: "${RCPT}", subject: "Report ${i}", body: "Hello", html: "<p>Hello</p>"}`,
  ]);

const flows = (relays, smtp) => ({
  relay: send("email relay10", `provider: resend, base_url: "${relays.url}/resend", api_key: "\${secrets.RESEND_KEY}"`),
  http: chain("http10 resend", (i) => {
    const body = JSON.stringify({
      from: "Bench <bench@example.com>",
      to: [HTTP_RCPT],
      subject: `Report ${i}`,
      text: "Hello",
      html: "<p>Hello</p>",
    });
    return [
      "type: http.request",
      `params: {url: "${relays.url}/resend/emails", method: POST, headers: {Authorization: "Bearer \${secrets.RESEND_KEY}"}, body: '${body}'}`,
    ];
  }),
  starttls: send(
    "email smtp10 starttls",
    `smtp_host: "127.0.0.1", smtp_port: ${smtp.ports.starttls}, username: ${SMTP_USER}, password: "\${secrets.SMTP_PASSWORD}"`,
  ),
  plain: send("email smtp10 plain", `smtp_host: "127.0.0.1", smtp_port: ${smtp.ports.plain}, smtp_security: none`),
  noop: `metadata: {name: "bench noop1"}\nnodes:\n  n:\n    type: condition\n    params: {conditions: [{condition: "input.n", action: stop}]}\n`,
});

const receive = (label, port, withBody) =>
  `metadata: {name: "${label}"}\nnodes:\n  inbox:\n    type: email.receive\n    params: {imap_host: "127.0.0.1", imap_port: ${port}, imap_security: starttls, username: ${BULK_USER}, password: "\${secrets.IMAP_PASSWORD}", limit: ${IMAP_MESSAGES}, with_body: ${withBody}}\n`;

/** Runs each IMAP flow `runs` times, taking turns; checks every run fetched all the messages. */
async function imapTimings(fr, ids, runs, failures) {
  const samples = { headers: [], bodies: [] };
  for (let i = 0; i < runs + 1; i++) {
    for (const kind of ["headers", "bodies"]) {
      const run = await fr.run(ids[kind], {});
      const count = Array.isArray(run.body.output) ? run.body.output.length : -1;
      if (run.body.status !== "completed" || count !== IMAP_MESSAGES) {
        failures.push(`IMAP ${kind}: a run ended ${run.body.status} with ${count} messages (${JSON.stringify(run.body.error)})`);
        return null;
      }
      if (i > 0) samples[kind].push(run.ms);
    }
  }
  return { headers: stats(samples.headers), bodies: stats(samples.bodies) };
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-email-"));
  // Before wrangler dev starts: its workerd verifies the SMTP stand-in's certificate against this CA.
  trustLocalCa();
  const relays = await startEmailRelaysStandin();
  const smtp = await startSmtpStandin();
  const imap = dovecotInstalled() ? await startImapServer({ bulk: IMAP_MESSAGES }) : null;
  const failures = [];
  let server;
  try {
    let fr;
    ({ server, fr } = await flowRunnerWithAccount(path.join(tmp, "flowrunner"), { OUTBOUND_PRIVATE_NETWORK: "allow" }, log));
    for (const [secret, value] of [
      ["RESEND_KEY", RELAY_KEYS.resend],
      ["SMTP_PASSWORD", SMTP_PASSWORD],
      ["IMAP_PASSWORD", IMAP_PASSWORD],
    ]) {
      await fr.api(`/api/v1/accounts/me/secrets/${secret}`, { method: "PUT", body: JSON.stringify({ value }) });
    }
    const ids = {};
    for (const [kind, content] of Object.entries(flows(relays, smtp))) ids[kind] = (await fr.saveFlow(content)).id;

    const per = await timeInTurns(fr, ids, plan.runs);
    let imapPer = null;
    if (imap) {
      const imapIds = {
        headers: (await fr.saveFlow(receive("imap headers100", imap.ports.starttls, false))).id,
        bodies: (await fr.saveFlow(receive("imap bodies100", imap.ports.starttls, true))).id,
      };
      imapPer = await imapTimings(fr, imapIds, plan.imapRuns, failures);
      if (imapPer) log(`IMAP 100 messages: headers p50 ${imapPer.headers.p50} ms, bodies p50 ${imapPer.bodies.p50} ms`);
    }
    const accepted = (await (await fetch(`${relays.url}/_standin/messages?rcpt=${encodeURIComponent(RCPT)}`)).json()).messages;
    const service = stats(accepted.map((m) => m.handled_ms));
    const perMessage = (kind) => Number(((per[kind].p50 - per.noop.p50) / CHAIN).toFixed(3));
    const overhead = Number((perMessage("relay") - service.p50).toFixed(3));
    const overHttp = Number((perMessage("relay") - perMessage("http")).toFixed(3));
    const expected = (2 + plan.runs) * CHAIN;
    if (accepted.length !== expected) failures.push(`the relay stand-in accepted ${accepted.length} messages, not ${expected}`);
    const smtpCount = (await (await fetch(`${smtp.url}/messages?rcpt=${encodeURIComponent(RCPT)}`)).json()).messages.length;
    if (smtpCount !== 2 * expected) failures.push(`the SMTP stand-in accepted ${smtpCount} messages, not ${2 * expected}`);
    log(
      `10 relay sends p50 ${per.relay.p50} ms, 10 STARTTLS ${per.starttls.p50} ms, 10 plain ${per.plain.p50} ms, no-op ${per.noop.p50} ms`,
    );

    const rows = [
      { measure: "10 email.send through the Resend stand-in (one run), the key from a secret", ...per.relay },
      { measure: "10 http.request posting to the same stand-in", ...per.http },
      { measure: "10 email.send over SMTP, STARTTLS and AUTH PLAIN", ...per.starttls },
      { measure: "10 email.send over SMTP, no TLS, no login", ...per.plain },
      { measure: "one no-op node (the run's own cost)", ...per.noop },
      { measure: "the relay stand-in's own time per message", ...service },
      ...(imapPer
        ? [
            { measure: `email.receive of ${IMAP_MESSAGES} messages over IMAP STARTTLS, headers only (one run)`, ...imapPer.headers },
            {
              measure: `email.receive of ${IMAP_MESSAGES} messages over IMAP STARTTLS, with bodies and attachments (one run)`,
              ...imapPer.bodies,
            },
          ]
        : []),
    ];
    const targets = [
      {
        target: "overhead per email.send over a loopback relay stand-in, over its own time (p50)",
        limit: 2,
        value: overhead,
        unit: "ms",
        met: overhead <= 2,
      },
    ];
    const markdown = [
      `One \`wrangler dev\` (D1), the client and the stand-ins in one Node process on the same machine. Each flow run ${plan.runs}`,
      "times, one run at a time, the flows taking turns; times are the whole API call (`POST /run?wait=60`).",
      "",
      "| measure | n | p50 ms | p90 ms | p99 ms | max ms |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.measure} | ${r.n} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
      "",
      `- FlowRunner's overhead per \`email.send\` through a relay API: (10 sends − the no-op run) / 10 − the stand-in's time = **${overhead} ms** (target ≤ 2 ms). It holds the step's checkpoint before the send (a side effect), the secret read and the loopback HTTP exchange, which an \`http.request\` posting to the same stand-in pays too (${perMessage("http")} ms a step); over that, building and checking the message costs ${overHttp} ms.`,
      imapPer
        ? `- Reading a mailbox: one \`email.receive\` fetching ${IMAP_MESSAGES} messages from the local dovecot over STARTTLS takes **${imapPer.bodies.p50} ms** with bodies and attachments parsed (${Number((imapPer.bodies.p50 / IMAP_MESSAGES).toFixed(2))} ms a message) and **${imapPer.headers.p50} ms** for headers only, login, search and the run included.`
        : "- Reading a mailbox: not measured here, dovecot is not installed (`apt-get install -y dovecot-imapd`).",
      `- Per message over SMTP to the local server: **${perMessage("starttls")} ms** with STARTTLS and AUTH PLAIN (a new connection, TLS handshake and login per message), **${perMessage("plain")} ms** without TLS or login. Of each, ${GREETING_PAUSE_MS} ms is the server's own pause before its greeting (smtp-server holds every greeting that long to catch clients that talk too soon, as many real servers do); the rest, ${Number((perMessage("starttls") - GREETING_PAUSE_MS).toFixed(3))} ms and ${Number((perMessage("plain") - GREETING_PAUSE_MS).toFixed(3))} ms, is the conversation, the step and the run.`,
    ].join("\n");
    return { name, rows, targets, failures, markdown, raw: { per, service, overhead, overHttp, imap: imapPer } };
  } finally {
    await server?.stop();
    await Promise.all([relays.close(), smtp.close(), imap?.close()]);
    await rm(tmp, { recursive: true, force: true });
  }
}
