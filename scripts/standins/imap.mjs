// A real IMAP server for `email.receive`: dovecot (Debian's `dovecot-imapd`), started as an
// unprivileged process with its own configuration in a temporary directory: a passwd-file of users,
// each with a maildir seeded with the same few messages (plain text, a UTF-8 subject, HTML with an
// attachment, one already read), STARTTLS on one port and implicit TLS on another, both with the
// local CA's certificate (local-ca.mjs; workerd trusts it through NODE_EXTRA_CA_CERTS).
//
// Every user has a mailbox of their own, so a test that marks or moves messages changes nothing
// another test reads.
import { Buffer } from "node:buffer";
import { spawn, spawnSync } from "node:child_process";
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { freePort } from "../free-port.mjs";
import { tmpdir } from "node:os";
import path from "node:path";
import { localCa } from "./local-ca.mjs";

export const IMAP_PASSWORD = "imap-pässwörd-✓";
/** The seeded users; each gets the messages of SEEDED_MESSAGES. */
export const IMAP_USERS = ["reader", "marker", "mover", "processor", "poller"];
const DOVECOT = "/usr/sbin/dovecot";

/** Whether dovecot is installed (`.ci/run` installs it; `apt-get install -y dovecot-imapd`). */
export function dovecotInstalled() {
  try {
    return statSync(DOVECOT).isFile();
  } catch {
    return false;
  }
}

/**
 * The seeded messages, oldest first: [file name flags, internal date, raw MIME]. The internal date
 * (what IMAP's SINCE and BEFORE compare) is the file's modification time.
 */
export const SEEDED_MESSAGES = [
  [
    "S",
    "2026-01-10T09:00:00Z",
    [
      "From: Alice Example <alice@example.com>",
      "To: Team <team@example.com>",
      "Subject: Invoice 42",
      "Date: Sat, 10 Jan 2026 09:00:00 +0000",
      "Message-ID: <invoice-42@example.com>",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Invoice 42 is attached in spirit. Please pay by Friday.",
      "",
    ],
  ],
  [
    "",
    "2026-02-01T12:00:00Z",
    [
      "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>",
      "To: team@example.com",
      "Cc: Alice Example <alice@example.com>",
      "Subject: =?utf-8?b?R3LDvMOfZSBhdXMgTcO8bmNoZW4g4pyT?=",
      "Date: Sun, 01 Feb 2026 12:00:00 +0000",
      "Message-ID: <gruesse@example.de>",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      "Liebe Grüße aus München! Das Wetter ist schön.",
      "",
    ],
  ],
  [
    "",
    "2026-03-01T08:30:00Z",
    [
      "From: Alice Example <alice@example.com>",
      "To: team@example.com",
      "Subject: Quarterly report",
      "Date: Sun, 01 Mar 2026 08:30:00 +0000",
      "Message-ID: <report-q1@example.com>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      'Content-Type: multipart/alternative; boundary="b2"',
      "",
      "--b2",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "The quarterly numbers are in the attached file.",
      "--b2",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>The quarterly numbers are in the <b>attached</b> file.</p>",
      "--b2--",
      "--b1",
      'Content-Type: text/csv; name="report.csv"',
      'Content-Disposition: attachment; filename="report.csv"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("quarter,revenue\nQ1,1200\n").toString("base64"),
      "--b1--",
      "",
    ],
  ],
  [
    "",
    "2026-03-15T16:45:00Z",
    [
      "From: Bob Builder <bob@example.org>",
      "To: support@example.com",
      "Subject: Urgent: the site is down",
      "Date: Sun, 15 Mar 2026 16:45:00 +0000",
      "Message-ID: <urgent-1@example.org>",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Hello, the site is down since this morning. Please help!",
      "",
    ],
  ],
];

/** The user whose mailbox holds `bulk` generated messages (startImapServer's option), for benchmarks. */
export const BULK_USER = "bulk";
/** The ports `npm start -- --standins=imap` uses. */
export const FIXED_IMAP_PORTS = { starttls: 2143, tls: 2993 };

/**
 * Starts dovecot on 127.0.0.1, on `ports` or free ones. Resolves with the ports and `close()`, which
 * stops it and removes its directory. Fails with a clear message when dovecot is not installed.
 * `bulk` > 0 adds the user BULK_USER with that many generated messages (a few KB each, every fifth
 * with an attachment).
 */
