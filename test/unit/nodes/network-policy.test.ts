import { describe, expect, it } from "vitest";
import { checkHost, checkUrl, isPrivateHost } from "../../../src/nodes/capabilities/network-policy";

const refused = [
  // loopback, every spelling URL parsing folds into 127.0.0.1
  ["http://127.0.0.1/", "127.0.0.1"],
  ["http://127.255.255.254:8080/x", "127.255.255.254"],
  ["http://2130706433/", "127.0.0.1"],
  ["http://0x7f.1/", "127.0.0.1"],
  ["http://0x7f000001/", "127.0.0.1"],
  ["http://0177.0.0.1/", "127.0.0.1"],
  ["http://017700000001/", "127.0.0.1"],
  ["http://127.1/", "127.0.0.1"],
  ["http://127.0.1/", "127.0.0.1"],
  ["http://127.0.0.1./", "127.0.0.1"],
  ["http://%31%32%37.0.0.1/", "127.0.0.1"],
  ["http://127\u30020\u30020\u30021/", "127.0.0.1"],
  ["http://\u2460\u2461\u2466.0.0.1/", "127.0.0.1"],
  // unspecified, private, CGNAT, link-local (metadata), reserved, multicast, broadcast
  ["http://0/", "0.0.0.0"],
  ["http://0.0.0.0/", "0.0.0.0"],
  ["http://10.0.0.1/", "10.0.0.1"],
  ["http://10.255.255.255/", "10.255.255.255"],
  ["http://172.16.0.1/", "172.16.0.1"],
  ["http://172.31.255.255/", "172.31.255.255"],
  ["http://192.168.1.1/", "192.168.1.1"],
  ["http://0xc0a80101/", "192.168.1.1"],
  ["http://100.64.0.1/", "100.64.0.1"],
  ["http://100.127.255.255/", "100.127.255.255"],
  ["http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
  ["http://2852039166/", "169.254.169.254"],
  ["http://192.0.0.170/", "192.0.0.170"],
  ["http://198.18.0.1/", "198.18.0.1"],
  ["http://224.0.0.1/", "224.0.0.1"],
  ["http://239.255.255.250/", "239.255.255.250"],
  ["http://240.0.0.1/", "240.0.0.1"],
  ["http://255.255.255.255/", "255.255.255.255"],
  // IPv6: loopback, unspecified, unique-local, link-local, site-local, multicast
  ["http://[::1]/", "[::1]"],
  ["http://[0:0:0:0:0:0:0:1]/", "[::1]"],
  ["http://[::]/", "[::]"],
  ["http://[fc00::1]/", "[fc00::1]"],
  ["http://[fd12:3456:789a::1]/", "[fd12:3456:789a::1]"],
  ["http://[fe80::1]/", "[fe80::1]"],
  ["http://[febf::1]/", "[febf::1]"],
  ["http://[fec0::1]/", "[fec0::1]"],
  ["http://[ff02::1]/", "[ff02::1]"],
  // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4
  ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
  ["http://[::ffff:7f00:1]/", "[::ffff:7f00:1]"],
  ["http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "[::ffff:a9fe:a9fe]"],
  ["http://[::ffff:10.1.2.3]/", "[::ffff:a01:203]"],
  ["http://[::127.0.0.1]/", "[::7f00:1]"],
  ["http://[::192.168.0.1]/", "[::c0a8:1]"],
  ["http://[64:ff9b::7f00:1]/", "[64:ff9b::7f00:1]"],
  ["http://[64:ff9b::10.0.0.1]/", "[64:ff9b::a00:1]"],
  ["http://[2002:7f00:1::]/", "[2002:7f00:1::]"],
  ["http://[2002:c0a8:101::1]/", "[2002:c0a8:101::1]"],
  // names
  ["http://localhost/", "localhost"],
  ["http://LOCALHOST:3000/", "localhost"],
  ["http://localhost./", "localhost."],
  ["http://api.localhost/", "api.localhost"],
  ["https://a.b.localhost/", "a.b.localhost"],
] as const;

const public_ = [
  "https://example.com/",
  "http://93.184.215.14/",
  "http://1.1.1.1/",
  "http://8.8.8.8:53/",
  "http://9.255.255.255/",
  "http://11.0.0.0/",
  "http://100.63.255.255/",
  "http://100.128.0.0/",
  "http://126.255.255.255/",
  "http://128.0.0.0/",
  "http://169.253.255.255/",
  "http://169.255.0.0/",
  "http://172.15.255.255/",
  "http://172.32.0.0/",
  "http://192.167.255.255/",
  "http://192.169.0.0/",
  "http://198.17.255.255/",
  "http://198.20.0.0/",
  "http://223.255.255.255/",
  "http://[2606:4700:4700::1111]/",
  "http://[2001:db8::1]/",
  "http://[::ffff:8.8.8.8]/",
  "http://[64:ff9b::808:808]/",
  "http://[2002:808:808::]/",
  "http://[fbff::1]/",
  "http://[fe00::1]/",
  "http://localhost.example.com/",
  "http://mylocalhost/",
  "http://127.0.0.1.nip.io/",
  "http://0x7f.example/",
];

describe("checkUrl under deny", () => {
  it.for(refused)("refuses %s (host %s)", ([url, host]) => {
    const check = checkUrl(url, "deny");
    expect(check).toMatchObject({ ok: false, reason: "address_not_allowed", hostname: host });
    expect(check.ok === false && check.message).toContain(host);
  });

  it.for(public_)("allows %s", (url) => {
    expect(checkUrl(url, "deny")).toEqual({ ok: true, hostname: new URL(url).hostname });
  });

  it("names the host but not the path or query in its message", () => {
    const check = checkUrl("http://10.0.0.5/admin?token=s3cret", "deny");
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.message).not.toMatch(/admin|s3cret/);
  });

  it("accepts a parsed URL as well as a string", () => {
    expect(checkUrl(new URL("http://0x7f.1/"), "deny").ok).toBe(false);
    expect(checkUrl(new URL("https://example.com/"), "deny").ok).toBe(true);
  });
});

describe("checkUrl under allow", () => {
  it.for(refused)("lets %s through", ([url, host]) => {
    expect(checkUrl(url, "allow")).toEqual({ ok: true, hostname: host });
  });
});

describe("checkUrl input errors, whatever the policy", () => {
  it.for(["allow", "deny"] as const)("rejects relative, malformed and non-http URLs (%s)", (policy) => {
    expect(checkUrl("/relative", policy)).toMatchObject({ ok: false, reason: "invalid_url" });
    expect(checkUrl("http://", policy)).toMatchObject({ ok: false, reason: "invalid_url" });
    expect(checkUrl("http://0x100000000/", policy)).toMatchObject({ ok: false, reason: "invalid_url" });
    expect(checkUrl("http://[fe80::1%25eth0]/", policy)).toMatchObject({ ok: false, reason: "invalid_url" });
    expect(checkUrl("ftp://example.com/", policy)).toMatchObject({ ok: false, reason: "unsupported_protocol" });
    expect(checkUrl("file:///etc/passwd", policy)).toMatchObject({ ok: false, reason: "unsupported_protocol" });
    expect(checkUrl("javascript:alert(1)", policy)).toMatchObject({ ok: false, reason: "unsupported_protocol" });
  });
});

describe("checkHost (socket hosts)", () => {
  it.for([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["LocalHost", "localhost"],
    ["smtp.localhost", "smtp.localhost"],
    ["::1", "[::1]"],
    ["[::1]", "[::1]"],
    ["::ffff:192.168.0.1", "[::ffff:c0a8:1]"],
    ["10.1.2.3", "10.1.2.3"],
    ["169.254.169.254", "169.254.169.254"],
  ] as const)("refuses %s as %s under deny", ([host, normalised]) => {
    expect(checkHost(host, "deny")).toMatchObject({ ok: false, reason: "address_not_allowed", hostname: normalised });
    expect(checkHost(host, "allow")).toEqual({ ok: true, hostname: normalised });
  });

  it.for([
    ["smtp.example.com", "smtp.example.com"],
    ["IMAP.Example.COM", "imap.example.com"],
    ["8.8.8.8", "8.8.8.8"],
    ["2606:4700::1111", "[2606:4700::1111]"],
  ] as const)("allows %s as %s under deny", ([host, normalised]) => {
    expect(checkHost(host, "deny")).toEqual({ ok: true, hostname: normalised });
  });

  it.for([
    "",
    "example.com:25",
    "evil.com@127.0.0.1",
    "127.0.0.1/x",
    "example.com?x",
    "example.com#x",
    "exa mple.com",
    "a\\b",
    "[::1",
    "[::1]:25",
    "::1::2",
  ])("rejects %j as not a bare host", (host) => {
    expect(checkHost(host, "allow")).toMatchObject({ ok: false, reason: "invalid_host" });
  });
});

describe("isPrivateHost", () => {
  it("fails closed on an IPv6 literal it cannot read", () => {
    expect(isPrivateHost("[zz::1]")).toBe(true);
    expect(isPrivateHost("[1:2:3:4:5:6:7:8:9]")).toBe(true);
  });

  it("treats names that only look numeric as names", () => {
    expect(isPrivateHost("127.0.0.1.example")).toBe(false);
    expect(isPrivateHost("300.1.1.1")).toBe(false);
  });
});
