// The security policies ELBv2 serves through DescribeSSLPolicies, with AWS's own protocol lists
// ("Security policies for your Application Load Balancer": the TLS, FIPS and FS tables; the two
// 2015 legacy policies from the Network Load Balancer guide). Cipher lists follow the same tables,
// built from the groups below; post-quantum (PQ) variants share their base policy's protocols and
// ciphers (they change the key exchange only). A region may add policies of its own (world field
// `sslPolicies`), e.g. one served by name but left out of the listing.
import type { SimSslPolicy } from "../world/types.js";

const TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const TLS13_FIPS = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"];

/** ECDHE suites in AWS's order: AES128 then AES256, each GCM, then CBC-SHA2 (`cbc`), then CBC-SHA1 (`sha1`). */
function ecdhe(cbc: boolean, sha1: boolean): string[] {
  const half = (bits: 128 | 256): string[] => [
    `ECDHE-ECDSA-AES${bits}-GCM-SHA${bits === 128 ? 256 : 384}`,
    `ECDHE-RSA-AES${bits}-GCM-SHA${bits === 128 ? 256 : 384}`,
    ...(cbc ? [`ECDHE-ECDSA-AES${bits}-SHA${bits === 128 ? 256 : 384}`] : []),
    ...(cbc ? [`ECDHE-RSA-AES${bits}-SHA${bits === 128 ? 256 : 384}`] : []),
    ...(sha1 ? [`ECDHE-ECDSA-AES${bits}-SHA`, `ECDHE-RSA-AES${bits}-SHA`] : []),
  ];
  return [...half(128), ...half(256)];
}

/** Static-RSA suites (no forward secrecy), with or without CBC-SHA1. */
function rsa(sha1: boolean): string[] {
  return ["AES128-GCM-SHA256", "AES128-SHA256", ...(sha1 ? ["AES128-SHA"] : [])].concat([
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    ...(sha1 ? ["AES256-SHA"] : []),
  ]);
}

const V13 = ["TLSv1.3"];
const V12_13 = ["TLSv1.3", "TLSv1.2"];
const V11_13 = ["TLSv1.3", "TLSv1.2", "TLSv1.1"];
const V10_13 = ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"];
const V12 = ["TLSv1.2"];
const V11_12 = ["TLSv1.2", "TLSv1.1"];
const V10_12 = ["TLSv1.2", "TLSv1.1", "TLSv1"];

const LEGACY = [...ecdhe(true, true), ...rsa(true)];

/** [name, protocols, ciphers] of every base policy. */
const BASE: readonly [string, string[], string[]][] = [
  ["ELBSecurityPolicy-TLS13-1-3-2021-06", V13, TLS13],
  ["ELBSecurityPolicy-TLS13-1-2-2021-06", V12_13, [...TLS13, ...ecdhe(true, false)]],
  ["ELBSecurityPolicy-TLS13-1-2-Res-2021-06", V12_13, [...TLS13, ...ecdhe(false, false)]],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", V12_13, [...TLS13, ...LEGACY]],
  ["ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", V12_13, [...TLS13, ...ecdhe(true, false), ...rsa(false)]],
  ["ELBSecurityPolicy-TLS13-1-1-2021-06", V11_13, [...TLS13, ...LEGACY]],
  ["ELBSecurityPolicy-TLS13-1-0-2021-06", V10_13, [...TLS13, ...LEGACY]],
  ["ELBSecurityPolicy-TLS-1-2-Ext-2018-06", V12, LEGACY],
  ["ELBSecurityPolicy-TLS-1-2-2017-01", V12, [...ecdhe(true, false), ...rsa(false)]],
  ["ELBSecurityPolicy-TLS-1-1-2017-01", V11_12, LEGACY],
  ["ELBSecurityPolicy-2016-08", V10_12, LEGACY],
  ["ELBSecurityPolicy-TLS-1-0-2015-04", V10_12, [...LEGACY, "DES-CBC3-SHA"]],
  ["ELBSecurityPolicy-2015-05", V10_12, LEGACY],
  ["ELBSecurityPolicy-FS-1-2-Res-2020-10", V12, ecdhe(false, false)],
  ["ELBSecurityPolicy-FS-1-2-Res-2019-08", V12, ecdhe(true, false)],
  ["ELBSecurityPolicy-FS-1-2-2019-08", V12, ecdhe(true, true)],
  ["ELBSecurityPolicy-FS-1-1-2019-08", V11_12, ecdhe(true, true)],
  ["ELBSecurityPolicy-FS-2018-06", V10_12, ecdhe(true, true)],
  ["ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", V13, TLS13_FIPS],
  ["ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", V12_13, [...TLS13_FIPS, ...ecdhe(true, false)]],
  ["ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", V12_13, [...TLS13_FIPS, ...ecdhe(false, false)]],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", V12_13, [...TLS13_FIPS, ...LEGACY]],
  [
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    V12_13,
    [...TLS13_FIPS, ...ecdhe(true, false), ...rsa(false)],
  ],
  ["ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", V12_13, [...TLS13_FIPS, ...ecdhe(true, true)]],
  ["ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", V11_13, [...TLS13_FIPS, ...LEGACY]],
  ["ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", V10_13, [...TLS13_FIPS, ...LEGACY]],
];

/** Base policies with a post-quantum variant released 2025-09. */
const WITH_PQ = new Set([
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-0-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
]);

const pqName = (name: string): string =>
  name.replace(/-FIPS-2023-04$/, "-FIPS-PQ-2025-09").replace(/-2021-06$/, "-PQ-2025-09");

const policy = (name: string, protocols: string[], ciphers: string[]): SimSslPolicy => ({
  Name: name,
  SslProtocols: [...protocols],
  Ciphers: ciphers.map((c, i) => ({ Name: c, Priority: i + 1 })),
  SupportedLoadBalancerTypes: ["application", "network"],
  Listed: true,
});

/** Every built-in policy, in the order DescribeSSLPolicies lists them. */
export const BUILT_IN_SSL_POLICIES: readonly SimSslPolicy[] = BASE.flatMap(([name, protocols, ciphers]) => [
  policy(name, protocols, ciphers),
  ...(WITH_PQ.has(name) ? [policy(pqName(name), protocols, ciphers)] : []),
]);