export async function startImapServer({ ports, bulk = 0 } = {}) {
  if (!dovecotInstalled()) throw new Error("dovecot is not installed: apt-get install -y dovecot-imapd");
  const dir = mkdtempSync(path.join(tmpdir(), "flowrunner-imap-"));
  const ca = localCa();
  copyFileSync(ca.certFile, path.join(dir, "cert.pem"));
  copyFileSync(ca.keyFile, path.join(dir, "key.pem"));
  const { starttls, tls } = ports ?? { starttls: await freePort(), tls: await freePort() };
  const users = bulk > 0 ? [...IMAP_USERS, BULK_USER] : IMAP_USERS;
  writeFileSync(path.join(dir, "passwd"), users.map((user) => `${user}:{PLAIN}${IMAP_PASSWORD}::::::\n`).join(""));
  for (const user of IMAP_USERS) seedMaildir(path.join(dir, "home", user, "Maildir"), SEEDED_MESSAGES);
  if (bulk > 0) seedMaildir(path.join(dir, "home", BULK_USER, "Maildir"), generatedMessages(bulk));
  // As root, dovecot would run its mail processes as a mail user; run it all as nobody instead.
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? "nobody" : spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
  writeFileSync(path.join(dir, "dovecot.conf"), config(dir, user, { starttls, tls }));
  if (asRoot) chownTree(dir, 65534, 65534);

  const child = spawn(DOVECOT, ["-F", "-c", path.join(dir, "dovecot.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await waitForGreeting(tls, exited, () => stderr);
  } catch (error) {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ports: { starttls, tls },
    close: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function config(dir, user, ports) {
  return `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
info_log_path = /dev/null
# A refused login answers at once (the default waits 2 s).
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = ${user}
default_internal_group = ${user === "nobody" ? "nogroup" : user}
default_login_user = ${user}
first_valid_uid = 0
mail_location = maildir:${dir}/home/%n/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/passwd
}
userdb {
  driver = static
  args = home=${dir}/home/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${ports.starttls}
  }
  inet_listener imaps {
    port = ${ports.tls}
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Archive {
    auto = create
  }
  mailbox "Entwürfe" {
    auto = create
  }
}
`;
}

function seedMaildir(maildir, messages) {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(path.join(maildir, sub), { recursive: true });
  messages.forEach(([flags, date, lines], i) => {
    const seconds = Date.parse(date) / 1000;
    const name = `${seconds}.M${i}P1.flowrunner`;
    const file = flags ? path.join(maildir, "cur", `${name}:2,${flags}`) : path.join(maildir, "new", name);
    writeFileSync(file, lines.join("\r\n"));
    utimesSync(file, seconds, seconds);
  });
}

/** `count` messages in SEEDED_MESSAGES' shape, one a minute from 2026-06-01, all unread. */
function generatedMessages(count) {
  const paragraph = "Order lines, totals and delivery notes, as a shop's notification mail has them. ".repeat(20);
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.parse("2026-06-01T00:00:00Z") + i * 60_000);
    const head = [
      `From: Shop ${i % 7} <shop${i % 7}@example.com>`,
      "To: bulk@example.com",
      `Subject: Order ${i + 1} confirmed`,
      `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <order-${i + 1}@example.com>`,
      "MIME-Version: 1.0",
    ];
    const text = `Order ${i + 1}\r\n\r\n${paragraph}`;
    const body =
      i % 5 === 0
        ? [
            'Content-Type: multipart/mixed; boundary="part"',
            "",
            "--part",
            "Content-Type: text/plain; charset=utf-8",
            "",
            text,
            "--part",
            'Content-Type: text/csv; name="order.csv"',
            'Content-Disposition: attachment; filename="order.csv"',
            "Content-Transfer-Encoding: base64",
            "",
            Buffer.from(`item,qty\nwidget,${i + 1}\n`).toString("base64"),
            "--part--",
            "",
          ]
        : ["Content-Type: text/plain; charset=utf-8", "", text, ""];
    return ["", date.toISOString(), [...head, ...body]];
  });
}

function chownTree(target, uid, gid) {
  chownSync(target, uid, gid);
  if (!statSync(target).isDirectory()) return;
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

/** Resolves once the TLS port accepts connections; rejects with dovecot's own words if it exits. */
async function waitForGreeting(port, exited, stderr) {
  const { connect } = await import("node:net");
  let done = false;
  const failed = exited.then((code) => {
    if (!done) throw new Error(`dovecot exited (${code}): ${stderr().trim()}`);
  });
  for (let i = 0; i < 100; i++) {
    const open = await Promise.race([
      new Promise((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      }),
      failed,
    ]);
    if (open) {
      done = true;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  done = true;
  throw new Error(`dovecot did not listen on ${port} within 10 s: ${stderr().trim()}`);
}
